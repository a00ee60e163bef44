// tinyllm node NAME [MESSAGE] [--config JSON] [--json] — call one node component on its own,
// made and called the way a graph makes and calls its nodes.
#include "cli/answer_stream.hpp"
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/input.hpp"
#include "cli/run_guard.hpp"
#include "cli/terminal.hpp"
#include "graph/executor.hpp"
#include "graph/graph_builder.hpp"
#include "tinyllm/json.hpp"

#include <condition_variable>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace tinyllm::cli {
namespace {

bool is_json_object_text(const std::string &text) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    return first != std::string::npos && text[first] == '{';
}

// MESSAGE as given, or stdin for "-" or no MESSAGE at all (unless stdin is a terminal).
std::string read_input(const std::string &name, const std::vector<std::string> &words,
                       size_t max_bytes) {
    std::string input;
    for (const auto &part : words)
        input += (input.empty() ? "" : " ") + part;
    const bool from_stdin = input == "-" || (words.empty() && !is_terminal(stdin));
    if (from_stdin) input = read_stdin(max_bytes, "the message");
    check_input_size(input, max_bytes, "the message");
    if (words.empty() && !from_stdin) {
        throw Error(ErrorCode::usage,
                    "node " + name + " needs a MESSAGE (see tinyllm node --help)");
    }
    if (from_stdin && input.empty()) {
        throw Error(ErrorCode::usage,
                    "node " + name + " needs a MESSAGE (an argument, or text on stdin)");
    }
    return input;
}

// The message the node receives: MESSAGE itself when it is a JSON object ('{...}'), else the
// first message a run on that text starts with.
std::string message_for(const std::string &input) {
    if (!is_json_object_text(input)) return graph::initial_message(input);
    return json::to_string(json::parse_object(input, "MESSAGE", ErrorCode::usage));
}

int invoke(Context &ctx, const std::string &name, const std::string &input,
           const std::optional<std::string> &config_text, int64_t timeout_ms, bool as_json) {
    const std::string message = message_for(input);
    graph::NodeDef def;
    def.id = name;
    def.type = name;
    if (config_text) {
        auto config = std::make_shared<json::Document>(
            json::parse_object(*config_text, "--config", ErrorCode::usage));
        def.config = std::shared_ptr<const json::Value>(config, config.get());
    }
    runtime::Runtime &rt = ctx.runtime();
    std::unique_ptr<runtime::Node> node;
    try {
        const SetupWatchdog watchdog(ctx.setup_budget());
        node = graph::build_node(def, ctx.registry(), &rt);
    } catch (const Error &e) {
        if (e.code() != ErrorCode::config) throw;
        throw Error(ErrorCode::config, "node " + name + ": --config: " + e.what());
    }

    const Context::TimeBudget budget = ctx.time_budget(timeout_ms);
    const std::optional<runtime::Clock::time_point> deadline = budget.deadline;
    const runtime::CancelToken token = ctx.cancel_token();

    // The call runs on a worker that owns everything it touches: a node stuck in a plugin that
    // never polls is_cancelled is left behind when it does not stop `kStopGrace` after being
    // asked (deadline, Ctrl-C), and the command ends without it, as `run` does.
    struct Work {
        std::unique_ptr<runtime::Node> node;
        std::unique_ptr<AnswerStream> printer;
        std::unique_ptr<runtime::CallContext> call;
        std::string message;
        std::mutex mutex;
        std::condition_variable done_cv;
        bool done = false;
        std::string output;
        std::exception_ptr error;
    };
    auto work = std::make_shared<Work>();
    work->node = std::move(node);
    work->printer = std::make_unique<AnswerStream>(as_json);
    work->message = message;
    runtime::EventSink sink;
    if (!as_json) sink = [p = work->printer.get()](std::string_view event) { p->event(event); };
    work->call = std::make_unique<runtime::CallContext>(token, deadline, std::move(sink));

    const auto start = runtime::Clock::now();
    std::thread worker([work] {
        std::string output;
        std::exception_ptr error;
        try {
            output = work->node->process(*work->call, work->message);
        } catch (...) {
            error = std::current_exception();
        }
        const std::lock_guard<std::mutex> lock(work->mutex);
        work->output = std::move(output);
        work->error = error;
        work->done = true;
        work->done_cv.notify_all();
    });
    std::optional<runtime::Clock::time_point> asked_at;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(work->mutex);
            if (work->done_cv.wait_for(lock, std::chrono::milliseconds(20),
                                       [&] { return work->done; })) {
                break;
            }
        }
        const auto now = runtime::Clock::now();
        if (!asked_at && (token.cancelled() || (deadline && now >= *deadline))) asked_at = now;
        if (!asked_at || now - *asked_at < kStopGrace) continue;
        worker.detach(); // it may never return; the process ends without waiting for it
        ctx.abandon_work();
        work->printer->finish();
        const bool by_user = token.cancelled();
        throw Error(by_user ? ErrorCode::cancelled : ErrorCode::timeout,
                    "node " + name + " (" + work->node->type() + ") did not stop when " +
                        (by_user ? "it was cancelled" : "its deadline passed") + " (" +
                        std::to_string(kStopGrace.count()) + " ms later it was still running)");
    }
    worker.join();
    AnswerStream &printer = *work->printer;
    std::string output = std::move(work->output);
    if (work->error) {
        try {
            std::rethrow_exception(work->error);
        } catch (const Error &e) {
            printer.finish(); // a partial answer ends its line before the error
            ErrorCode code = e.code();
            if (code == ErrorCode::cancelled && !token.cancelled()) {
                code = ErrorCode::timeout; // stopped by its deadline, not by the user
            }
            const bool out_of_time = deadline && runtime::Clock::now() >= *deadline;
            throw Error(code, "node " + name + " failed: " +
                                  (code == ErrorCode::timeout && out_of_time
                                       ? "the time budget ran out (" + budget.name + "): "
                                       : "") +
                                  e.what());
        }
    }
    // The executor's reading of the output: the message the next node would get.
    const graph::AppliedOutput result = graph::apply_node_output(output, message, def, 1);
    const int64_t duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(runtime::Clock::now() - start)
            .count();
    json::Document resulting = json::parse(result.message, "message");

    if (as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        doc.AddMember("message", json::Value(resulting, a), a);
        doc.AddMember("route", json::string_value(result.route, a), a);
        doc.AddMember("duration_ms", duration_ms, a);
        std::cout << json::to_pretty_string(doc) << "\n" << std::flush;
        return kExitOk;
    }
    printer.finish(json::get_string(resulting, "content").value_or(""));
    if (!result.route.empty()) std::fprintf(stderr, "route: %s\n", result.route.c_str());
    return kExitOk;
}

} // namespace

