#include "trace/trace_json.hpp"

namespace tinyllm::trace {
namespace {

using json::Value;

// A stored message is JSON text; embed it parsed, or as a string if it is not JSON.
Value embedded(const std::string &text, json::Allocator &a) {
    if (text.empty()) return Value(rapidjson::kNullType);
    json::Document doc;
    if (!json::parse_into(doc, text)) return json::string_value(text, a);
    return Value(doc, a);
}

void put_opt(Value &obj, const char *key, const std::optional<int64_t> &v, json::Allocator &a) {
    obj.AddMember(Value(key, a), v ? Value(*v) : Value(rapidjson::kNullType), a);
}

Value model_call_json(const ModelCall &c, json::Allocator &a) {
    Value v(rapidjson::kObjectType);
    v.AddMember("model", json::string_value(c.model, a), a);
    v.AddMember("backend", json::string_value(c.backend, a), a);
    v.AddMember("started_at_ms", Value(c.started_at_ms), a);
    v.AddMember("duration_us", Value(c.duration_us), a);
    put_opt(v, "prompt_tokens", c.prompt_tokens, a);
    put_opt(v, "completion_tokens", c.completion_tokens, a);
    put_opt(v, "load_duration_ns", c.load_duration_ns, a);
    put_opt(v, "prompt_eval_duration_ns", c.prompt_eval_duration_ns, a);
    put_opt(v, "eval_duration_ns", c.eval_duration_ns, a);
    put_opt(v, "total_duration_ns", c.total_duration_ns, a);
    if (!c.error.empty()) v.AddMember("error", json::string_value(c.error, a), a);
    return v;
}

Value tool_call_json(const ToolCall &c, json::Allocator &a) {
    Value v(rapidjson::kObjectType);
    v.AddMember("tool", json::string_value(c.tool, a), a);
    v.AddMember("arguments", embedded(c.arguments, a), a);
    v.AddMember("result", embedded(c.result, a), a);
    v.AddMember("started_at_ms", Value(c.started_at_ms), a);
    v.AddMember("duration_us", Value(c.duration_us), a);
    if (!c.error.empty()) v.AddMember("error", json::string_value(c.error, a), a);
    return v;
}

} // namespace

json::Value to_json(const NodeExecution &n, json::Allocator &a) {
    Value v(rapidjson::kObjectType);
    v.AddMember("seq", Value(n.seq), a);
    v.AddMember("node", json::string_value(n.node_id, a), a);
    v.AddMember("type", json::string_value(n.node_type, a), a);
    v.AddMember("attempt", Value(n.attempt), a);
    v.AddMember("visit", Value(n.visit), a);
    v.AddMember("branch", json::string_value(n.branch, a), a);
    v.AddMember("status", json::string_value(to_string(n.status), a), a);
    v.AddMember("started_at_ms", Value(n.started_at_ms), a);
    v.AddMember("duration_us", Value(n.duration_us), a);
    v.AddMember("route", json::string_value(n.route, a), a);
    v.AddMember("input", embedded(n.input, a), a);
    v.AddMember("output", embedded(n.output, a), a);
    if (!n.error.empty()) v.AddMember("error", json::string_value(n.error, a), a);
    if (!n.error_code.empty()) v.AddMember("error_code", json::string_value(n.error_code, a), a);
    Value models(rapidjson::kArrayType), tools(rapidjson::kArrayType);
    for (const auto &c : n.model_calls)
        models.PushBack(model_call_json(c, a), a);
    for (const auto &c : n.tool_calls)
        tools.PushBack(tool_call_json(c, a), a);
    v.AddMember("model_calls", models, a);
    v.AddMember("tool_calls", tools, a);
    return v;
}

json::Value to_json(const Run &run, bool with_nodes, json::Allocator &a) {
    Value v(rapidjson::kObjectType);
    v.AddMember("run_id", json::string_value(run.id, a), a);
    v.AddMember("graph", json::string_value(run.graph_id, a), a);
    v.AddMember("graph_version", json::string_value(run.graph_version, a), a);
    v.AddMember("status", json::string_value(to_string(run.status), a), a);
    v.AddMember("input", json::string_value(run.input, a), a);
    v.AddMember("answer", json::string_value(run.answer, a), a);
    v.AddMember("started_at_ms", Value(run.started_at_ms), a);
    v.AddMember("finished_at_ms", Value(run.finished_at_ms), a);
    v.AddMember("duration_ms",
                Value(run.finished_at_ms > 0 ? run.finished_at_ms - run.started_at_ms : 0), a);
    if (run.status == RunStatus::failed || run.status == RunStatus::cancelled) {
        Value err(rapidjson::kObjectType);
        err.AddMember("code", json::string_value(run.error_code, a), a);
        err.AddMember("message", json::string_value(run.error_message, a), a);
        err.AddMember("node", json::string_value(run.error_node, a), a);
        v.AddMember("error", err, a);
    }
    if (with_nodes) {
        int64_t prompt = 0, completion = 0;
        Value nodes(rapidjson::kArrayType);
        for (const auto &n : run.nodes) {
            for (const auto &c : n.model_calls) {
                prompt += c.prompt_tokens.value_or(0);
                completion += c.completion_tokens.value_or(0);
            }
            nodes.PushBack(to_json(n, a), a);
        }
        v.AddMember("output", embedded(run.output, a), a);
        v.AddMember("prompt_tokens", Value(prompt), a);
        v.AddMember("completion_tokens", Value(completion), a);
        v.AddMember("nodes", nodes, a);
    }
    return v;
}

} // namespace tinyllm::trace
