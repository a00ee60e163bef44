// The trace of one graph run: what each node execution received and produced, the route it
// chose, and the model and tool calls it made. The executor records it; the run store persists
// it (normalised, so metrics and failure forensics can query it); `tinyllm run --trace` prints
// it as JSON (trace_json.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::trace {

// Wall-clock times are Unix epoch milliseconds (comparable across processes); durations
// measured in the host are microseconds; durations reported by a model server are nanoseconds,
// as on the wire.
struct ModelCall {
    std::string model;   // the name the request used (models.yaml name)
    std::string backend; // backends[].name
    int64_t started_at_ms = 0;
    int64_t duration_us = 0;                  // measured by the host, around the backend call
    std::optional<int64_t> prompt_tokens;     // prompt_eval_count
    std::optional<int64_t> completion_tokens; // eval_count
    std::optional<int64_t> load_duration_ns;
    std::optional<int64_t> prompt_eval_duration_ns;
    std::optional<int64_t> eval_duration_ns;
    std::optional<int64_t> total_duration_ns;
    std::string error; // empty on success
};

struct ToolCall {
    std::string tool;
    std::string arguments; // JSON
    std::string result;    // JSON, empty on error
    int64_t started_at_ms = 0;
    int64_t duration_us = 0;
    std::string error;
};

enum class NodeStatus { succeeded, failed, cancelled, timed_out };

struct NodeExecution {
    int64_t seq = 0;       // order of start within the run, from 0
    std::string node_id;   // the graph's node id
    std::string node_type; // the component name
    int attempt = 1;       // 1 for the first try, 2 for the first retry...
    int visit = 1;         // how many times the run has entered this node (loops)
    std::string branch;    // "" on the main path; "0.1" for branch 1 of the fan-out in branch 0
    int64_t started_at_ms = 0;
    int64_t duration_us = 0;
    NodeStatus status = NodeStatus::succeeded;
    std::string input;  // message JSON
    std::string output; // message JSON, empty unless succeeded
    std::string route;  // the route label the node returned, if any
    std::string error;  // one line, empty on success
    // tinyllm::to_string(ErrorCode) of a node that did not succeed (empty on success, and in
    // runs recorded before schema v2): failures are counted by kind without parsing `error`.
    std::string error_code;
    std::vector<ModelCall> model_calls;
    std::vector<ToolCall> tool_calls;
};

enum class RunStatus { running, succeeded, failed, cancelled };

struct Run {
    std::string id; // time-sortable, unique (e.g. "r-01JD3...")
    std::string graph_id;
    std::string graph_version;
    RunStatus status = RunStatus::running;
    std::string input;         // the request text
    std::string output;        // the final message JSON, empty unless succeeded
    std::string answer;        // the final message's "content", for listing
    std::string error_code;    // tinyllm::to_string(ErrorCode) when failed/cancelled
    std::string error_message; // one line
    std::string error_node;    // the node that failed, if one did
    int64_t started_at_ms = 0;
    int64_t finished_at_ms = 0; // 0 while running
    std::vector<NodeExecution> nodes;
};

std::string_view to_string(NodeStatus status) noexcept;
std::string_view to_string(RunStatus status) noexcept;
std::optional<NodeStatus> parse_node_status(std::string_view text) noexcept;
std::optional<RunStatus> parse_run_status(std::string_view text) noexcept;

} // namespace tinyllm::trace
