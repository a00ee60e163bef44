#include "conversation.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::sim {

namespace {

[[noreturn]] void bad(const std::string &why) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "sim backend: " + why);
}

json::Document parse_object(std::string_view text, const char *what) {
    json::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) bad(std::string(what) + " is not a JSON object");
    return doc;
}

std::string string_member(const json::Value &object, const char *key) {
    const json::Value *v = json::find(object, key);
    return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength())
                                         : std::string();
}

void read_common(const json::Document &doc, Conversation &c) {
    const json::Value *model = json::find(doc, "model");
    if (model == nullptr || !model->IsString() || model->GetStringLength() == 0) {
        bad("the request names no model");
    }
    c.model.assign(model->GetString(), model->GetStringLength());
    if (const json::Value *stream = json::find(doc, "stream"); stream && stream->IsBool()) {
        c.stream = stream->GetBool();
    }
    if (const json::Value *options = json::find(doc, "options"); options && options->IsObject()) {
        const std::optional<double> temperature = json::get_number(*options, "temperature");
        const std::optional<int64_t> seed = json::get_int(*options, "seed");
        if (seed && (!temperature || *temperature > 0)) c.sample_seed = seed;
    }
    if (const json::Value *format = json::find(doc, "format")) {
        if (format->IsObject()) {
            c.format = Conversation::Format::schema;
            c.schema.CopyFrom(*format, c.schema.GetAllocator());
        } else if (format->IsString()) {
            c.format = Conversation::Format::json;
        } else {
            bad("format must be \"json\" or a JSON Schema object");
        }
    }
}

// The name of the first offered tool whose parameters have an "expression": the calculator,
// whatever the config calls it.
std::string calculator_of(const json::Value &tools) {
    if (!tools.IsArray()) bad("tools must be a list");
    for (const json::Value &tool : tools.GetArray()) {
        const json::Value *function = tool.IsObject() ? json::find(tool, "function") : nullptr;
        if (function == nullptr || !function->IsObject()) continue;
        const json::Value *parameters = json::find(*function, "parameters");
        const json::Value *properties = parameters != nullptr && parameters->IsObject()
                                            ? json::find(*parameters, "properties")
                                            : nullptr;
        if (properties != nullptr && properties->IsObject() &&
            properties->HasMember("expression")) {
            return string_member(*function, "name");
        }
    }
    return {};
}

} // namespace

Conversation Conversation::parse(std::string_view request_json) {
    const json::Document doc = parse_object(request_json, "the chat request");
    Conversation c;
    read_common(doc, c);
    const json::Value *messages = json::find(doc, "messages");
    if (messages == nullptr || !messages->IsArray() || messages->Empty()) {
        bad("the chat request has no messages");
    }
    for (const json::Value &m : messages->GetArray()) {
        if (!m.IsObject()) bad("a message is not an object");
        Message message{string_member(m, "role"), string_member(m, "content"), {}};
        if (const json::Value *calls = json::find(m, "tool_calls"); calls && calls->IsArray()) {
            message.tool_calls_json = json::to_string(*calls);
        }
        c.messages.push_back(std::move(message));
    }
    if (const json::Value *tools = json::find(doc, "tools")) c.calculator = calculator_of(*tools);
    return c;
}

Conversation Conversation::parse_generate(std::string_view request_json) {
    const json::Document doc = parse_object(request_json, "the generate request");
    Conversation c;
    read_common(doc, c);
    const std::string system = string_member(doc, "system");
    if (!system.empty()) c.messages.push_back({"system", system, {}});
    c.messages.push_back({"user", string_member(doc, "prompt"), {}});
    return c;
}

std::string_view Conversation::last_user() const {
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
        if (it->role == "user") return it->content;
    }
    return {};
}

std::optional<std::string_view> Conversation::tool_result() const {
    if (messages.empty() || messages.back().role != "tool") return std::nullopt;
    return std::string_view(messages.back().content);
}

std::optional<std::string> Conversation::called_expression() const {
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
        if (it->role != "assistant") continue;
        if (it->tool_calls_json.empty()) return std::nullopt;
        json::Document calls;
        calls.Parse(it->tool_calls_json.data(), it->tool_calls_json.size());
        if (calls.HasParseError() || !calls.IsArray()) return std::nullopt;
        for (const json::Value &call : calls.GetArray()) {
            const json::Value *function = call.IsObject() ? json::find(call, "function") : nullptr;
            const json::Value *arguments = function != nullptr && function->IsObject()
                                               ? json::find(*function, "arguments")
                                               : nullptr;
            if (arguments != nullptr && arguments->IsObject()) {
                const std::string e = string_member(*arguments, "expression");
                if (!e.empty()) return e;
            }
        }
        return std::nullopt;
    }
    return std::nullopt;
}

} // namespace tinyllm::sim
