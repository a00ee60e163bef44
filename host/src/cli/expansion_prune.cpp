#include "cli/expansion_prune.hpp"

#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expansion_experiment.hpp"
#include "cli/terminal.hpp"
#include "expansion/ablation.hpp"
#include "expansion/evidence.hpp"
#include "expansion/experiment_owner.hpp"
#include "graph/graph.hpp"
#include "store/graph_store.hpp"
#include "tinyllm/json.hpp"
#include "tinyllm/wall_clock.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>

namespace tinyllm::cli {

namespace {

using store::GraphStore;

struct Proposal {
    std::string node;
    int64_t runs = 0;   // runs that reached it
    std::string reason; // why it looks unused
    expansion::Ablation ablation;
    std::string kept; // why it was not tested, when it was not
    std::optional<ExperimentReport> report;
};

std::string joined(const std::vector<std::string> &items) {
    std::string out;
    for (const std::string &s : items)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::string percent(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", 100 * share);
    return buf;
}

// The nodes of the version that look unused, in the graph's order.
std::vector<Proposal> unused_nodes(const graph::GraphDef &def, const GraphStore::Reach &reach,
                                   const config::PruneSettings &cfg) {
    std::map<std::string, int64_t> reached(reach.nodes.begin(), reach.nodes.end());
    std::map<std::string, std::string> types;
    for (const graph::NodeDef &n : def.nodes)
        types[n.id] = n.type;
    std::vector<Proposal> out;
    for (const graph::NodeDef &n : def.nodes) {
        if (n.id == def.entry ||
            std::find(def.exits.begin(), def.exits.end(), n.id) != def.exits.end())
            continue;
        Proposal p;
        p.node = n.id;
        p.runs = reached[n.id];
        if (p.runs == 0) {
            p.reason = "reached by none of the " + std::to_string(reach.runs) + " runs";
        } else {
            for (const graph::EdgeDef &e : def.edges) {
                if (e.to != n.id || expansion::route_of(e.when).empty() ||
                    types[e.from] != "router")
                    continue;
                const int64_t router_runs = std::max<int64_t>(1, reached[e.from]);
                const double share = static_cast<double>(p.runs) / static_cast<double>(router_runs);
                if (share < cfg.min_share) {
                    p.reason = "took " + std::to_string(p.runs) + " of the " +
                               std::to_string(router_runs) + " runs through " + e.from + " (" +
                               percent(share) + " < prune.min_share " + percent(cfg.min_share) +
                               ")";
                }
                break;
            }
        }
        if (p.reason.empty()) continue;
        p.ablation = expansion::graph_without(*def.document, n.id);
        if (!p.ablation.graph) p.kept = "cannot be removed: " + p.ablation.why_not;
        out.push_back(std::move(p));
    }
    return out;
}

void record_event(GraphStore &graphs, const graph::GraphDef &def, const std::string &node,
                  store::ExpansionEventKind kind, const std::string &detail,
                  const std::string &experiment_id = "") {
    store::ExpansionEvent event;
    event.graph_id = def.id;
    event.graph_version = def.version;
    event.node_id = node;
    event.kind = kind;
    event.strategy = "prune";
    event.detail = detail;
    event.experiment_id = experiment_id;
    graphs.record_event(event);
}

// Test one removal; fills p.report or p.kept.
void test_removal(Context &ctx, GraphStore &graphs, const graph::GraphDef &def, Proposal &p,
                  int64_t since) {
    const config::ExpansionConfig &cfg = ctx.config().expansion;
    const std::vector<store::ExperimentRecord> running = graphs.in_progress();
    for (const store::ExperimentRecord &x : running) {
        if (x.graph_id == def.id && x.node_id == p.node) {
            p.kept = "experiment " + x.id + " is in progress on it";
            return;
        }
    }
    if (static_cast<int64_t>(running.size()) >= cfg.trigger.max_concurrent) {
        p.kept = std::to_string(running.size()) + " experiments are in progress "
                                                  "(trigger.max_concurrent_experiments)";
        return;
    }
    store::GraphVersionRecord version;
    try {
        version = record_candidate(ctx, graphs, def, json::to_string(*p.ablation.graph),
                                   store::VersionOrigin::ablation, "prune",
                                   p.reason + "; " + p.ablation.how, p.ablation.removed);
    } catch (const Error &e) {
        record_event(graphs, def, p.node, store::ExpansionEventKind::invalid_candidate, e.what());
        p.kept = std::string("the graph without it is invalid: ") + e.what();
        return;
    }
    // The graph's graded requests, whichever node answered them: removing a node may change
    // any of them.
    expansion::NodeEvidence evidence =
        expansion::gather_evidence(graphs, def.id, def.version, "", since, 20000);
    evidence.node_id = p.node;
    if (evidence.runs.empty()) {
        p.kept = "no graded runs of " + def.version +
                 " in the window to test its removal on (tinyllm eval grades runs)";
        return;
    }
    p.report = run_experiment(ctx, graphs, def, version, "prune", evidence, "ablation",
                              cfg.experiment.alpha);
    if (p.report->status == store::ExperimentStatus::promoted) {
        record_event(graphs, def, p.node, store::ExpansionEventKind::pruned,
                     "removed in " + version.version + ": " + p.reason + "; " + p.ablation.how,
                     p.report->experiment_id);
    }
}

} // namespace

int run_expansion_prune(Context &ctx, const PruneOptions &o) {
    const config::ExpansionConfig &cfg = ctx.config().expansion;
    const graph::GraphDef def = ctx.graph_to_run(o.graph);
    GraphStore graphs(ctx.store());
    expansion::pause_interrupted_experiments(graphs);
    const int64_t since = now_ms() - cfg.prune.window_ms;
    const GraphStore::Reach reach = graphs.node_reach(def.id, def.version, since);
    const bool enough = reach.runs >= cfg.prune.min_runs;
    std::vector<Proposal> proposals;
    if (enough) proposals = unused_nodes(def, reach, cfg.prune);

    const Proposal *promoted = nullptr;
    bool paused = false;
    if (!o.dry_run) {
        for (Proposal &p : proposals) {
            if (!p.kept.empty()) continue;
            test_removal(ctx, graphs, def, p, since);
            if (!p.report) continue;
            if (p.report->status == store::ExperimentStatus::promoted) {
                promoted = &p; // the graph has changed: the rest waits for the next run
                break;
            }
            if (p.report->status == store::ExperimentStatus::paused) {
                paused = true;
                break;
            }
        }
    }

    const double hours = static_cast<double>(cfg.prune.window_ms) / 3.6e6;
    if (o.as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        doc.AddMember("graph", json::string_value(def.id, a), a);
        doc.AddMember("version", json::string_value(def.version, a), a);
        doc.AddMember("window_hours", hours, a);
        doc.AddMember("runs", reach.runs, a);
        doc.AddMember("min_runs", cfg.prune.min_runs, a);
        json::Value list(rapidjson::kArrayType);
        for (const Proposal &p : proposals) {
            json::Value v(rapidjson::kObjectType);
            v.AddMember("node", json::string_value(p.node, a), a);
            v.AddMember("runs", p.runs, a);
            v.AddMember("reason", json::string_value(p.reason, a), a);
            json::Value removed(rapidjson::kArrayType);
            for (const std::string &n : p.ablation.removed)
                removed.PushBack(json::string_value(n, a), a);
            v.AddMember("removes", removed, a);
            v.AddMember("how", json::string_value(p.ablation.how, a), a);
            if (!p.kept.empty()) v.AddMember("kept", json::string_value(p.kept, a), a);
            if (p.report) v.AddMember("experiment", experiment_report_json(*p.report, a), a);
            list.PushBack(v, a);
        }
        doc.AddMember("proposals", list, a);
        doc.AddMember("active_version",
                      json::string_value(graphs.active_version(def.id).value_or(""), a), a);
        std::cout << json::to_pretty_string(doc) << "\n";
    } else {
        std::printf("%s %s: %lld runs in the last %.0f h\n", terminal_safe(def.id).c_str(),
                    terminal_safe(def.version).c_str(), static_cast<long long>(reach.runs), hours);
        if (!enough) {
            std::printf("too few runs to tell what is unused (expansion.yaml prune.min_runs: "
                        "%lld)\n",
                        static_cast<long long>(cfg.prune.min_runs));
        } else if (proposals.empty()) {
            std::printf("every node is in use: nothing to prune\n");
        }
        for (const Proposal &p : proposals) {
            std::printf("  %s: %s", terminal_safe(p.node).c_str(), terminal_safe(p.reason).c_str());
            if (!p.kept.empty()) {
                std::printf("; kept: %s\n", terminal_safe(p.kept).c_str());
            } else if (p.report) {
                std::printf("\n    %s %s (%s): %s: %s\n", p.report->experiment_id.c_str(),
                            terminal_safe(p.report->candidate_version).c_str(),
                            terminal_safe(p.ablation.how).c_str(),
                            std::string(store::to_string(p.report->status)).c_str(),
                            terminal_safe(p.report->decision).c_str());
            } else {
                std::printf("; would remove %s (%s)\n",
                            terminal_safe(joined(p.ablation.removed)).c_str(),
                            terminal_safe(p.ablation.how).c_str());
            }
        }
        if (promoted != nullptr) {
            std::printf("pruned: graph %s now runs %s without %s (tinyllm graph diff %s %s %s; "
                        "run prune again for the next)\n",
                        def.id.c_str(), promoted->report->candidate_version.c_str(),
                        terminal_safe(promoted->node).c_str(), def.id.c_str(), def.version.c_str(),
                        promoted->report->candidate_version.c_str());
        }
    }
    return paused ? kExitUnavailable : kExitOk;
}

} // namespace tinyllm::cli
