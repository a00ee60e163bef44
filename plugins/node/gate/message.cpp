#include "message.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::gate {

namespace {

const json::Value *member(const json::Value *object, const char *key) {
    return object != nullptr && object->IsObject() ? json::find(*object, key) : nullptr;
}

// Counters are what this node (or the model node) wrote; anything else counts as absent.
std::optional<int64_t> count(const json::Value *v) {
    if (v == nullptr || !v->IsInt64() || v->GetInt64() < 0) return std::nullopt;
    return v->GetInt64();
}

} // namespace

GateInput read_message(std::string_view message_json) {
    json::Document message;
    try {
        message = json::parse_object(message_json, "message", ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, e.what()); // not "internal" at the ABI
    }
    GateInput in;
    if (const json::Value *content = json::find(message, "content")) {
        in.content = content->IsString()
                         ? std::string(content->GetString(), content->GetStringLength())
                         : json::to_string(*content);
    }
    in.input = json::get_string(message, "input").value_or("");
    const json::Value *data = json::find(message, "data");
    in.history.failures = count(member(member(data, "gate"), "failures")).value_or(0);
    in.history.escalations = count(member(data, "escalation")).value_or(0);
    const json::Value *model = member(data, "model");
    in.history.rung = count(member(model, "rung"));
    in.history.rungs = count(member(model, "rungs"));
    return in;
}

} // namespace tinyllm::gate
