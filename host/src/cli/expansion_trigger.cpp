#include "cli/expansion_trigger.hpp"

#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expansion_experiment.hpp"
#include "cli/terminal.hpp"
#include "config/suggest.hpp"
#include "expansion/evidence.hpp"
#include "expansion/experiment_owner.hpp"
#include "graph/graph_def.hpp"
#include "store/graph_store.hpp"
#include "tinyllm/json.hpp"
#include "tinyllm/wall_clock.hpp"
#include "versions/canonical.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

namespace tinyllm::cli {

namespace {

using store::GraphStore;

struct Candidate {
    std::string strategy;
    store::GraphVersionRecord version;
};

void record_event(GraphStore &graphs, const expansion::NodeEvidence &e,
                  store::ExpansionEventKind kind, const std::string &strategy,
                  const std::string &detail) {
    store::ExpansionEvent event;
    event.graph_id = e.graph_id;
    event.graph_version = e.graph_version;
    event.node_id = e.node_id;
    event.kind = kind;
    event.strategy = strategy;
    event.detail = detail;
    graphs.record_event(event);
}

std::string joined(const std::vector<std::string> &lines) {
    std::string out;
    for (const std::string &l : lines)
        out += (out.empty() ? "" : "; ") + l;
    return out;
}

// Each strategy's candidates, checked as graph files and recorded as versions; what fails is
// recorded as an expansion event and reported on stderr.
std::vector<Candidate> propose(Context &ctx, GraphStore &graphs, const graph::GraphDef &def,
                               const expansion::NodeEvidence &evidence,
                               const std::vector<std::string> &strategies) {
    runtime::Runtime &rt = ctx.runtime();
    const std::string request = expansion::mutation_request(def, evidence, ctx.config().models);
    std::vector<Candidate> out;
    for (const std::string &name : strategies) {
        runtime::MutationProposal proposal;
        try {
            rt.mutations().prepare(name);
            runtime::CallContext call(ctx.cancel_token(), std::nullopt, {});
            proposal = rt.mutations().get(name).propose(call, request);
        } catch (const Error &e) {
            record_event(graphs, evidence, store::ExpansionEventKind::mutation_failed, name,
                         e.what());
            std::fprintf(stderr, "tinyllm: %s: failed: %s\n", name.c_str(), e.what());
            continue;
        }
        if (proposal.candidates.empty()) {
            const std::string why =
                proposal.reasons.empty() ? "no candidate" : joined(proposal.reasons);
            record_event(graphs, evidence, store::ExpansionEventKind::no_candidate, name, why);
            std::fprintf(stderr, "tinyllm: %s: no candidate: %s\n", name.c_str(),
                         terminal_safe(why).c_str());
        }
        for (const runtime::MutationCandidate &c : proposal.candidates) {
            try {
                store::GraphVersionRecord v =
                    record_candidate(ctx, graphs, def, c.graph_json, store::VersionOrigin::mutation,
                                     name, c.rationale, c.touched_nodes);
                if (v.hash == versions::content_hash(*def.document)) continue; // no change
                out.push_back({name, std::move(v)});
            } catch (const Error &e) {
                record_event(graphs, evidence, store::ExpansionEventKind::invalid_candidate, name,
                             e.what());
                std::fprintf(stderr, "tinyllm: %s: invalid candidate: %s\n", name.c_str(),
                             e.what());
            }
        }
    }
    return out;
}

} // namespace

int run_expansion_trigger(Context &ctx, const TriggerOptions &o) {
    const config::ExpansionConfig &cfg = ctx.config().expansion;
    graph::GraphDef def = ctx.graph_to_run(o.graph);
    GraphStore graphs(ctx.store());
    std::vector<std::string> ids;
    for (const graph::NodeDef &n : def.nodes)
        ids.push_back(n.id);
    if (std::find(ids.begin(), ids.end(), o.node) == ids.end()) {
        throw Error(ErrorCode::not_found, "graph " + def.id + " " + def.version +
                                              " has no node \"" + o.node + "\"" +
                                              config::did_you_mean(o.node, ids, "nodes"));
    }
    expansion::pause_interrupted_experiments(graphs);
    for (const store::ExperimentRecord &x : graphs.in_progress()) {
        if (x.graph_id == def.id && x.node_id == o.node) {
            throw Error(ErrorCode::invalid_argument,
                        "node " + o.node + " already has experiment " + x.id +
                            " in progress: one experiment per node at a time");
        }
    }
    if (static_cast<int64_t>(graphs.in_progress().size()) >= cfg.trigger.max_concurrent) {
        throw Error(ErrorCode::invalid_argument, std::to_string(cfg.trigger.max_concurrent) +
                                                     " experiments are in progress (expansion.yaml "
                                                     "trigger.max_concurrent_experiments)");
    }
    const expansion::NodeEvidence evidence = expansion::gather_evidence(
        graphs, def.id, def.version, o.node, now_ms() - cfg.trigger.window_ms, 20000);
    if (evidence.runs.empty()) {
        throw Error(ErrorCode::not_found,
                    "node " + o.node + " of graph " + def.id + " " + def.version +
                        " has no graded runs in the trigger's window: grade some first "
                        "(tinyllm eval --dataset FILE)");
    }
    runtime::Runtime &rt = ctx.runtime();
    std::vector<std::string> strategies;
    if (!o.strategy.empty()) {
        strategies.push_back(o.strategy);
        if (rt.mutations().find(o.strategy) == nullptr) {
            std::vector<std::string> known;
            for (const auto &e : rt.mutations().entries())
                known.push_back(e.name);
            throw Error(ErrorCode::not_found,
                        "no strategy \"" + o.strategy + "\"" +
                            config::did_you_mean(o.strategy, known, "strategies",
                                                 "no mutation plugin is loaded"));
        }
    } else {
        for (const auto &e : rt.mutations().entries())
            strategies.push_back(e.name);
        if (strategies.empty()) {
            throw Error(ErrorCode::not_found, "no mutation strategy is available: no plugin "
                                              "provides a tinyllm.mutation/1 component");
        }
    }
    const std::vector<Candidate> candidates = propose(ctx, graphs, def, evidence, strategies);
    std::vector<ExperimentReport> tested;
    // Each of the candidates tested one after the other could be a false promotion: the
    // expansion's error rate is split among them (Bonferroni), so that the expansion as a whole
    // promotes a no-better candidate at most expansion.yaml's alpha of the time.
    const size_t tests = std::max<size_t>(1, std::min(o.max_candidates, candidates.size()));
    const double alpha = cfg.experiment.alpha / static_cast<double>(tests);
    for (const Candidate &c : candidates) {
        if (tested.size() >= o.max_candidates) break;
        tested.push_back(
            run_experiment(ctx, graphs, def, c.version, c.strategy, evidence, "manual", alpha));
        // One experiment per node at a time: a promoted, live or paused one ends the series.
        if (tested.back().status != store::ExperimentStatus::rejected) break;
    }

    const auto promoted = std::find_if(tested.begin(), tested.end(), [](const auto &t) {
        return t.status == store::ExperimentStatus::promoted;
    });
    const bool paused = !tested.empty() && tested.back().status == store::ExperimentStatus::paused;
    const bool live = !tested.empty() && tested.back().status == store::ExperimentStatus::live;
    if (o.as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        doc.AddMember("graph", json::string_value(def.id, a), a);
        doc.AddMember("node", json::string_value(o.node, a), a);
        doc.AddMember("base_version", json::string_value(def.version, a), a);
        doc.AddMember("graded_runs", static_cast<uint64_t>(evidence.runs.size()), a);
        doc.AddMember("failures", evidence.failures, a);
        doc.AddMember("candidates", static_cast<uint64_t>(candidates.size()), a);
        json::Value list(rapidjson::kArrayType);
        for (const ExperimentReport &t : tested)
            list.PushBack(experiment_report_json(t, a), a);
        doc.AddMember("experiments", list, a);
        doc.AddMember("active_version",
                      json::string_value(graphs.active_version(def.id).value_or(""), a), a);
        std::cout << json::to_pretty_string(doc) << "\n";
    } else {
        std::printf("%s/%s %s: %zu graded runs, %lld failing; %zu candidates\n",
                    terminal_safe(def.id).c_str(), terminal_safe(o.node).c_str(),
                    terminal_safe(def.version).c_str(), evidence.runs.size(),
                    static_cast<long long>(evidence.failures), candidates.size());
        for (const ExperimentReport &t : tested) {
            std::printf(
                "  %s %s (%s): %s: %s\n", t.experiment_id.c_str(),
                terminal_safe(t.candidate_version).c_str(), terminal_safe(t.strategy).c_str(),
                std::string(store::to_string(t.status)).c_str(), terminal_safe(t.decision).c_str());
        }
        if (promoted != tested.end()) {
            std::printf("promoted: graph %s now runs %s (tinyllm graph diff %s %s %s; "
                        "tinyllm graph rollback %s --version %s)\n",
                        def.id.c_str(), promoted->candidate_version.c_str(), def.id.c_str(),
                        def.version.c_str(), promoted->candidate_version.c_str(), def.id.c_str(),
                        def.version.c_str());
        } else if (live) {
            std::printf("live: %s runs for a share of graph %s's graded requests (tinyllm eval) "
                        "until the sequential test decides; tinyllm expansion status shows the "
                        "evidence\n",
                        tested.back().candidate_version.c_str(), def.id.c_str());
        } else if (paused) {
            std::printf("paused: graph %s still runs %s\n", def.id.c_str(), def.version.c_str());
        } else {
            std::printf("nothing promoted: graph %s still runs %s\n", def.id.c_str(),
                        def.version.c_str());
        }
    }
    return paused ? kExitUnavailable : kExitOk;
}

} // namespace tinyllm::cli
