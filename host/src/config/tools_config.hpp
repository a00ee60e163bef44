// config/tools.yaml (optional): which tools models and `tinyllm tool` may use, under which
// names and with which settings. Every tool a loaded plugin provides is available under its own
// name with its default settings unless this file says otherwise.
#pragma once

#include "config/source_map.hpp"

#include "tinyllm/json.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

struct ToolConfig {
    std::string name;                       // what models and `tinyllm tool NAME` use; unique
    std::string type;                       // a tool component name (defaults to `name`)
    std::optional<std::string> description; // replaces the plugin's description for models
    bool enabled = true;
    // The tool's own settings, a JSON object ({} when absent), checked against the plugin's
    // config_schema when the tool is first used; `config_source` names file:line:column.
    std::shared_ptr<const json::Value> config;
    Located config_source;
    SourceLocation location; // of the entry
};

struct ToolsConfig {
    std::filesystem::path source; // empty when there is no tools.yaml
    std::vector<ToolConfig> tools;

    const ToolConfig *find(std::string_view name) const;
};

// The JSON Schema of tools.yaml (descriptions and defaults of every key).
std::string_view tools_schema_text();

// Load and validate `path` (schema, unique names), failing with Error(ErrorCode::config)
// naming file:line:column. A missing file is an empty config.
ToolsConfig load_tools_config(const std::filesystem::path &path);

} // namespace tinyllm::config
