// tinyllm eval --dataset FILE [--graph NAME|FILE] [--judge NAME] — run and grade a graph on a
// labelled dataset; eval compare A B — two evaluations, paired; eval list; eval routing
// --dataset FILE — a graph's router node alone over a routing dataset.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/eval_dataset.hpp"
#include "cli/eval_report.hpp"
#include "cli/exit_codes.hpp"
#include "cli/graph_eval_report.hpp"
#include "cli/graph_evaluation.hpp"
#include "cli/run_guard.hpp"
#include "cli/terminal.hpp"
#include "config/suggest.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "graph/message.hpp"
#include "store/graph_store.hpp"
#include "versions/active_graph.hpp"

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
        g = graph::build_graph(ctx.graph_to_run(o.graph), ctx.registry(), &rt,
                               graph::BuildMode::run);
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

// ---- tinyllm eval --dataset FILE --graph G: run, grade, record ------------------------------

struct GraphEvalOptions {
    eval::GraphEvalSettings settings;
    std::string graph = "default";
    size_t limit = 0;
    bool as_json = false;
};

int evaluate(Context &ctx, const GraphEvalOptions &o) {
    std::vector<eval::Example> examples = eval::read_examples_file(o.settings.dataset);
    if (o.limit > 0 && examples.size() > o.limit) examples.resize(o.limit);
    eval::GraphEvalSettings settings = o.settings;
    settings.dataset_sha256 = eval::file_sha256(settings.dataset);
    runtime::Runtime &rt = ctx.runtime();
    std::unique_ptr<graph::Graph> g;
    {
        const SetupWatchdog watchdog(ctx.setup_budget());
        g = graph::build_graph(ctx.graph_to_run(o.graph), ctx.registry(), &rt,
                               graph::BuildMode::run); // prepares every tool and judge too
        rt.judges().prepare(settings.judge.empty() ? rt.default_judge() : settings.judge);
    }
    for (const auto &w : g->warnings)
        spdlog::warn("{}", w);
    // A live experiment on this version takes its share of the examples (expansion.yaml).
    std::unique_ptr<expansion::LiveExperiment> experiment;
    std::unique_ptr<graph::Graph> candidate;
    store::GraphStore graphs(ctx.store());
    if (auto live = expansion::live_experiment_for(graphs, g->def.id, g->def.version)) {
        const std::string judge = settings.judge.empty() ? rt.default_judge() : settings.judge;
        const auto version = graphs.version(live->graph_id, live->candidate_version);
        if (live->judge != judge) {
            spdlog::info("experiment {} is live on {} {} but graded by judge {}, not {}: this "
                         "evaluation runs {} alone",
                         live->id, g->def.id, g->def.version, live->judge, judge, g->def.version);
        } else if (version) {
            const SetupWatchdog watchdog(ctx.setup_budget());
            candidate = graph::build_graph(versions::load_version(*version), ctx.registry(), &rt,
                                           graph::BuildMode::run);
            spdlog::info("experiment {} is live: about {:.0f}% of these examples run candidate {} "
                         "({})",
                         live->id, 100 * live->share, live->candidate_version, live->strategy);
            experiment = std::make_unique<expansion::LiveExperiment>(
                ctx.store(), std::move(*live), rt.config().expansion.experiment);
        }
    }
    ProgressBar progress;
    const eval::GraphEvaluation ev =
        eval::evaluate_graph(ctx, *g, examples, settings,
                             [&](size_t done, size_t total) {
                                 progress.update("eval " + g->def.id, static_cast<int64_t>(done),
                                                 static_cast<int64_t>(total));
                             },
                             {experiment.get(), candidate.get()});
    progress.finish();
    if (o.as_json) {
        std::cout << json::to_pretty_string(eval::graph_eval_json(ev)) << "\n";
    } else {
        std::cout << eval::graph_eval_text(ev, color_enabled(stdout));
    }
    std::cout << std::flush;
    if (ev.store_error) {
        spdlog::error("evaluation {} could not be fully recorded: {}", ev.id,
                      ev.store_error->what());
    }
    if (ev.interrupted) {
        throw Error(ErrorCode::cancelled, "interrupted: evaluation " + ev.id +
                                              " is recorded as incomplete (" +
                                              std::to_string(ev.results.size()) + " of " +
                                              std::to_string(examples.size()) + " examples)");
    }
    return ev.store_error ? exit_code_for(ErrorCode::io) : kExitOk;
}

