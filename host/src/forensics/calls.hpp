// What a node execution's model and tool calls say about how it failed: which call failed last,
// and the text that shows it.
#pragma once

#include "trace/trace.hpp"

#include <string>

namespace tinyllm::forensics {

// The execution's last failed call when it is a tool call (one with an error, or whose result
// says is_error) and no model call failed after it: the failure the node ended on came from the
// tool, not from the model. Null otherwise.
const trace::ToolCall *failed_tool_call(const trace::NodeExecution &node);

// The execution's last model call with an error, or null.
const trace::ModelCall *failed_model_call(const trace::NodeExecution &node);

// "code: <error>", or "code (is_error): <the result's content>".
std::string tool_failure_text(const trace::ToolCall &call);

} // namespace tinyllm::forensics
