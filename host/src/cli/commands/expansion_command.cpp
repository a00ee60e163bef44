// tinyllm expansion status [--graph G] [--json] — what self-improvement sees: the nodes of each
// graph's active version against expansion.yaml's trigger, the expansions pending, experiments
// in progress with their evidence, and the history of promotions, rejections and rollbacks.
// tinyllm expansion trigger --node ID: one expansion run to a decision (expansion_trigger.hpp).
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expansion_experiment.hpp"
#include "cli/expansion_prune.hpp"
#include "cli/expansion_trigger.hpp"
#include "cli/terminal.hpp"
#include "cli/time_arg.hpp"
#include "expansion/experiment_owner.hpp"
#include "expansion/node_health.hpp"
#include "graph/graph_def.hpp"
#include "store/graph_store.hpp"
#include "tinyllm/json.hpp"
#include "tinyllm/wall_clock.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>

namespace tinyllm::cli {
namespace {

struct Status {
    std::vector<expansion::NodeHealth> nodes; // every graded node of every active version
    std::vector<store::ExpansionEvent> pending;
    std::vector<store::ExperimentRecord> running;
    std::vector<store::ExperimentRecord> decided;   // newest first
    std::vector<store::ExpansionEvent> rejected;    // candidates that never ran, newest first
    std::vector<store::GraphEvent> version_changes; // promotions and rollbacks, oldest first
};

Status gather(Context &ctx, const std::string &only_graph) {
    const config::ExpansionConfig &cfg = ctx.config().expansion;
    store::RunStore &runs = ctx.store();
    store::GraphStore graphs(runs);
    expansion::pause_interrupted_experiments(graphs);
    Status s;
    const int64_t now = now_ms();
    for (const std::string &graph_id : graphs.graphs()) {
        if (!only_graph.empty() && graph_id != only_graph) continue;
        const auto active = graphs.active_version(graph_id);
        if (!active) continue;
        for (auto &h : expansion::health_of_graph(runs, graph_id, *active, cfg.trigger, now))
            s.nodes.push_back(std::move(h));
        for (const store::GraphEvent &e : graphs.events(graph_id)) {
            if (e.kind != store::GraphEventKind::file) s.version_changes.push_back(e);
        }
    }
    for (store::ExpansionEvent &e : graphs.expansion_events(only_graph, 200)) {
        if (e.kind == store::ExpansionEventKind::pending) {
            const auto state = graphs.node_state(e.graph_id, e.node_id);
            const bool listed = std::any_of(s.pending.begin(), s.pending.end(), [&](auto &p) {
                return p.graph_id == e.graph_id && p.node_id == e.node_id;
            });
            if (state.pending && !state.in_progress && !listed) s.pending.push_back(std::move(e));
        } else if (e.kind == store::ExpansionEventKind::invalid_candidate ||
                   e.kind == store::ExpansionEventKind::mutation_failed ||
                   e.kind == store::ExpansionEventKind::no_candidate) {
            if (s.rejected.size() < 20) s.rejected.push_back(std::move(e));
        }
    }
    for (store::ExperimentRecord &x : graphs.experiments(only_graph, 50)) {
        if (store::in_progress(x.status)) {
            s.running.push_back(std::move(x));
        } else if (s.decided.size() < 20) {
            s.decided.push_back(std::move(x));
        }
    }
    return s;
}

json::Value event_json(const store::ExpansionEvent &e, json::Allocator &a) {
    json::Value o(rapidjson::kObjectType);
    o.AddMember("graph", json::string_value(e.graph_id, a), a);
    o.AddMember("version", json::string_value(e.graph_version, a), a);
    o.AddMember("node", json::string_value(e.node_id, a), a);
    o.AddMember("at_ms", e.at_ms, a);
    o.AddMember("kind", json::string_value(std::string(store::to_string(e.kind)), a), a);
    o.AddMember("strategy", json::string_value(e.strategy, a), a);
    o.AddMember("detail", json::string_value(e.detail, a), a);
    return o;
}

json::Value experiment_json(const store::ExperimentRecord &x, json::Allocator &a) {
    json::Value o(rapidjson::kObjectType);
    o.AddMember("id", json::string_value(x.id, a), a);
    o.AddMember("graph", json::string_value(x.graph_id, a), a);
    o.AddMember("node", json::string_value(x.node_id, a), a);
    o.AddMember("strategy", json::string_value(x.strategy, a), a);
    o.AddMember("base_version", json::string_value(x.base_version, a), a);
    o.AddMember("candidate_version", json::string_value(x.candidate_version, a), a);
    o.AddMember("status", json::string_value(std::string(store::to_string(x.status)), a), a);
    o.AddMember("trigger", json::string_value(x.trigger, a), a);
    o.AddMember("started_at_ms", x.started_at_ms, a);
    if (x.decided_at_ms) o.AddMember("decided_at_ms", *x.decided_at_ms, a);
    o.AddMember("decision", json::string_value(x.decision, a), a);
    json::Document evidence =
        json::parse_object(x.evidence.empty() ? "{}" : x.evidence, "evidence", ErrorCode::internal);
    o.AddMember("evidence", json::Value(evidence, a), a);
    return o;
}

int print_json(const Status &s, const config::ExpansionConfig &cfg) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    json::Value trigger(rapidjson::kObjectType);
    trigger.AddMember("window_ms", cfg.trigger.window_ms, a);
    trigger.AddMember("min_requests", cfg.trigger.min_requests, a);
    trigger.AddMember("max_failure_rate", cfg.trigger.max_failure_rate, a);
    doc.AddMember("trigger", trigger, a);
    json::Value nodes(rapidjson::kArrayType);
    for (const auto &n : s.nodes) {
        json::Value o(rapidjson::kObjectType);
        o.AddMember("graph", json::string_value(n.graph_id, a), a);
        o.AddMember("version", json::string_value(n.graph_version, a), a);
        o.AddMember("node", json::string_value(n.node_id, a), a);
        o.AddMember("graded", n.graded, a);
        o.AddMember("failures", n.failures, a);
        o.AddMember("failure_rate", n.failure_rate(), a);
        o.AddMember("over_threshold", n.over_threshold, a);
        nodes.PushBack(o, a);
    }
    doc.AddMember("nodes", nodes, a);
    json::Value pending(rapidjson::kArrayType);
    for (const auto &e : s.pending)
        pending.PushBack(event_json(e, a), a);
    doc.AddMember("pending", pending, a);
    json::Value running(rapidjson::kArrayType);
    for (const auto &x : s.running)
        running.PushBack(experiment_json(x, a), a);
    doc.AddMember("experiments", running, a);
    json::Value decided(rapidjson::kArrayType);
    for (const auto &x : s.decided)
        decided.PushBack(experiment_json(x, a), a);
    doc.AddMember("decided", decided, a);
    json::Value rejected(rapidjson::kArrayType);
    for (const auto &e : s.rejected)
        rejected.PushBack(event_json(e, a), a);
    doc.AddMember("rejected_candidates", rejected, a);
    json::Value changes(rapidjson::kArrayType);
    for (const auto &e : s.version_changes) {
        json::Value o(rapidjson::kObjectType);
        o.AddMember("graph", json::string_value(e.graph_id, a), a);
        o.AddMember("at_ms", e.at_ms, a);
        o.AddMember("kind", json::string_value(std::string(store::to_string(e.kind)), a), a);
        o.AddMember("from", json::string_value(e.from_version, a), a);
        o.AddMember("to", json::string_value(e.to_version, a), a);
        o.AddMember("experiment", json::string_value(e.experiment_id, a), a);
        o.AddMember("reason", json::string_value(e.reason, a), a);
        changes.PushBack(o, a);
    }
    doc.AddMember("version_changes", changes, a);
    std::cout << json::to_pretty_string(doc) << "\n";
    return kExitOk;
}

int print_text(const Status &s, const config::ExpansionConfig &cfg) {
    const bool color = color_enabled(stdout);
    std::printf("Trigger: at least %lld graded requests in %.0f h, more than %.0f%% failing.\n",
                static_cast<long long>(cfg.trigger.min_requests),
                static_cast<double>(cfg.trigger.window_ms) / 3.6e6,
                100.0 * cfg.trigger.max_failure_rate);
    std::printf("\nNodes (active versions):\n");
    if (s.nodes.empty())
        std::printf("  no graded requests in the window (tinyllm eval grades runs)\n");
    for (const auto &n : s.nodes) {
        std::string mark = n.over_threshold ? paint("over threshold", Color::red, color)
                           : n.graded < cfg.trigger.min_requests
                               ? std::string("too few graded requests yet")
                               : std::string("");
        std::printf("  %-28s %-10s %5lld graded  %5.1f%% failing  %s\n",
                    terminal_safe(n.graph_id + "/" + n.node_id).c_str(),
                    terminal_safe(n.graph_version).c_str(), static_cast<long long>(n.graded),
                    100.0 * n.failure_rate(), mark.c_str());
    }
    std::printf("\nPending expansions:\n");
    if (s.pending.empty()) std::printf("  none\n");
    for (const auto &e : s.pending) {
        std::printf("  %s/%s (%s) since %s: %s\n", terminal_safe(e.graph_id).c_str(),
                    terminal_safe(e.node_id).c_str(), terminal_safe(e.graph_version).c_str(),
                    local_time(e.at_ms).c_str(), terminal_safe(e.detail).c_str());
    }
    std::printf("\nExperiments in progress:\n");
    if (s.running.empty()) std::printf("  none\n");
    for (const auto &x : s.running) {
        std::printf("  %s %s/%s %s: %s -> %s, %s%s%s\n", x.id.c_str(),
                    terminal_safe(x.graph_id).c_str(), terminal_safe(x.node_id).c_str(),
                    terminal_safe(x.strategy).c_str(), terminal_safe(x.base_version).c_str(),
                    terminal_safe(x.candidate_version).c_str(),
                    std::string(store::to_string(x.status)).c_str(), x.decision.empty() ? "" : ": ",
                    terminal_safe(x.decision).c_str());
    }
    std::printf("\nHistory:\n");
    if (s.decided.empty() && s.rejected.empty() && s.version_changes.empty())
        std::printf("  nothing yet\n");
    for (const auto &x : s.decided) {
        std::printf("  %s  %s %s/%s %s (%s): %s\n",
                    local_time(x.decided_at_ms.value_or(x.started_at_ms)).c_str(),
                    std::string(store::to_string(x.status)).c_str(),
                    terminal_safe(x.graph_id).c_str(), terminal_safe(x.node_id).c_str(),
                    terminal_safe(x.candidate_version).c_str(), terminal_safe(x.strategy).c_str(),
                    terminal_safe(x.decision).c_str());
    }
    for (const auto &e : s.rejected) {
        std::printf("  %s  %s %s/%s (%s): %s\n", local_time(e.at_ms).c_str(),
                    std::string(store::to_string(e.kind)).c_str(),
                    terminal_safe(e.graph_id).c_str(), terminal_safe(e.node_id).c_str(),
                    terminal_safe(e.strategy).c_str(), terminal_safe(e.detail).c_str());
    }
    for (const auto &e : s.version_changes) {
        std::printf("  %s  %s %s: %s -> %s%s%s\n", local_time(e.at_ms).c_str(),
                    std::string(store::to_string(e.kind)).c_str(),
                    terminal_safe(e.graph_id).c_str(), terminal_safe(e.from_version).c_str(),
                    terminal_safe(e.to_version).c_str(), e.reason.empty() ? "" : ": ",
                    terminal_safe(e.reason).c_str());
    }
    return kExitOk;
}

// The experiment an id or unique prefix names; Error(not_found) otherwise.
store::ExperimentRecord experiment_named(store::GraphStore &graphs, const std::string &id) {
    auto x = graphs.experiment(id);
    if (!x) {
        throw Error(ErrorCode::not_found,
                    "no experiment \"" + id + "\" (tinyllm expansion status lists them)");
    }
    return std::move(*x);
}

int resume(Context &ctx, store::GraphStore &graphs, const std::string &id, bool as_json) {
    const store::ExperimentRecord x = experiment_named(graphs, id);
    const ExperimentReport r = resume_experiment(ctx, graphs, x.id);
    if (as_json) {
        json::Document doc(rapidjson::kObjectType);
        json::Value v = experiment_report_json(r, doc.GetAllocator());
        doc.CopyFrom(v, doc.GetAllocator());
        std::cout << json::to_pretty_string(doc) << "\n";
    } else {
        std::printf("%s %s (%s): %s: %s\n", r.experiment_id.c_str(),
                    terminal_safe(r.candidate_version).c_str(), terminal_safe(r.strategy).c_str(),
                    std::string(store::to_string(r.status)).c_str(),
                    terminal_safe(r.decision).c_str());
    }
    return r.status == store::ExperimentStatus::paused ? kExitUnavailable : kExitOk;
}

int cancel(store::GraphStore &graphs, const std::string &id, const std::string &reason) {
    store::ExperimentRecord x = experiment_named(graphs, id);
    if (!store::in_progress(x.status)) {
        throw Error(ErrorCode::invalid_argument, "experiment " + x.id + " has already ended (" +
                                                     std::string(store::to_string(x.status)) +
                                                     "): nothing to cancel");
    }
    x.status = store::ExperimentStatus::cancelled;
    x.decision = "cancelled by hand" + (reason.empty() ? std::string() : ": " + reason);
    x.decided_at_ms.reset();
    if (!graphs.decide_experiment(x)) {
        throw Error(ErrorCode::invalid_argument,
                    "experiment " + x.id + " ended while it was being cancelled");
    }
    std::printf("%s cancelled: candidate %s retired; graph %s runs %s\n", x.id.c_str(),
                terminal_safe(x.candidate_version).c_str(), terminal_safe(x.graph_id).c_str(),
                terminal_safe(graphs.active_version(x.graph_id).value_or("?")).c_str());
    return kExitOk;
}

} // namespace

