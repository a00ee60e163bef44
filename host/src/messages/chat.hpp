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

struct ChatResponse {
    std::string model;
    std::optional<std::string> created_at;
    ChatMessage message;
    bool done = true;
    std::optional<std::string> done_reason;
    // Durations are nanoseconds, as on the wire; counts are tokens.
    std::optional<int64_t> total_duration;
    std::optional<int64_t> load_duration;
    std::optional<int64_t> prompt_eval_count;
    std::optional<int64_t> prompt_eval_duration;
    std::optional<int64_t> eval_count;
    std::optional<int64_t> eval_duration;
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

// ---- The host's hot path ---------------------------------------------------------------------
// The typed round trip above is exact, but it costs a DOM, a copy into the structs (one
// std::function per member) and a second DOM to write them back. The two functions below give
// the same bytes in one parse and one write for the documents the host handles on every model
// call (a node's chat request, a backend's chat response), and fall back to the typed round
// trip for anything unusual (unknown, null, duplicated or mistyped members, tool calls, tools,
// non-empty request options...), so their results and errors are always the typed path's.

// to_json(parse_chat_response(text)).
std::string normalize_chat_response(std::string_view text);

// A chat request in the plain shape nodes send, parsed once: every member known and given at
// most once, none null; messages with role, content, thinking, tool_name (strings) and images
// (a non-empty array of strings) only; no tools; options absent or {}; format a string;
// keep_alive a string or an integer; think a boolean or a string.
class PlainChatRequest {
public:
    // nullopt when `text` is not such a request (parse_chat_request decides then).
    static std::optional<PlainChatRequest> parse(std::string_view text);

    const std::string &model() const noexcept { return model_; } // "" when absent
    bool has_keep_alive() const noexcept { return keep_alive_ != nullptr; }
    bool has_think() const noexcept { return think_ != nullptr; }

    // What to_json(parse_chat_request(text)) gives after setting model to `model` and, for the
    // non-null arguments, options / keep_alive / think to that JSON text.
    std::string to_json(std::string_view model, const std::string *options,
                        const std::string *keep_alive, const std::string *think) const;

private:
    PlainChatRequest() = default;
    json::Document doc_;
    std::string model_;
    // Into doc_ (its pool: they stay valid when the document moves); null when absent.
    const json::Value *messages_ = nullptr;
    const json::Value *format_ = nullptr;
    const json::Value *options_ = nullptr;
    const json::Value *stream_ = nullptr;
    const json::Value *keep_alive_ = nullptr;
    const json::Value *think_ = nullptr;
};

} // namespace tinyllm::messages
