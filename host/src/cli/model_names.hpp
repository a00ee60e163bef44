// Ollama model names: "llama3.2" means "llama3.2:latest"; a registry host or namespace prefix
// is part of the name.
#pragma once

#include <string>
#include <string_view>

namespace tinyllm::cli {

// The name with an explicit tag (":latest" added when none is given).
std::string with_tag(std::string_view name);
// True when both names denote the same model.
bool same_model(std::string_view a, std::string_view b);

} // namespace tinyllm::cli
