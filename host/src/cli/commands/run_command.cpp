// tinyllm run [--graph NAME|FILE] [--trace] [--json] PROMPT — run a graph end to end; every run
// is recorded in the run store, whatever its outcome.
#include "cli/answer_stream.hpp"
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/input.hpp"
#include "cli/run_guard.hpp"
#include "cli/store_recorder.hpp"
#include "cli/terminal.hpp"
#include "graph/executor.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "runtime/crash_report.hpp"
#include "store/run_id.hpp"
#include "trace/trace_json.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <mutex>
#include <sstream>

namespace tinyllm::cli {
namespace {} // namespace

int run_run(Context &ctx, const std::vector<std::string> &args) {
    std::string graph_name = "default";
    bool as_json = false;
    bool with_trace = false;
    bool stream = false;
    int64_t timeout_ms = 0;
    po::options_description desc("Options");
    desc.add_options()("help,h", "show this help")(
        "graph,g", po::value(&graph_name)->value_name("NAME|FILE"),
        "graph to run: a name in the config's graphs/ or a YAML file (default: default)")(
        "json", po::bool_switch(&as_json), "print the run (answer, status, timings) as JSON")(
        "stream", po::bool_switch(&stream),
        "stream the answer's tokens also when stdout is not a terminal (by default a pipe gets "
        "the final answer once the run has succeeded)")(
        "trace", po::bool_switch(&with_trace),
        "print one JSON document with the answer and the full trace (implies --json)")(
        "timeout", po::value(&timeout_ms)->value_name("MS"),
        "give up after MS milliseconds (default: limits.request_timeout_ms)");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"prompt..."}, ctx.options());
    const std::vector<std::string> words = positional_rest(vm, "prompt");
    if (vm.count("help")) {
        print_help("run [OPTIONS] PROMPT...",
                   "Runs a graph on PROMPT (or stdin) and streams the answer. Every run is\n"
                   "recorded (see tinyllm runs list). -v also prints each router and gate\n"
                   "decision on stderr as the run goes.",
                   desc);
        return kExitOk;
    }
    const bool json_out = as_json || with_trace;
    if (timeout_ms < 0) throw Error(ErrorCode::usage, "--timeout must be positive");
    const std::string prompt =
        prompt_from(words, "run", ctx.config().system.limits.max_input_bytes);

    runtime::Runtime &rt = ctx.runtime();
    std::unique_ptr<graph::Graph> graph;
    {
        const SetupWatchdog watchdog(ctx.setup_budget());
        graph = graph::build_graph(ctx.graph_to_run(graph_name), ctx.registry(), &rt,
                                   graph::BuildMode::run);
    }
    for (const auto &w : graph->warnings)
        spdlog::warn("{}", w);
    store::RunStore &store = ctx.store();

    StoreRecorder recorder(store);
    AnswerStream printer(json_out, stream);
    graph::RunOptions options;
    options.run_id = store::new_run_id();
    options.cancel = ctx.cancel_token();
    options.max_parallel_branches =
        static_cast<size_t>(rt.config().system.limits.max_parallel_branches);
    Context::TimeBudget budget = ctx.time_budget(timeout_ms);
    options.deadline = budget.deadline;
    options.deadline_name = std::move(budget.name);
    // The answer is what answer nodes stream (exits, and specialists a gate checks); with
    // --verbose, every router and gate decision is a line on stderr as the run goes.
    printer.show_decisions(ctx.options().verbosity > 0);
    options.on_event = [&printer](const graph::NodeEvent &ev) {
        printer.event(ev.event_json, ev.seq, ev.final_answer, ev.node_id);
    };
    options.observer = &recorder;

    // Should a plugin crash the process, the run is recorded as crashed at the next start.
    runtime::set_crash_record(store.path().parent_path() / "crashes", options.run_id);
    const trace::Run run = run_guarded(ctx, *graph, prompt, std::move(options));
    runtime::set_crash_record({}, {});

    if (json_out) {
        json::Document doc;
        doc.CopyFrom(trace::to_json(run, false, doc.GetAllocator()), doc.GetAllocator());
        if (with_trace) {
            doc.AddMember("trace", trace::to_json(run, true, doc.GetAllocator()),
                          doc.GetAllocator());
        }
        std::cout << json::to_pretty_string(doc) << "\n" << std::flush;
    } else {
        // A run that ended badly keeps what it had streamed as its answer, for the store;
        // stdout gets only a successful run's answer.
        printer.finish(run.status == trace::RunStatus::succeeded ? run.answer : "");
    }
    if (recorder.error()) {
        spdlog::error("run {} could not be fully recorded: {}", run.id, recorder.error()->what());
    }
    if (run.status != trace::RunStatus::succeeded) {
        const ErrorCode code = parse_error_code(run.error_code);
        throw Error(code, run.error_message + " (run " + run.id + ")");
    }
    return recorder.error() ? exit_code_for(ErrorCode::io) : kExitOk;
}

} // namespace tinyllm::cli
