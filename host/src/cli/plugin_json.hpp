// The loaded plugins as JSON: what `tinyllm plugins list --json` and `plugins inspect --json`
// print and serve's /tinyllm/v1/plugins answers.
#pragma once

#include "plugin/registry.hpp"
#include "tinyllm/json.hpp"

namespace tinyllm::cli {

// A tool component's arguments schema (the loader checked it), or null for other kinds.
const char *tool_parameters(const tllm_component &c);

// Its descriptor, file, isolation and components (with their config schemas when
// `with_schema`, and a tool's arguments schema).
json::Value plugin_to_json(const plugin::LoadedPlugin &p, json::Allocator &a, bool with_schema);

// {"plugins": [...], "failures": [{"path", "error", "message"}]}
json::Document registry_json(const plugin::Registry &registry);

} // namespace tinyllm::cli
