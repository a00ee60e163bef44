// The trace as JSON: what `tinyllm run --trace` prints under "trace" and `runs show --json`
// prints. Messages are embedded as JSON (not strings) so `jq .trace.nodes[0].output.content`
// works.
#pragma once

#include "tinyllm/json.hpp"
#include "trace/trace.hpp"

namespace tinyllm::trace {

// The run's summary fields, and with `with_nodes` every node execution with its model and tool
// calls.
json::Value to_json(const Run &run, bool with_nodes, json::Allocator &alloc);

// One node execution with its model and tool calls, as in the run's "nodes".
json::Value to_json(const NodeExecution &node, json::Allocator &alloc);

} // namespace tinyllm::trace