int run_graph_eval(Context &ctx, const std::vector<std::string> &args) {
    GraphEvalOptions o;
    po::options_description desc("Options");
    desc.add_options()("help,h", "show this help")(
        "dataset,d", po::value(&o.settings.dataset)->value_name("FILE"),
        "the examples: JSONL, one {\"input\", \"expected\"?, \"labels\"?, ...} a line "
        "(required; tests/data/eval/README.md)")(
        "graph,g", po::value(&o.graph)->value_name("NAME|FILE"),
        "the graph to evaluate: a name in the config's graphs/ or a YAML file (default: default)")(
        "judge,j", po::value(&o.settings.judge)->value_name("NAME"),
        "the judge that grades each answer (default: judges.yaml's default_judge)")(
        "concurrency,c", po::value(&o.settings.concurrency)->value_name("N"),
        "examples in flight at once (default 4)")("limit", po::value(&o.limit)->value_name("N"),
                                                  "only the first N examples")(
        "timeout", po::value(&o.settings.timeout_ms)->value_name("MS"),
        "each example's budget (default: limits.request_timeout_ms)")(
        "json", po::bool_switch(&o.as_json), "print the report and every result as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {}, ctx.options());
    if (vm.count("help")) {
        print_help(
            "eval --dataset FILE [--graph NAME|FILE] [--judge NAME] [--concurrency N] [--json]",
            "Runs every example through the graph (each run recorded), grades each answer with\n"
            "the judge, records the grades under an evaluation id, and reports accuracy with a\n"
            "95% Wilson interval, per label, run failures, judge errors, latency, tokens and what\n"
            "the runs add to the model calls' own time. A dataset line that is not valid refuses\n"
            "the whole evaluation before any run (FILE:LINE). A failed run scores 0; a judge that\n"
            "fails is a judge error, never a pass. Ctrl-C keeps what finished, marks the\n"
            "evaluation incomplete and exits 130. Compare two with tinyllm eval compare A B.",
            desc);
        return kExitOk;
    }
    if (o.settings.dataset.empty()) {
        throw Error(ErrorCode::usage, "eval needs --dataset FILE (see tinyllm eval --help)");
    }
    if (o.settings.concurrency < 1 || o.settings.concurrency > 256) {
        throw Error(ErrorCode::usage, "--concurrency must be from 1 to 256");
    }
    if (o.settings.timeout_ms < 0) throw Error(ErrorCode::usage, "--timeout must be positive");
    return evaluate(ctx, o);
}

// ---- tinyllm eval compare A B / eval list ------------------------------------------------------

eval::StoredEvaluation load_evaluation(store::RunStore &store, const std::string &id) {
    std::optional<store::EvaluationRecord> record = store.evaluation(id);
    if (!record) {
        throw Error(ErrorCode::not_found,
                    "no evaluation \"" + id + "\" (tinyllm eval list shows them)");
    }
    eval::StoredEvaluation out;
    out.grades = store.grades_of_evaluation(record->id);
    out.record = std::move(*record);
    return out;
}

int run_compare(Context &ctx, const std::vector<std::string> &args) {
    bool as_json = false;
    po::options_description desc("Options");
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print the comparison as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"a", "b"}, ctx.options());
    if (vm.count("help")) {
        print_help(
            "eval compare A B [--json]",
            "Compares two evaluations of the same dataset example by example: accuracy of\n"
            "each, McNemar's test on the pairs where one passes and the other fails, and the\n"
            "mean score difference (B - A) with a 95% bootstrap interval. A and B are\n"
            "evaluation ids or unique prefixes (tinyllm eval list).",
            desc);
        return kExitOk;
    }
    const std::string a = positional(vm, "a"), b = positional(vm, "b");
    if (a.empty() || b.empty()) {
        throw Error(ErrorCode::usage, "eval compare needs two evaluation ids (see --help)");
    }
    store::RunStore &store = ctx.store();
    const eval::Comparison c = eval::compare(load_evaluation(store, a), load_evaluation(store, b));
    if (as_json) {
        std::cout << json::to_pretty_string(eval::comparison_json(c)) << "\n";
    } else {
        std::cout << eval::comparison_text(c, color_enabled(stdout));
    }
    return kExitOk;
}

