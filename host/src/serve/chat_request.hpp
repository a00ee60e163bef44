// What every API's chat request gives a graph, read the same way for Ollama's and OpenAI's:
// the input (the last message, which must be the user's) and the first message's data (the
// earlier messages as `history`, and what the API adds: format, options, system).
#pragma once

#include "serve/graph_call.hpp"
#include "serve/graph_catalog.hpp"
#include "tinyllm/json.hpp"

#include <string>

namespace tinyllm::serve {

struct GraphInput {
    std::string input;
    json::Document data{rapidjson::kObjectType};
};

// Reads `messages` ([{role, content}]; content a string, or a list of {"type": "text", "text"}
// parts as OpenAI's clients send) into `out`. Returns the message of a 400 answer, or "".
std::string read_messages(const json::Value *messages, GraphInput &out);

// Adds `value` (copied) to `out.data` under `key`.
void add_data(GraphInput &out, std::string_view key, const json::Value &value);

// The 413 message when the input is longer than limits.max_input_bytes, else "".
std::string input_over_limit(const GraphInput &in, size_t max_input_bytes);

// The run of `graph` for `in` (moved from), with a new run id.
GraphCall graph_call(const ServedGraph &graph, GraphInput &&in, bool stream);

// Why `model` is not served: no such graph (naming the served ones), or not a graph at all.
std::string unknown_model(const GraphCatalog &graphs, const std::string &model);

} // namespace tinyllm::serve
