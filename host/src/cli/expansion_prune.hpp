// tinyllm expansion prune [--graph G] [--dry-run] [--json]: what the graph's active version no
// longer uses, removed through the same gate as any candidate. Over expansion.yaml's prune
// window (once the version has min_runs runs in it): a node no run reached, and a router's
// route target that took less than min_share of the router's runs, are each proposed for
// removal (expansion/ablation.hpp: the node, its gates, the route); each removal is a candidate
// version (origin ablation) tested as an experiment on the graph's recorded requests and
// promoted only when no worse without the node (expansion_experiment.hpp). Removed nodes stay in
// the versions before (nothing is deleted); the first promotion ends the run, as the graph has
// changed (run it again for the next).
#pragma once

#include <string>

namespace tinyllm::cli {

class Context;

struct PruneOptions {
    std::string graph = "default";
    bool dry_run = false; // list what would be proposed, test nothing
    bool as_json = false;
};

int run_expansion_prune(Context &ctx, const PruneOptions &options);

} // namespace tinyllm::cli
