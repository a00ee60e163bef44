// config/tools.yaml (optional): which tools models and `tinyllm tool` may use, under which
// names and with which settings. Every tool a loaded plugin provides is available under its own
// name with its default settings unless this file says otherwise.
#pragma once

#include "config/component_entries.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

// `name` is what models call and `tinyllm tool NAME` uses; `description` what models read.
using ToolConfig = ComponentEntry;

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
