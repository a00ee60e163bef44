// One self-improvement experiment: a candidate graph version tested against the version it
// would replace, for one node. Its phases:
//   1. screening (offline): the candidate replayed on a sample of the node's recorded requests,
//      its failures and successes in the proportion they came in, each paired with the base
//      version's recorded outcome; a candidate the sequential test finds worse is rejected;
//   2. the decision, by expansion.yaml's experiment.live_share:
//      - 0: replayed on the rest of the recorded requests, in random order, pair by pair, until
//        the sequential test decides or they run out (rejected: not shown better);
//      - above 0: the experiment goes live (live_experiment.hpp) and is decided as graded
//        traffic comes in (tinyllm eval), both arms graded by the same judge.
//   An ablation (trigger "ablation": a graph without a node, from `expansion prune`) is decided
//   on replays and asks the other question: not whether it is better but whether it is no
//   worse, on at least min_pairs pairs, by no more than watch_margin.
// Every replay is an evaluation (recorded, graded by the experiment's judge). A replay whose
// judge gave no verdict, or whose model server was unavailable, pauses the experiment instead
// of counting (tinyllm expansion resume ID); so does a process that died while replaying
// (found by the next `expansion` command).
#pragma once

#include "expansion/evidence.hpp"
#include "graph/graph_def.hpp"
#include "store/graph_store.hpp"
#include "tinyllm/sequential_test.hpp"

#include <string>

namespace tinyllm::cli {

class Context;

// What happened to one candidate.
struct ExperimentReport {
    std::string experiment_id;
    std::string strategy;
    std::string candidate_version;
    store::ExperimentStatus status = store::ExperimentStatus::rejected;
    std::string decision;
    int64_t failing = 0, fixed = 0, successes = 0, broken = 0;
    stats::PairEvidence screening{};
    stats::PairEvidence decision_evidence{};
    std::string evidence; // JSON object, as recorded
};

// A candidate graph (JSON, from a mutation or an ablation) checked exactly as a graph file is
// (load_graph_def_text and the build checks against the plugins: Error(config) with the
// builder's message when it fails) and stored as a version of `base`'s graph (the next minor
// version of the active one; a content already stored returns that version).
store::GraphVersionRecord record_candidate(Context &ctx, store::GraphStore &graphs,
                                           const graph::GraphDef &base,
                                           const std::string &graph_json,
                                           store::VersionOrigin origin, const std::string &strategy,
                                           const std::string &rationale,
                                           const std::vector<std::string> &touched_nodes);

// A new experiment for `candidate`, recorded (refused when the node has one in progress) and run
// through its offline phases: it ends decided, live, or paused. `alpha`: its sequential test's
// error rate (expansion.yaml's, divided among the candidates of one expansion).
ExperimentReport
run_experiment(Context &ctx, store::GraphStore &graphs, const graph::GraphDef &base,
               const store::GraphVersionRecord &candidate, const std::string &strategy,
               const expansion::NodeEvidence &evidence, const std::string &trigger, double alpha);

// A paused experiment taken up again: one decided on replays runs its offline phases again
// from the start (on the node's recorded requests as they are now); a live one goes live.
// Error(invalid_argument) unless it is paused.
ExperimentReport resume_experiment(Context &ctx, store::GraphStore &graphs,
                                   const std::string &experiment_id);

// The report as JSON (for --json).
json::Value experiment_report_json(const ExperimentReport &report, json::Allocator &a);

} // namespace tinyllm::cli
