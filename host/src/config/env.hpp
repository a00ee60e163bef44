// The environment, passed as a function so that tests never touch the process's variables.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace tinyllm::config {

// Returns the variable's value, or nullopt when it is not set.
using Getenv = std::function<std::optional<std::string>(const std::string &name)>;

// The real environment (std::getenv).
std::optional<std::string> process_getenv(const std::string &name);

} // namespace tinyllm::config
