// A prompt rendered with values for its variables, as `tinyllm prompts render` shows it and as
// a model node sends it: the system message, the examples, the user message.
#pragma once

#include "prompts/prompt.hpp"
#include "tinyllm/json.hpp"

#include <string>

namespace tinyllm::prompts {

struct Rendered {
    std::string system;
    std::string user;
};

// `values` is a JSON object of variable values. A required variable that is absent or null is
// an error (never an empty string), and so is a value for a variable the prompt does not
// declare: both Error(invalid_argument) naming the prompt and the variable.
Rendered render(const Prompt &prompt, const json::Value &values);

} // namespace tinyllm::prompts
