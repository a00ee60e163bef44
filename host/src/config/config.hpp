// Finding and loading the config dir: system.yaml, models.yaml, tools.yaml, judges.yaml,
// expansion.yaml and alerts.yaml (optional) and the list of graph files.
#pragma once

#include "config/alerts_config.hpp"
#include "config/env.hpp"
#include "config/expansion_config.hpp"
#include "config/judges_config.hpp"
#include "config/models_config.hpp"
#include "config/system_config.hpp"
#include "config/tools_config.hpp"

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace tinyllm::config {

// Why a config dir was chosen, in order of precedence.
enum class ConfigSource {
    flag,      // --config DIR
    env,       // TINYLLM_CONFIG
    cwd,       // ./config holding a system.yaml
    user,      // $XDG_CONFIG_HOME/tinyllm or ~/.config/tinyllm
    installed, // <prefix>/share/tinyllm/config
};

std::string_view to_string(ConfigSource source) noexcept;

struct LoadOptions {
    std::optional<std::filesystem::path> config_dir;    // --config DIR
    std::optional<std::filesystem::path> installed_dir; // <prefix>/share/tinyllm/config
    std::filesystem::path cwd;      // where ./config is looked for; empty = current directory
    Getenv getenv = process_getenv; // TINYLLM_CONFIG, TINYLLM_LOG_LEVEL, XDG_CONFIG_HOME, HOME
};

struct ConfigDir {
    std::filesystem::path path; // as found (relative for --config rel or ./config); for messages
    ConfigSource source = ConfigSource::flag;
};

struct Config {
    std::filesystem::path dir; // absolute
    ConfigSource source = ConfigSource::flag;
    SystemConfig system;
    ModelsConfig models;
    ToolsConfig tools;         // empty when the dir has no tools.yaml
    JudgesConfig judges;       // the defaults when the dir has no judges.yaml
    ExpansionConfig expansion; // the defaults when the dir has no expansion.yaml
    AlertsConfig alerts;       // no rules when the dir has no alerts.yaml
    // config/graphs/*.yaml (and *.yml), sorted; not parsed yet.
    std::vector<std::filesystem::path> graph_files;
};

// The config dir by precedence: --config > TINYLLM_CONFIG > ./config (if it holds
// system.yaml) > $XDG_CONFIG_HOME/tinyllm or ~/.config/tinyllm (if it exists) > installed_dir.
// An explicitly named dir (flag or variable) that does not exist is an error; so is finding none.
ConfigDir find_config_dir(const LoadOptions &options);

// Find the dir and load everything in it. Errors are Error(ErrorCode::config).
Config load(const LoadOptions &options);

} // namespace tinyllm::config
