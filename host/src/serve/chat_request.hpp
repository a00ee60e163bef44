// What every API's chat request gives a graph, read the same way for Ollama's and OpenAI's:
// the input (the last message, which must be the user's) and the first message's data (the
// earlier messages as `history`, and what the API adds: format, options, system).
#pragma once

#include "tinyllm/json.hpp"

#include <string>

namespace tinyllm::serve {

struct ServedGraph;

struct GraphInput {
    std::string input;
    json::Document data{rapidjson::kObjectType};
};

// Reads `messages` ([{role, content}]; content a string, or a list of {"type": "text", "text"}
// parts as OpenAI's clients send) into `out`: the last user message is the input, the messages
// before it data.history. With `tool_turns` (the graph takes a request's tools), the last user
// message may be followed by the turns of tool calls the client ran for the graph (assistant
// messages with tool_calls, then role "tool" results), which go to data.tool_turns. Tool calls
// are kept in Ollama's shape whichever API sent them ({id?, function: {name, arguments: {}}}),
// and a result's tool_call_id (OpenAI) becomes the tool_name of the call it answers. Returns
// the message of a 400 answer, or "".
std::string read_messages(const json::Value *messages, GraphInput &out, bool tool_turns);

// At most this many tools in a request (OpenAI's limit).
inline constexpr rapidjson::SizeType kMaxRequestTools = 128;

// Reads a request's `tools` (OpenAI's and Ollama's shape: [{"type": "function", "function":
// {name, description, parameters}}]) into data.tools, for a graph that takes them. Returns the
// message of a 400 answer, or "".
std::string read_tools(const json::Value &tools, GraphInput &out);

// A request's `tools` for `graph`: read into data.tools (read_tools) when the graph takes them
// and `offer` (false for OpenAI's tool_choice "none"); a non-empty list for a graph that does not
// take them is refused. Returns the message of a 400 answer, or "".
std::string read_request_tools(const json::Value &body, const ServedGraph &graph, bool offer,
                               GraphInput &out);

// A request's answer format (Ollama's `format`: "json" or a JSON Schema; OpenAI's response_format
// mapped to it) into data.format, for a graph that takes it; "" (none) and null ask for nothing.
// Returns the message of a 400 answer, or "".
std::string read_request_format(const json::Value *format, const ServedGraph &graph,
                                GraphInput &out);

// Adds `value` (copied) to `out.data` under `key`.
void add_data(GraphInput &out, std::string_view key, const json::Value &value);

// The 413 message when the input is longer than limits.max_input_bytes, else "".
std::string input_over_limit(const GraphInput &in, size_t max_input_bytes);

} // namespace tinyllm::serve
