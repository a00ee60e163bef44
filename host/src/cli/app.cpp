// tinyllm-host's entry: global options, then the command.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/terminal.hpp"
#include "process/allocator.hpp"
#include "tinyllm/error.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace tinyllm::cli {

const std::vector<Command> &commands() {
    static const std::vector<Command> list = {
        {"run", "run a graph on a prompt and stream the answer", run_run},
        {"runs", "list recorded runs, or show one run's trace", run_runs},
        {"serve", "serve the graphs as models over Ollama's API (tinyllm/default, ...)", run_serve},
        {"metrics", "show metrics per node over a window (metrics show)", run_metrics},
        {"failures", "group failed and low-graded runs by cause (failures analyze)", run_failures},
        {"graph", "validate a graph, or draw it (text, mermaid, dot)", run_graph},
        {"doctor", "check the config, the plugins, the model server and the models", run_doctor},
        {"plugins", "list, inspect and validate plugins", run_plugins},
        {"models", "list, show and pull models", run_models},
        {"ask", "send one prompt to a model and stream the answer", run_ask},
        {"tool", "list the tools, or call one (tool calculator \"2 + 2\")", run_tool},
        {"node", "call one node on a message, as a graph would", run_node},
        {"eval", "measure a graph's router on a labelled dataset (eval routing)", run_eval},
        {"grade", "grade an answer with a judge (pass/fail, score, reasons)", run_grade},
        {"judges", "list the judges grade, gates and evaluations can use", run_judges},
        {"expansion", "self-improvement: nodes over their threshold, experiments, history",
         run_expansion},
        {"prompts", "list, show and render the prompt files", run_prompts},
        {"config", "check the config, or print what every key means", run_config},
    };
    return list;
}

namespace {

void print_main_help(const po::options_description &desc) {
    std::cout << "Usage: tinyllm [OPTIONS] COMMAND [ARGS...]\n\n"
                 "TinyLLM runs a graph of small local language models as one system.\n\n"
                 "Commands:\n";
    for (const Command &c : commands()) {
        std::printf("  %-10s %s\n", c.name, c.summary);
    }
    std::cout << "\n"
              << desc
              << "\nRun 'tinyllm COMMAND --help' for a command's options. Docs: docs/cli.md\n";
}

void report(const Error &e) {
    const bool color = color_enabled(stderr);
    std::fprintf(stderr, "tinyllm: %s: %s\n", paint("error", Color::red, color).c_str(), e.what());
}

} // namespace

int finish_output(int code) {
    // Output is buffered: a write that failed (a full disk, a closed pipe's EIO, /dev/full) may
    // only show when the buffer is flushed, and the stream's error flag stays set once it has.
    errno = 0;
    std::cout.flush();
    const bool failed = std::fflush(stdout) != 0 || std::ferror(stdout) != 0 || !std::cout.good();
    if (!failed) return code;
    const int err = errno;
    report(Error(ErrorCode::io, std::string("cannot write the output to stdout") +
                                    (err != 0 ? std::string(": ") + std::strerror(err) : "")));
    return code == kExitOk ? kExitFailure : code;
}

int run(int argc, char **argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    // Global options are those before the command name; the rest belongs to the command.
    size_t split = 0;
    while (split < args.size() && !args[split].empty() && args[split][0] == '-') {
        const std::string &a = args[split];
        const bool takes_value =
            (a == "--config" || a == "--plugins" || a == "--log-level") && split + 1 < args.size();
        split += takes_value ? 2 : 1;
    }
    const std::vector<std::string> global(args.begin(), args.begin() + split);
    const std::vector<std::string> rest(args.begin() + split, args.end());

    GlobalOptions opts;
    try {
        po::options_description desc("Options");
        desc.add_options()("help,h", "show this help")("version,V", "print the version");
        add_common_options(desc, opts);
        const po::variables_map vm = parse_command_line(global, desc, {}, opts);
        if (vm.count("version")) {
            std::cout << "tinyllm " << kVersion << " (plugin ABI " << TLLM_ABI_VERSION_MAJOR << "."
                      << TLLM_ABI_VERSION_MINOR << ")\n";
            return kExitOk;
        }
        if (vm.count("help") || rest.empty()) {
            print_main_help(desc);
            return rest.empty() && !vm.count("help") ? kExitUsage : kExitOk;
        }
        for (const Command &c : commands()) {
            if (rest[0] == c.name) {
                Context context(std::move(opts));
                try {
                    return c.run(context, {rest.begin() + 1, rest.end()});
                } catch (const Error &e) {
                    if (!context.work_abandoned()) throw;
                    // A plugin's thread is still running: tearing down the runtime under it
                    // would crash or hang. What had to be recorded is.
                    report(e);
                    std::fflush(stdout);
                    std::_Exit(exit_code_for(e.code(), c.name));
                }
            }
        }
        throw Error(ErrorCode::usage, "unknown command \"" + rest[0] + "\" (see tinyllm --help)");
    } catch (const Error &e) {
        report(e);
        return exit_code_for(e.code(), rest.empty() ? "" : rest.front());
    } catch (const std::exception &e) {
        report(Error(ErrorCode::internal, std::string("unexpected: ") + e.what()));
        return kExitFailure;
    }
}

} // namespace tinyllm::cli

int main(int argc, char **argv) {
    tinyllm::process::keep_freed_memory();
    const int code = tinyllm::cli::run(argc, argv);
    return tinyllm::cli::finish_output(code);
}