int run_node(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    int64_t timeout_ms = 0;
    std::vector<std::string> config_values;
    desc.add_options()("help,h", "show this help")(
        "config", po::value(&config_values)->composing()->value_name("JSON"),
        "the node's config, a JSON object checked against its schema as in a graph file "
        "(default {}); a value not starting with '{' is the config directory, as for every "
        "command")("timeout", po::value(&timeout_ms)->value_name("MS"),
                   "give up after MS milliseconds (default: limits.request_timeout_ms)")(
        "json", po::bool_switch(&as_json),
        "print {\"message\", \"route\", \"duration_ms\"} as JSON, no streaming");
    // The options every command takes, but --config, which is the node's here (above).
    po::options_description common;
    add_common_options(common, ctx.options());
    for (const auto &option : common.options())
        if (option->long_name() != "config") desc.add(option);
    const auto vm = parse_with_positionals(args, desc, {"name", "message..."}, ctx.options());
    if (vm.count("help")) {
        print_help(
            "node NAME [MESSAGE] [--config JSON] [--json]",
            "Calls one node component on its own, made and called as in a graph, and prints the\n"
            "resulting message's content (streamed tokens as they arrive) and, when there is "
            "one,\nits route on stderr (route: X). MESSAGE is a graph message as a JSON object, "
            "or plain\ntext, which becomes the first message of a run on it; - or no MESSAGE "
            "reads stdin:\ntinyllm node model \"Why is the sky blue?\" --config "
            "'{\"prompt\": \"{{input}}\"}'.\nNAME is a node type (tinyllm plugins list shows "
            "them).",
            desc);
        return kExitOk;
    }
    std::optional<std::string> config_text;
    for (const std::string &value : config_values) {
        if (!is_json_object_text(value)) {
            ctx.options().config_dir = value; // --config DIR, as for every command
        } else if (config_text) {
            throw Error(ErrorCode::usage, "the node's --config JSON is given twice");
        } else {
            config_text = value;
        }
    }
    if (timeout_ms < 0) throw Error(ErrorCode::usage, "--timeout must be positive");
    if (!vm.count("name")) {
        throw Error(ErrorCode::usage, "node needs a NAME (see tinyllm node --help)");
    }
    const std::string name = positional(vm, "name");
    const std::string input = read_input(name, positional_rest(vm, "message"),
                                         ctx.config().system.limits.max_input_bytes);
    return invoke(ctx, name, input, config_text, timeout_ms, as_json);
}

} // namespace tinyllm::cli
