// tinyllm expansion trigger --node ID [--graph G] [--strategy NAME]: one expansion of a node run
// to a decision. The node's graded runs in the trigger's window are the evidence; each strategy
// (a mutation plugin) proposes candidates, each checked exactly as a graph file (an invalid one
// is recorded and dropped); each candidate in turn is an experiment:
//   1. screening: replayed on a sample of the node's recent requests, its failures and its
//      successes in the proportion they came in, paired with the recorded outcome of the active
//      version: a candidate the sequential test finds worse is rejected;
//   2. decision: replayed on the rest of the recorded requests, in random order, pair by pair,
//      until the sequential test decides (promote: the candidate becomes the active version in
//      the same transaction) or the requests run out (rejected: not shown better).
// Each replay is an evaluation (recorded, graded by expansion.yaml's judge).
#pragma once

#include <string>

namespace tinyllm::cli {

class Context;

struct TriggerOptions {
    std::string graph = "default";
    std::string node;
    std::string strategy; // "" = every strategy
    size_t max_candidates = 3;
    bool as_json = false;
};

int run_expansion_trigger(Context &ctx, const TriggerOptions &options);

} // namespace tinyllm::cli
