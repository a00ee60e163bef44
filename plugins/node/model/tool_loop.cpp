#include "tool_loop.hpp"

#include <algorithm>

namespace tinyllm::node {

namespace {

// A chat call that was cancelled or ran out of time must end the node, not become a message
// the model reads and answers.
bool ends_the_run(tllm_status status) {
    return status == TLLM_ERR_CANCELLED || status == TLLM_ERR_TIMEOUT;
}

std::string join(const std::vector<std::string> &names) {
    std::string out;
    for (const auto &n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

} // namespace

ToolLoop::ToolLoop(sdk::Host host, std::vector<std::string> names, int64_t max_rounds)
    : host_(host), names_(std::move(names)), max_rounds_(max_rounds),
      definitions_(rapidjson::kArrayType) {
    if (names_.empty()) {
        described_ = true;
        return;
    }
    try {
        definitions();
    } catch (const sdk::Error &e) {
        // Created outside a runtime (`graph validate`, `plugins inspect`): look the tools up
        // on first use instead.
        if (e.status() != TLLM_ERR_UNSUPPORTED) throw;
    }
}

const json::Value &ToolLoop::definitions() {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (described_) return definitions_;
    json::Document defs(rapidjson::kArrayType);
    auto &a = defs.GetAllocator();
    for (const std::string &name : names_) {
        std::string text;
        try {
            text = host_.describe_tool(name);
        } catch (const sdk::Error &e) {
            if (e.status() != TLLM_ERR_NOT_FOUND) throw;
            throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, std::string("tools: ") + e.what());
        }
        json::Document def = json::parse_object(text, "tool definition");
        defs.PushBack(json::Value(def, a), a);
    }
    definitions_.Swap(defs);
    described_ = true;
    return definitions_;
}

std::string ToolLoop::execute(sdk::Call &call, const json::Value &tool_call) {
    const json::Value *function = json::find(tool_call, "function");
    const std::string name =
        function != nullptr ? json::get_string(*function, "name").value_or("") : "";
    if (std::find(names_.begin(), names_.end(), name) == names_.end()) {
        return "error: there is no tool named \"" + name + "\"; the tools are: " + join(names_);
    }
    // Ollama sends arguments as an object; some models produce a JSON string instead.
    std::string arguments = "{}";
    if (const json::Value *args = json::find(*function, "arguments")) {
        arguments = args->IsString() ? std::string(args->GetString(), args->GetStringLength())
                                     : json::to_string(*args);
    }
    try {
        const std::string result = host_.call_tool(call, name, arguments);
        const json::Document doc = json::parse_object(result, "tool result");
        return json::get_string(doc, "content").value_or("");
    } catch (const sdk::Error &e) {
        if (ends_the_run(e.status()) || call.cancelled()) throw;
        // Bad arguments, a failing tool: the model reads why and may try again.
        return std::string("error: ") + e.what();
    }
}

std::string ToolLoop::run(sdk::Call &call, const std::string &request_text) {
    json::Document request = json::parse_object(request_text, "chat request");
    auto &a = request.GetAllocator();
    request.AddMember("tools", json::Value(definitions(), a), a);
    for (int64_t round = 0;; ++round) {
        json::Document response =
            json::parse_object(host_.chat(call, json::to_string(request)), "chat response");
        const json::Value *message = json::find(response, "message");
        const json::Value *calls =
            message != nullptr ? json::find(*message, "tool_calls") : nullptr;
        if (calls == nullptr || !calls->IsArray() || calls->Empty()) {
            return message != nullptr ? json::get_string(*message, "content").value_or("") : "";
        }
        if (round >= max_rounds_) {
            throw sdk::Error(
                TLLM_ERR_PROTOCOL,
                "the model still asked for tools after " + std::to_string(max_rounds_) +
                    " rounds (max_tool_rounds); its last request: " + json::to_string(*calls));
        }
        json::Value &history = request["messages"];
        history.PushBack(json::Value(*message, a), a);
        for (const json::Value &tool_call : calls->GetArray()) {
            const json::Value *function = json::find(tool_call, "function");
            json::Value reply(rapidjson::kObjectType);
            reply.AddMember("role", "tool", a);
            reply.AddMember("content", json::string_value(execute(call, tool_call), a), a);
            reply.AddMember(
                "tool_name",
                json::string_value(
                    function != nullptr ? json::get_string(*function, "name").value_or("") : "", a),
                a);
            history.PushBack(reply, a);
        }
    }
}

} // namespace tinyllm::node
