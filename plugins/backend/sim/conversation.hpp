// A chat request (Ollama's /api/chat document, docs/sdk.md#chat-request) read into what the
// simulation decides on: the messages, the offered calculator, the answer format.
#pragma once

#include "tinyllm/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::sim {

struct Message {
    std::string role;
    std::string content;
    std::string tool_calls_json; // assistant: its tool calls as JSON text, or ""
};

struct Conversation {
    std::string model;
    std::vector<Message> messages;
    bool stream = true; // absent means true, as for Ollama
    // The requested format: none, "json", or a JSON Schema object.
    enum class Format { none, json, schema } format = Format::none;
    json::Document schema; // when format is schema
    // The offered tool that takes an "expression" (the calculator), "" when none is offered.
    std::string calculator;
    // options.seed when the request samples (options.temperature absent or above 0): a model
    // at a temperature answers differently per seed, so the seed is part of the draw. At
    // temperature 0 the answer is the same whatever the seed, as a real model's is.
    std::optional<int64_t> sample_seed;

    // Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT) naming what is malformed.
    static Conversation parse(std::string_view request_json);
    // generate's request ({"prompt","system","format","stream"}) as a two-message chat.
    static Conversation parse_generate(std::string_view request_json);

    // The content of the last user message ("" when there is none): the request itself. Earlier
    // user messages are few-shot examples a prompt sends before it.
    std::string_view last_user() const;
    // The content of the last message when it is a tool result.
    std::optional<std::string_view> tool_result() const;
    // The expression of the calculator call the last assistant message made, if it made one.
    std::optional<std::string> called_expression() const;
};

} // namespace tinyllm::sim
