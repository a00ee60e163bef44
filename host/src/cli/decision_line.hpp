// One line for a router's or a gate's decision event, as `run --verbose` prints it:
//   router: route math (rules, confidence 1.00)
//   gate: fail, retry: the answer has no fenced code block; too short (3 < 20 characters)
#pragma once

#include "tinyllm/json.hpp"

#include <string>
#include <string_view>

namespace tinyllm::cli {

std::string decision_line(std::string_view node, const json::Value &event);

} // namespace tinyllm::cli
