#include "forensics/calls.hpp"

#include "tinyllm/json.hpp"

namespace tinyllm::forensics {
namespace {

// A tool that ran and reported a failure (the code tool's non-zero exit) answers is_error.
bool result_is_error(const std::string &result) {
    if (result.empty()) return false;
    json::Document doc;
    return json::parse_into(doc, result) && doc.IsObject() &&
           json::get_bool(doc, "is_error").value_or(false);
}

} // namespace

const trace::ToolCall *failed_tool_call(const trace::NodeExecution &node) {
    const trace::ToolCall *tool = nullptr;
    for (const trace::ToolCall &c : node.tool_calls) {
        if (!c.error.empty() || result_is_error(c.result)) tool = &c;
    }
    if (tool == nullptr) return nullptr;
    for (const trace::ModelCall &m : node.model_calls) {
        if (!m.error.empty() && m.started_at_ms > tool->started_at_ms) return nullptr;
    }
    return tool;
}

const trace::ModelCall *failed_model_call(const trace::NodeExecution &node) {
    const trace::ModelCall *last = nullptr;
    for (const trace::ModelCall &m : node.model_calls) {
        if (!m.error.empty()) last = &m;
    }
    return last;
}

std::string tool_failure_text(const trace::ToolCall &call) {
    if (!call.error.empty()) return call.tool + ": " + call.error;
    json::Document doc;
    const std::string content = json::parse_into(doc, call.result) && doc.IsObject()
                                    ? json::get_string(doc, "content").value_or("")
                                    : std::string();
    return call.tool + " (is_error): " + content;
}

} // namespace tinyllm::forensics
