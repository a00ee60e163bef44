// The chat message types that cross the ABI as JSON (docs/sdk.md#chat-request and
// #chat-response). They follow Ollama's /api/chat documents field by field. Conversion is exact:
// from_json(to_json(x)) == x and to_json(from_json(doc)) == doc, because optional fields keep
// their absence and members this version does not know are carried in `extra`.
#pragma once

#include "tinyllm/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::messages {

struct ToolCall {
    std::optional<std::string> id;
    std::optional<int64_t> index; // function.index
    std::string name;             // function.name
    std::string arguments = "{}"; // function.arguments: a JSON object, kept as text
    std::string extra = "{}";     // unknown members of the tool call object
    bool operator==(const ToolCall &) const = default;
};

struct ChatMessage {
    std::string role; // system | user | assistant | tool
    std::string content;
    std::optional<std::string> thinking;
    std::optional<std::vector<std::string>> images; // base64
    std::vector<ToolCall> tool_calls;
    std::optional<std::string> tool_name; // for role "tool": which tool produced this
    std::string extra = "{}";
    bool operator==(const ChatMessage &) const = default;
};

struct ChatRequest {
    std::string model;
    std::vector<ChatMessage> messages;
    std::optional<std::string> tools;   // JSON array of {"type":"function","function":{...}}
    std::optional<std::string> format;  // JSON: "json" or a JSON Schema object
    std::optional<std::string> options; // JSON object: temperature, seed, num_ctx, ...
    std::optional<bool> stream;
    std::optional<std::string> keep_alive; // JSON: "5m" or a number of seconds
    std::optional<std::string> think;      // JSON: true/false or "low"/"medium"/"high"
    std::string extra = "{}";
    bool operator==(const ChatRequest &) const = default;
};

// The counters of a chat response the trace keeps: nanoseconds and tokens, as on the wire.
struct ChatUsage {
    std::optional<int64_t> total_duration;
    std::optional<int64_t> load_duration;
    std::optional<int64_t> prompt_eval_count;
    std::optional<int64_t> prompt_eval_duration;
    std::optional<int64_t> eval_count;
    std::optional<int64_t> eval_duration;
    bool operator==(const ChatUsage &) const = default;
};

// The counters (ChatUsage) and the rest.
struct ChatResponse : ChatUsage {
    std::string model;
    std::optional<std::string> created_at;
    ChatMessage message;
    bool done = true;
    std::optional<std::string> done_reason;
    std::string extra = "{}";
    bool operator==(const ChatResponse &) const = default;
};

// Parse a document; throw tinyllm::Error (invalid_argument) naming the field on a type error.
ChatRequest parse_chat_request(std::string_view json);
ChatResponse parse_chat_response(std::string_view json);
ChatMessage parse_chat_message(std::string_view json);

std::string to_json(const ChatRequest &request);
std::string to_json(const ChatResponse &response);
std::string to_json(const ChatMessage &message);

// A message's "tool_calls" array on its own: what the chat service hands a plugin as
// tllm_chat_result.tool_calls_json and takes back in tllm_chat_message.tool_calls_json.
std::vector<ToolCall> parse_tool_calls(std::string_view json);
std::string to_json(const std::vector<ToolCall> &calls);

} // namespace tinyllm::messages
