// The chat message types that cross the ABI as JSON (docs/sdk.md#chat-request and
// #chat-response). They follow Ollama's /api/chat documents field by field. Conversion is exact:
// from_json(to_json(x)) == x and to_json(from_json(doc)) == doc, because optional fields keep
// their absence and members this version does not know are carried in `extra`.
#pragma once

#include "tinyllm/json.hpp"

#include <array>
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

// ---- The host's hot path ---------------------------------------------------------------------
// The typed round trip above is exact, but it costs a DOM, a copy into the structs (one
// std::function per member) and a second DOM to write them back. The documents the host handles
// on every model call (a node's chat request, a backend's chat response) take a shorter way
// below, and fall back to the typed path for anything unusual (unknown, null, duplicated or
// mistyped members, tool calls, tools, non-empty request options...), so their verdicts and
// errors are always the typed path's.

// What checking a chat response gives: its counters and the answer's text.
struct CheckedResponse {
    ChatUsage usage;
    std::string content; // message.content
    bool operator==(const CheckedResponse &) const = default;
};

// Checks that `text` is a chat response, throwing what parse_chat_response throws when it is
// not, and returns its counters and content: parse_chat_response's verdict without its DOM (one
// SAX pass) for the responses backends send. The text itself is fine to pass on as it is: the
// typed round trip would only re-format it.
CheckedResponse check_chat_response(std::string_view text);

// A chat request of plain text messages, as plugins hand it over in C data (tllm_chat_request,
// ABI 1.2) after the host checked it: views into the plugin's strings.
struct TextChat {
    struct Message {
        std::string_view role;
        std::string_view content;
    };
    std::string_view model; // "" = default_model
    std::vector<Message> messages;
    bool stream = false;
    std::optional<std::string_view> options; // a JSON object, as text
    std::optional<std::string_view> format;  // JSON text: a string or an object
    std::optional<bool> think;
};

// The chat request JSON for `chat` with its model set to `model`; the non-null arguments are
// JSON text a model's configuration adds: `options` replaces the request's own (pass the merged
// text when both have some), `keep_alive` is added, `think` is added when the request has none.
// Members in the order the runtime's splice of a node's JSON request gives them: model,
// messages, stream, options, format, the request's think, keep_alive, the configured think.
std::string to_json(const TextChat &chat, std::string_view model, const std::string *options,
                    const std::string *keep_alive, const std::string *think);

// A chat request in the plain shape nodes send, read in one SAX pass: every member known and
// given at most once, none null; messages (present, at least one) with role and content, and maybe
// thinking and tool_name (strings) and images (a non-empty array of strings); no tools; options
// absent or {}; format a string; keep_alive a string or an integer; think a boolean or a
// string. It keeps views into the text it was read from, which must outlive it.
class PlainChatRequest {
public:
    // nullopt when `text` is not such a request (parse_chat_request decides then).
    static std::optional<PlainChatRequest> parse(const std::string &text);

    const std::string &model() const noexcept { return model_; } // "" when absent
    bool has_keep_alive() const noexcept;
    bool has_think() const noexcept;

    // The request with model set to `model` and, for the non-null arguments, options /
    // keep_alive / think set to that JSON text: to_json(parse_chat_request(text)) after the same
    // changes, as JSON (its members in the request's own order, model first, values as written).
    std::string to_json(std::string_view model, const std::string *options,
                        const std::string *keep_alive, const std::string *think) const;

    static constexpr size_t kMembers = 8; // the members it knows

private:
    PlainChatRequest() = default;
    std::string model_;
    std::array<std::string_view, kMembers> values_{}; // raw JSON text; empty when absent
    std::array<int, kMembers> order_{};               // the members as the request had them
    size_t count_ = 0;
    size_t size_ = 0; // of the text
};

} // namespace tinyllm::messages
