// Logging: every log line goes to stderr (and optionally a file) through spdlog, never stdout,
// which carries data only. Each plugin instance gets its own named logger sharing the sinks.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::logging {

struct Options {
    std::string level = "warn"; // trace|debug|info|warn|error|off
    std::string file;           // "" = stderr only
    bool color = false;         // colour the level on stderr
};

// Parse a level name; nullopt when it is not one.
std::optional<spdlog::level::level_enum> parse_level(std::string_view name);

// (Re)configure the default logger and the shared sinks. Safe to call more than once: the CLI
// sets up stderr logging first and re-applies once the config is known.
void setup(const Options &options);

// A logger that writes through the shared sinks, tagged `name` (e.g. "ollama:local").
std::shared_ptr<spdlog::logger> make_logger(const std::string &name);

} // namespace tinyllm::logging
