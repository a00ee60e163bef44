// Prints a config schema as help lines, Fluent-Bit-config-map style:
//   url                 string   default "http://127.0.0.1:11434"   env OLLAMA_HOST
//       Base URL of the Ollama server.
#pragma once

#include "tinyllm/json.hpp"

#include <string>
#include <vector>

namespace tinyllm::cli {

std::vector<std::string> describe_schema(const json::Value &schema);

} // namespace tinyllm::cli
