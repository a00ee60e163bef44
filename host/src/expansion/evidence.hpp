// What self-improvement knows about a node: its graded runs in the trigger's window (newest
// first), their failures grouped the way failure forensics names a judge's verdicts
// (category judge_verdict, key "failure=..." from the verdict's labels) with the dataset label
// of each example (context.labels.category), and the expansion request a mutation is given
// (plugin.h, tllm_mutation_v1).
#pragma once

#include "config/models_config.hpp"
#include "graph/graph.hpp"
#include "store/graph_store.hpp"

#include <map>
#include <string>
#include <vector>

namespace tinyllm::expansion {

struct LabelCounts {
    int64_t graded = 0;
    int64_t failures = 0;
};

struct NodeEvidence {
    std::string graph_id;
    std::string graph_version;
    std::string node_id;
    std::vector<store::GraphStore::GradedRun> runs; // newest first
    int64_t failures = 0;
    std::map<std::string, LabelCounts> labels; // by dataset label ("" when none)
    store::GraphStore::CallCounts calls;
};

NodeEvidence gather_evidence(const store::GraphStore &graphs, const std::string &graph_id,
                             const std::string &graph_version, const std::string &node_id,
                             int64_t since_ms, size_t limit);

// The example's dataset label (its context's labels.category), or "".
std::string label_of(const store::GraphStore::GradedRun &run);

// The request for tllm_mutation_v1.propose: the graph document, the node, the failures (most
// first, `examples_per_group` newest examples each), the metrics, every role's ladder.
std::string mutation_request(const graph::GraphDef &def, const NodeEvidence &evidence,
                             const config::ModelsConfig &models, size_t examples_per_group = 3);

} // namespace tinyllm::expansion
