// tinyllm expansion trigger --node ID [--graph G] [--strategy NAME]: one expansion of a node.
// The node's graded runs in the trigger's window are the evidence; each strategy (a mutation
// plugin) proposes candidates, each checked exactly as a graph file (an invalid one is recorded
// and dropped); each candidate in turn is an experiment (expansion_experiment.hpp) until one is
// promoted, goes live, or pauses.
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
