// Loading one prompt file: the schema (types, unknown keys), then what needs the whole file —
// the id matches the path, the version is semver, the templates parse and use only declared
// variables, the format is JSON or a schema. Every error is "file:line:col: key: message".
#pragma once

#include "prompts/prompt.hpp"

#include <filesystem>
#include <string_view>

namespace tinyllm::prompts {

// The JSON Schema of a prompt file (`tinyllm prompts --help` points to docs/graphs.md).
std::string_view prompt_schema_text();

// Load `path`, whose id must be `expected_id` (its path under prompts/, without .yaml).
// Throws Error(ErrorCode::config).
Prompt load_prompt_file(const std::filesystem::path &path, const std::string &expected_id);

} // namespace tinyllm::prompts