int run_expansion(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    std::string graph;
    TriggerOptions trigger;
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print the result as JSON")(
        "graph", po::value<std::string>(&graph),
        "status: only this graph; trigger: the graph "
        "(default: default)")("node", po::value<std::string>(&trigger.node),
                              "trigger: the node to improve")(
        "strategy", po::value<std::string>(&trigger.strategy),
        "trigger: only this strategy (default: every one)")(
        "max-candidates", po::value<size_t>(&trigger.max_candidates)->default_value(3),
        "trigger: candidates tested at most, one after the other");
    add_common_options(desc, ctx.options());
    std::string reason;
    bool dry_run = false;
    desc.add_options()("reason", po::value<std::string>(&reason),
                       "cancel: why, recorded with the experiment")(
        "dry-run", po::bool_switch(&dry_run), "prune: list what would be removed, test nothing");
    const auto vm = parse_with_positionals(args, desc, {"action", "experiment"}, ctx.options());
    if (vm.count("help")) {
        print_help(
            "expansion status [--graph ID] [--json]\n"
            "       expansion trigger --node ID [--graph ID] [--strategy NAME] [--json]\n"
            "       expansion prune [--graph ID] [--dry-run] [--json]\n"
            "       expansion resume EXPERIMENT [--json]\n"
            "       expansion cancel EXPERIMENT [--reason TEXT]",
            "Self-improvement (docs/self-improvement.md).\n"
            "status: each graded node of every graph's active version against\n"
            "  expansion.yaml's trigger, the expansions pending, experiments in progress\n"
            "  with their evidence, and the history of promotions, rejections and rollbacks.\n"
            "trigger: one expansion of a node run to a decision: the strategies propose\n"
            "  candidates from the node's graded runs; each is replayed on a sample of them\n"
            "  (rejected when worse), then on the rest pair by pair until a sequential test\n"
            "  decides; a promoted candidate is the graph's active version at once. With\n"
            "  expansion.yaml's experiment.live_share above 0, a candidate that passed\n"
            "  screening goes live instead: that share of the graph's graded requests\n"
            "  (tinyllm eval) runs it, and the test decides as their grades come in.\n"
            "prune: nodes of the active version no run reached in expansion.yaml's prune\n"
            "  window, and route targets with a tiny share of their router's runs, each\n"
            "  removed as a candidate promoted only when no worse without the node.\n"
            "resume: a paused experiment (its judge or model server failed, or its process\n"
            "  died) taken up again. cancel: an experiment in progress ended, its candidate\n"
            "  retired.",
            desc);
        return kExitOk;
    }
    const std::string action = vm.count("action") ? positional(vm, "action") : "status";
    if (action == "trigger") {
        if (trigger.node.empty())
            throw Error(ErrorCode::usage, "expansion trigger needs --node ID");
        if (!graph.empty()) trigger.graph = graph;
        trigger.as_json = as_json;
        return run_expansion_trigger(ctx, trigger);
    }
    if (action != "resume" && action != "cancel" && vm.count("experiment")) {
        throw Error(ErrorCode::usage, "expansion " + action + " takes no EXPERIMENT argument");
    }
    if (action == "prune") {
        PruneOptions prune;
        if (!graph.empty()) prune.graph = graph;
        prune.dry_run = dry_run;
        prune.as_json = as_json;
        return run_expansion_prune(ctx, prune);
    }
    if (action == "resume" || action == "cancel") {
        const std::string id = positional(vm, "experiment");
        if (id.empty()) throw Error(ErrorCode::usage, "expansion " + action + " needs EXPERIMENT");
        store::GraphStore graphs(ctx.store());
        expansion::pause_interrupted_experiments(graphs);
        if (action == "resume") return resume(ctx, graphs, id, as_json);
        return cancel(graphs, id, reason);
    }
    if (action != "status") {
        throw Error(ErrorCode::usage,
                    "unknown expansion action \"" + action +
                        "\" (status, trigger, prune, resume or cancel; see --help)");
    }
    const Status s = gather(ctx, graph);
    return as_json ? print_json(s, ctx.config().expansion) : print_text(s, ctx.config().expansion);
}

} // namespace tinyllm::cli
