// The config a component instance is created with, made the same way for every kind: the
// user's settings with their paths resolved ("x-path"), the schema's defaults, environment
// overrides ("x-env"), then validation against the plugin's schema, with errors naming
// file:line:column or the variable.
#pragma once

#include "config/schema.hpp"
#include "config/source_map.hpp"
#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <tinyllm/plugin.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::runtime {

struct ComponentConfig {
    std::string json; // what create() receives
    std::vector<config::EnvOverride> overrides;
};

// Makes every relative path in `value` absolute against `base`: each string at a schema property
// marked "x-path": true (found through properties, additionalProperties and array items). "~"
// and "~/x" are the home directory (HOME, from `getenv`); absolute paths and "" stay as they are.
// A plugin cannot know where its config was written, so the host resolves what the user wrote.
void resolve_config_paths(json::Value &value, const json::Value &schema,
                          const std::filesystem::path &base, const config::Getenv &getenv,
                          json::Allocator &alloc);

// The one way a component's config is made, for every kind and for graph nodes: a copy of
// `given` whose "x-path" strings are resolved against the directory of the file that set them
// (when `where` has one; values written nowhere, and the defaults filled in next, stay as they
// are, for the component to interpret), with the schema's defaults filled in and its "x-env"
// overrides applied (each logged under `label`, "backend local", "node answer"), validated
// against the schema (Error(config) at file:line:column, or naming the variable). A null schema
// takes the config as it is.
struct PreparedConfig {
    json::Document doc;
    std::vector<config::EnvOverride> overrides;
};
PreparedConfig prepare_config(const config::Schema *schema, const json::Value &given,
                              const config::Located &where, std::string_view label);

// prepare_config with the component's own schema, as the JSON text create() receives. The
// loaded config is not modified.
ComponentConfig make_component_config(const tllm_component &component, const json::Value &given,
                                      const config::Located &where, std::string_view label);

// Runs `create` (which builds the instance); a config error the plugin raises is re-thrown
// pointing at the config (or at the variable an override came from).
template <class Create>
auto create_with_config(const ComponentConfig &config, const config::Located &where,
                        Create &&create) {
    try {
        return create(config.json);
    } catch (const Error &e) {
        if (e.code() != ErrorCode::config) throw;
        std::string at = where.location().to_string();
        for (const auto &o : config.overrides) {
            at += " (" + o.variable + "=" + o.value + " sets " + where.path(o.pointer) + ")";
        }
        throw Error(ErrorCode::config, at + ": " + e.what());
    }
}

} // namespace tinyllm::runtime
