// JSON to YAML, for documents TinyLLM writes for people to read and edit: a graph version a
// mutation made (stored, then exported with `tinyllm graph export`). parse_yaml reads the result
// back to the same JSON: strings that YAML would read as something else ("3.0.0" is safe, "true",
// "1.5", "null", "" are not) are quoted.
#pragma once

#include "tinyllm/json.hpp"

#include <string>

namespace tinyllm::config {

// Block style; a mapping or sequence of scalars that fits on one line is written in flow style
// ({from: a, to: b}), as graph files are written by hand. Ends with a newline.
std::string to_yaml(const json::Value &value);

} // namespace tinyllm::config
