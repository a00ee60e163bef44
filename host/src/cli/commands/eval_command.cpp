// tinyllm eval routing --dataset FILE [--graph NAME|FILE] [--node ID] [--json] — run a graph's
// router node alone over a labelled dataset and report how well it routes.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/eval_dataset.hpp"
#include "cli/eval_report.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_guard.hpp"
#include "cli/terminal.hpp"
#include "config/suggest.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "graph/message.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

namespace tinyllm::cli {
namespace {

using runtime::Clock;

struct RoutingOptions {
    std::string dataset;
    std::string graph = "default";
    std::string node;
    int64_t timeout_ms = 0;
    bool as_json = false;
};

// The node to evaluate: --node ID, else the graph's only router.
const graph::Node &pick_node(const graph::Graph &g, const std::string &wanted) {
    std::vector<std::string> ids;
    std::vector<std::string> routers;
    for (const graph::Node &n : g.nodes) {
        ids.push_back(n.def->id);
        if (n.def->type == "router") routers.push_back(n.def->id);
    }
    const std::string in_graph = "graph " + g.def.id;
    if (!wanted.empty()) {
        const graph::Node *n = g.find(wanted);
        if (n == nullptr) {
            throw Error(ErrorCode::usage, in_graph + " has no node \"" + wanted + "\"" +
                                              config::did_you_mean(wanted, ids, "its nodes"));
        }
        return *n;
    }
    if (routers.size() == 1) return *g.find(routers[0]);
    if (routers.empty()) {
        std::vector<std::string> described;
        for (const graph::Node &n : g.nodes)
            described.push_back(n.def->id + " (" + n.def->type + ")");
        throw Error(ErrorCode::usage, in_graph + " has no node of type router (its nodes: " +
                                          config::join(described) +
                                          "); name the node to evaluate with --node ID");
    }
    throw Error(ErrorCode::usage, in_graph + " has " + std::to_string(routers.size()) +
                                      " router nodes (" + config::join(routers) +
                                      "): choose one with --node ID");
}

// One node call on a worker thread, watched from the command's thread: a node stuck in a
// plugin that ignores cancellation is left behind (as `tinyllm node` leaves it) instead of
// holding the evaluation. Everything the worker touches is owned here, and the graph is shared,
// so a worker left running never sees its node destroyed.
struct Call {
    Call(std::shared_ptr<graph::Graph> g, runtime::Node *n, runtime::CancelToken token,
         std::optional<Clock::time_point> deadline, std::string m)
        : graph(std::move(g)), node(n), context(std::move(token), deadline, {}),
          message(std::move(m)) {}

