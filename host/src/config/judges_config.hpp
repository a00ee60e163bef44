// config/judges.yaml (optional): the judges `tinyllm grade`, gates, evaluations and metrics use,
// by name, with their settings, and which one is the default. Every judge component a loaded
// plugin provides is also available under its own name with its default settings, so swapping a
// judge is an edit of this file (or a --judge flag), never a rebuild.
#pragma once

#include "config/component_entries.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

using JudgeConfig = ComponentEntry;

struct JudgesConfig {
    std::filesystem::path source; // empty when there is no judges.yaml
    // The judge used when a caller names none; without judges.yaml, "rules".
    std::string default_judge = "rules";
    std::vector<JudgeConfig> judges;

    const JudgeConfig *find(std::string_view name) const;
};

// The JSON Schema of judges.yaml (descriptions and defaults of every key).
std::string_view judges_schema_text();

// Load and validate `path` (schema, unique names), failing with Error(ErrorCode::config)
// naming file:line:column. A missing file is the defaults.
JudgesConfig load_judges_config(const std::filesystem::path &path);

} // namespace tinyllm::config
