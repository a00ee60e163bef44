// Options every command accepts, given before the command name.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::cli {

struct GlobalOptions {
    std::optional<std::filesystem::path> config_dir; // --config
    std::vector<std::filesystem::path> plugin_paths; // --plugins (repeatable)
    bool no_default_plugins = false;                 // --no-default-plugins
    int verbosity = 0;                               // -v, -vv
    std::optional<std::string> log_level;            // --log-level
};

} // namespace tinyllm::cli