int run_list(Context &ctx, const std::vector<std::string> &args) {
    bool as_json = false;
    size_t limit = 20;
    po::options_description desc("Options");
    desc.add_options()("help,h", "show this help")("limit,n", po::value(&limit)->value_name("N"),
                                                   "at most N, newest first (0: all)")(
        "json", po::bool_switch(&as_json), "print the list as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {}, ctx.options());
    if (vm.count("help")) {
        print_help("eval list [--limit N] [--json]", "The recorded evaluations, newest first.",
                   desc);
        return kExitOk;
    }
    const std::vector<store::EvaluationRecord> list = ctx.store().list_evaluations(limit);
    json::Document doc(rapidjson::kArrayType);
    auto &al = doc.GetAllocator();
    for (const store::EvaluationRecord &e : list) {
        json::Value row(rapidjson::kObjectType);
        row.AddMember("id", json::string_value(e.id, al), al);
        row.AddMember("dataset", json::string_value(e.dataset, al), al);
        row.AddMember("graph", json::string_value(e.graph_id, al), al);
        row.AddMember("version", json::string_value(e.graph_version, al), al);
        row.AddMember("judge", json::string_value(e.judge, al), al);
        row.AddMember("status", json::string_value(store::to_string(e.status), al), al);
        row.AddMember("examples", e.example_count, al);
        row.AddMember("started_at_ms", e.started_at_ms, al);
        doc.PushBack(row, al);
    }
    if (as_json) {
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    if (list.empty()) std::cout << "no evaluations recorded (tinyllm eval --dataset FILE)\n";
    for (const store::EvaluationRecord &e : list) {
        std::cout << e.id << "  " << e.graph_id << " " << e.graph_version << "  " << e.dataset
                  << "  judge " << e.judge << "  " << e.example_count << " examples  "
                  << store::to_string(e.status) << "\n";
    }
    return kExitOk;
}

struct Evaluation {
    const char *name;
    const char *summary;
    int (*run)(Context &, const std::vector<std::string> &);
};

constexpr Evaluation kEvaluations[] = {
    {"routing", "how well a graph's router node routes a labelled dataset", run_routing},
    {"compare", "compare two recorded evaluations of the same dataset (paired)", run_compare},
    {"list", "the recorded evaluations", run_list},
};

void print_eval_help() {
    std::cout << "Usage: tinyllm eval --dataset FILE [--graph G] [--judge NAME] [OPTIONS]\n"
                 "       tinyllm eval KIND [OPTIONS]\n\n"
                 "Measures a graph against labelled data: with --dataset, runs and grades every\n"
                 "example (tinyllm eval --dataset FILE --help for the options).\n\n"
                 "Kinds:\n";
    for (const Evaluation &e : kEvaluations)
        std::printf("  %-10s %s\n", e.name, e.summary);
    std::cout << "\nRun 'tinyllm eval KIND --help' for its options. Docs: docs/cli.md, "
                 "docs/evaluation.md\n"
              << std::flush;
}

// The index of the first argument that is not an option or an option's value.
size_t kind_index(const std::vector<std::string> &args) {
    static const std::vector<std::string> with_value = {
        "--config", "--plugins", "--log-level",   "--dataset", "-d",      "--graph",  "-g",
        "--judge",  "-j",        "--concurrency", "-c",        "--limit", "--timeout"};
    size_t i = 0;
    while (i < args.size() && !args[i].empty() && args[i][0] == '-') {
        const bool takes =
            std::find(with_value.begin(), with_value.end(), args[i]) != with_value.end();
        i += takes ? 2 : 1;
    }
    return i;
}

bool has_option(const std::vector<std::string> &args, std::string_view long_name,
                std::string_view short_name) {
    for (const std::string &a : args)
        if (a == long_name || a == short_name || a.starts_with(std::string(long_name) + "="))
            return true;
    return false;
}

} // namespace

int run_eval(Context &ctx, const std::vector<std::string> &args) {
    const size_t at = kind_index(args);
    if (at >= args.size() && has_option(args, "--dataset", "-d")) return run_graph_eval(ctx, args);
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
    throw Error(
        ErrorCode::usage,
        "unknown evaluation \"" + kind +
            "\" (kinds: routing, compare, list; or --dataset FILE; see tinyllm eval --help)");
}

} // namespace tinyllm::cli