    std::shared_ptr<graph::Graph> graph;
    runtime::Node *node;
    runtime::CallContext context;
    std::string message;
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    std::string output;
    std::exception_ptr error;
    double ms = 0;
};

// Runs `call`; false when it did not return within kStopGrace of being asked to stop (Ctrl-C
// or its deadline): the worker is then detached and still running.
bool run_watched(const std::shared_ptr<Call> &call, const runtime::CancelToken &token,
                 std::optional<Clock::time_point> deadline) {
    std::thread worker([call] {
        std::string output;
        std::exception_ptr error;
        const auto start = Clock::now();
        try {
            output = call->node->process(call->context, call->message);
        } catch (...) {
            error = std::current_exception();
        }
        const std::chrono::duration<double, std::milli> took = Clock::now() - start;
        const std::lock_guard lock(call->mutex);
        call->output = std::move(output);
        call->error = error;
        call->ms = took.count();
        call->done = true;
        call->done_cv.notify_all();
    });
    std::optional<Clock::time_point> asked_at;
    for (;;) {
        {
            std::unique_lock lock(call->mutex);
            if (call->done_cv.wait_for(lock, std::chrono::milliseconds(20),
                                       [&] { return call->done; })) {
                break;
            }
        }
        const auto now = Clock::now();
        if (!asked_at && (token.cancelled() || (deadline && now >= *deadline))) asked_at = now;
        if (asked_at && now - *asked_at >= kStopGrace) {
            worker.detach();
            return false;
        }
    }
    worker.join();
    return true;
}

// The route and data.router of the node's output, read as the executor reads it.
void read_output(const Call &call, const graph::NodeDef &def, eval::Result &r) {
    const graph::AppliedOutput applied =
        graph::apply_node_output(call.output, call.message, def, 1);
    r.predicted = applied.route;
    const json::Document message = json::parse(applied.message, "message");
    const json::Value *data = json::find(message, "data");
    const json::Value *router = data != nullptr ? json::find(*data, "router") : nullptr;
    if (router == nullptr || !router->IsObject()) return; // not a router: no stages to count
    r.stage = json::get_string(*router, "stage").value_or("");
    r.confidence = json::get_number(*router, "confidence");
    const json::Value *stages = json::find(*router, "stages");
    if (stages == nullptr || !stages->IsArray()) return;
    for (const json::Value &s : stages->GetArray()) {
        if (!s.IsObject()) continue;
        r.stages.push_back({json::get_string(s, "stage").value_or("?"),
                            json::get_number(s, "ms").value_or(0),
                            json::get_string(s, "outcome").value_or(""),
                            json::get_string(s, "detail").value_or("")});
    }
}

int evaluate_routing(Context &ctx, const RoutingOptions &o) {
    // The dataset first: a bad line is reported before the graph's models are set up.
    const std::vector<eval::LabelledRequest> requests = eval::read_dataset_file(o.dataset);

    runtime::Runtime &rt = ctx.runtime();
    std::shared_ptr<graph::Graph> g;
    {
        const SetupWatchdog watchdog(ctx.setup_budget());
        g = graph::build_graph(graph::load_graph_def(ctx.graph_path(o.graph)), ctx.registry(), &rt,
                               true);
    }
    for (const auto &w : g->warnings)
        spdlog::debug("{}", w); // the graph's own business: only its router node runs here
    const graph::Node &target = pick_node(*g, o.node);
    const graph::NodeDef &def = *target.def;
    const std::optional<std::vector<std::string>> routes = target.instance->routes();
    if (!routes || routes->empty()) {
        throw Error(ErrorCode::usage, "node " + def.id + " (" + def.type +
                                          ") declares no routes: eval routing needs a node "
                                          "that routes, such as a router");
    }
    eval::check_labels(requests, *routes, o.dataset, def.id);

    const runtime::CancelToken token = ctx.cancel_token();
    int64_t budget = o.timeout_ms > 0 ? o.timeout_ms : rt.config().system.limits.request_timeout_ms;
    if (def.timeout_ms > 0 && (budget <= 0 || def.timeout_ms < budget)) budget = def.timeout_ms;
    size_t total_bytes = 0;
    for (const auto &r : requests)
        total_bytes += r.bytes;

    std::vector<eval::Result> results;
    results.reserve(requests.size());
    std::string stopped;              // why the evaluation ended early
    std::optional<Error> left_behind; // a node still running: the process must end after
    ProgressBar progress;             // on stderr, only when it is a terminal
    size_t done_bytes = 0;
    for (const eval::LabelledRequest &request : requests) {
        if (token.cancelled()) {
            stopped = "interrupted by Ctrl-C";
            break;
        }
        std::optional<Clock::time_point> deadline;
        if (budget > 0) deadline = Clock::now() + std::chrono::milliseconds(budget);
        auto call = std::make_shared<Call>(g, target.instance.get(), token, deadline,
                                           graph::initial_message(request.input));
        if (!run_watched(call, token, deadline)) {
            ctx.abandon_work();
            const bool by_user = token.cancelled();
            stopped = "node " + def.id + " did not stop when " +
                      (by_user ? "it was cancelled" : "its deadline passed");
            left_behind =
                Error(by_user ? ErrorCode::cancelled : ErrorCode::timeout,
                      "node " + def.id + " (" + def.type + ") did not stop when " +
                          (by_user ? "it was cancelled" : "its deadline passed") + " on " +
                          request.id + " (" + std::to_string(kStopGrace.count()) +
                          " ms later it was still running); the evaluation stopped "
                          "there");
            break;
        }
        eval::Result r;
        r.line = request.line;
        r.id = request.id;
        r.expected = request.route;
        r.ambiguous = request.ambiguous;
        r.ms = call->ms;
        try {
            if (call->error) std::rethrow_exception(call->error);
            read_output(*call, def, r);
        } catch (const Error &e) {
            if (token.cancelled()) {
                stopped = "interrupted by Ctrl-C"; // this request is not counted
                break;
            }
            r.failed = true;
            r.error = e.what();
            if (deadline && Clock::now() >= *deadline) {
                r.error.insert(0, "timed out after " + std::to_string(budget) + " ms: ");
            }
        }
        results.push_back(std::move(r));
        done_bytes += request.bytes;
        progress.update("eval routing", static_cast<int64_t>(done_bytes),
                        static_cast<int64_t>(total_bytes));
    }
    progress.finish();

    eval::Subject subject{o.dataset, g->def.id,       def.id, def.type,
                          *routes,   requests.size(), stopped};
    const eval::Report report = eval::summarize(std::move(subject), results);
    if (o.as_json) {
        std::cout << json::to_pretty_string(eval::to_json(report, results)) << "\n";
    } else {
        std::cout << eval::to_text(report, color_enabled(stdout));
    }
    std::cout << std::flush;

    // app.cpp ends the process at once after this error, without tearing down the runtime
    // under the node that is still running (Context::abandon_work).
    if (left_behind) throw *left_behind;
    if (!stopped.empty()) {
        throw Error(ErrorCode::cancelled, "interrupted: the report covers the first " +
                                              std::to_string(results.size()) + " of " +
                                              std::to_string(requests.size()) + " requests");
    }
    return kExitOk;
}

int run_routing(Context &ctx, const std::vector<std::string> &args) {
    RoutingOptions o;
    po::options_description desc("Options");
    desc.add_options()("help,h", "show this help")(
        "dataset,d", po::value(&o.dataset)->value_name("FILE"),
        "the labelled requests: JSONL, one {\"id\", \"input\", \"route\", \"ambiguous\"} a line "
        "(required)")("graph,g", po::value(&o.graph)->value_name("NAME|FILE"),
                      "the graph whose router to evaluate: a name in the config's graphs/ or a "
                      "YAML file (default: default)")(
        "node,n", po::value(&o.node)->value_name("ID"),
        "the node to evaluate (default: the graph's only node of type router)")(
        "timeout", po::value(&o.timeout_ms)->value_name("MS"),
        "each call's budget (default: limits.request_timeout_ms, or the node's timeout_ms when "
        "shorter); a call that runs out is an error row")(
        "json", po::bool_switch(&o.as_json), "print the report and every result as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {}, ctx.options());
    if (vm.count("help")) {
        print_help(
            "eval routing --dataset FILE [--graph NAME|FILE] [--node ID] [--timeout MS] [--json]",
            "Calls the graph's router node alone on every request of a labelled dataset (as\n"
            "the graph would call it first) and reports how well it routes: accuracy with a\n"
            "95% Wilson interval (all, clear and ambiguous lines), precision, recall and F1 per\n"
            "route, the confusion matrix, which stage decided and how often it was right, and\n"
            "latency percentiles per stage and per call. A call that fails is an error row and\n"
            "the evaluation goes on; Ctrl-C prints the partial report (exit 130).\n"
            "The dataset format: tests/data/routing/README.md.",
            desc);
        return kExitOk;
    }
    if (o.dataset.empty()) {
        throw Error(ErrorCode::usage, "eval routing needs --dataset FILE (see --help)");
    }
    if (o.timeout_ms < 0) throw Error(ErrorCode::usage, "--timeout must be positive");
    return evaluate_routing(ctx, o);
}

struct Evaluation {
    const char *name;
    const char *summary;
    int (*run)(Context &, const std::vector<std::string> &);
};

constexpr Evaluation kEvaluations[] = {
    {"routing", "how well a graph's router node routes a labelled dataset", run_routing},
};

void print_eval_help() {
    std::cout << "Usage: tinyllm eval KIND [OPTIONS]\n\n"
                 "Measures a part of a graph against labelled data.\n\n"
                 "Kinds:\n";
    for (const Evaluation &e : kEvaluations)
        std::printf("  %-10s %s\n", e.name, e.summary);
    std::cout << "\nRun 'tinyllm eval KIND --help' for its options. Docs: docs/cli.md\n"
              << std::flush;
}

// The index of the first argument that is not an option or an option's value.
size_t kind_index(const std::vector<std::string> &args) {
    size_t i = 0;
    while (i < args.size() && !args[i].empty() && args[i][0] == '-') {
        const std::string &a = args[i];
        i += (a == "--config" || a == "--plugins" || a == "--log-level") ? 2 : 1;
    }
    return i;
}

} // namespace

int run_eval(Context &ctx, const std::vector<std::string> &args) {
    const size_t at = kind_index(args);
    if (at >= args.size()) {
        // As `tinyllm` alone: the help, and the usage code unless it was asked for.
        print_eval_help();
        const bool asked = std::find(args.begin(), args.end(), "--help") != args.end() ||
                           std::find(args.begin(), args.end(), "-h") != args.end();
        return asked ? kExitOk : kExitUsage;
    }
    std::vector<std::string> rest(args);
    const std::string kind = rest[at];
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(at));
    for (const Evaluation &e : kEvaluations) {
        if (kind == e.name) return e.run(ctx, rest);
    }
    throw Error(ErrorCode::usage,
                "unknown evaluation \"" + kind + "\" (kinds: routing; see tinyllm eval --help)");
}

} // namespace tinyllm::cli
