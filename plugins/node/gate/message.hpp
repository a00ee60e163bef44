// What the gate reads from the graph's message: the answer and the history of earlier
// decisions (docs/graphs.md#the-message).
#pragma once

#include "policy.hpp"

#include <string>
#include <string_view>

namespace tinyllm::gate {

struct GateInput {
    std::string content; // the answer: "content" (a non-string content as its JSON text)
    std::string input;   // the request: "input", for judge rules
    History history;
};

// Throws sdk::Error(INVALID_ARGUMENT) when the message is not a JSON object.
GateInput read_message(std::string_view message_json);

} // namespace tinyllm::gate
