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

// The host wrote these documents: one that does not parse is the host's fault, and must not
// surface as the plugin's internal error.
json::Document parse_from_host(const std::string &text, std::string_view what) {
    try {
        return json::parse(text, what);
    } catch (const tinyllm::Error &e) {
        throw sdk::Error(to_status(e.code()), e.what());
    }
}

} // namespace

ToolLoop::ToolLoop(sdk::Host host, std::vector<std::string> names, int64_t max_rounds)
    : host_(host), names_(std::move(names)), max_rounds_(max_rounds) {}

void ToolLoop::activate() {
    if (names_.empty()) return;
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
        json::Document def = parse_from_host(text, "tool definition");
        if (!def.IsObject()) {
            throw sdk::Error(TLLM_ERR_PROTOCOL, "tool definition of \"" + name +
                                                    "\": expected an object, got " +
                                                    std::string(json::type_name(def)));
        }
        defs.PushBack(json::Value(def, a), a);
    }
    definitions_ = json::to_string(defs);
}

std::string ToolLoop::execute(sdk::Call &call, const std::string &name,
                              const json::Value *function) const {
    if (std::find(names_.begin(), names_.end(), name) == names_.end()) {
        return "error: there is no tool named \"" + name + "\"; the tools are: " + join(names_);
    }
    // Ollama sends arguments as an object; some models produce a JSON string instead.
    std::string arguments = "{}";
    if (const json::Value *args = function ? json::find(*function, "arguments") : nullptr) {
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

std::string ToolLoop::definitions_with(const json::Value *request_tools,
                                       std::vector<std::string> &client) const {
    if (request_tools == nullptr || !request_tools->IsArray() || request_tools->Empty())
        return definitions_;
    std::string extra;
    for (const json::Value &tool : request_tools->GetArray()) {
        const json::Value *function = json::find(tool, "function");
        const std::string name =
            function != nullptr ? json::get_string(*function, "name").value_or("") : "";
        if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
            throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                             "the request offers a tool named \"" + name +
                                 "\", as one of the node's own tools is: rename it");
        }
        client.push_back(name);
        extra += (extra.empty() ? "" : ",") + json::to_string(tool);
    }
    if (definitions_.size() <= 2) return "[" + extra + "]"; // none of its own: "" or "[]"
    return definitions_.substr(0, definitions_.size() - 1) + "," + extra + "]";
}

ToolLoopEnd ToolLoop::run(sdk::Call &call, sdk::ChatRequest request,
                          const json::Value *request_tools) const {
    if (!names_.empty() && definitions_.empty()) {
        // Describing here would race with other runs of the node; the host must activate it.
        throw sdk::Error(TLLM_ERR_INTERNAL, "model node: tools used before the node was activated");
    }
    std::vector<std::string> client;
    request.tools_json = definitions_with(request_tools, client);
    for (int64_t round = 0;; ++round) {
        sdk::ChatAnswer answer = host_.chat(call, request);
        if (answer.tool_calls_json.empty()) return {std::move(answer.content), {}};
        const json::Document calls = parse_from_host(answer.tool_calls_json, "tool calls");
        if (!calls.IsArray() || calls.Empty()) return {std::move(answer.content), {}};
        // A call of a request tool ends the loop: only the client can run it.
        std::string client_calls;
        for (const json::Value &tool_call : calls.GetArray()) {
            const json::Value *function = json::find(tool_call, "function");
            const std::string name =
                function != nullptr ? json::get_string(*function, "name").value_or("") : "";
            if (std::find(client.begin(), client.end(), name) != client.end())
                client_calls += (client_calls.empty() ? "" : ",") + json::to_string(tool_call);
        }
        if (!client_calls.empty()) return {std::move(answer.content), "[" + client_calls + "]"};
        if (round >= max_rounds_) {
            throw sdk::Error(
                TLLM_ERR_PROTOCOL,
                "the model still asked for tools after " + std::to_string(max_rounds_) +
                    " rounds (max_tool_rounds); its last request: " + json::to_string(calls));
        }
        sdk::ChatMessage asked;
        asked.role = "assistant";
        asked.content = std::move(answer.content);
        asked.tool_calls_json = std::move(answer.tool_calls_json);
        request.messages.push_back(std::move(asked));
        for (const json::Value &tool_call : calls.GetArray()) {
            const json::Value *function = json::find(tool_call, "function");
            sdk::ChatMessage reply;
            reply.role = "tool";
            reply.tool_name =
                function != nullptr ? json::get_string(*function, "name").value_or("") : "";
            reply.content = execute(call, reply.tool_name, function);
            request.messages.push_back(std::move(reply));
        }
    }
}

} // namespace tinyllm::node
