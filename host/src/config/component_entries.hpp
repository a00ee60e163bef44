// Config files that list instances of plugin components by name (tools.yaml's `tools:`,
// judges.yaml's `judges:`): one entry shape, one schema fragment and one parser for all of them.
// Every component of the kind a loaded plugin provides is also available under its own name
// with its default settings unless the file says otherwise (runtime/component_set.hpp).
#pragma once

#include "config/config_file.hpp"
#include "config/source_map.hpp"

#include "tinyllm/json.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

struct ComponentEntry {
    std::string name;                       // what callers use; unique in its file
    std::string type;                       // a component name of the kind (defaults to `name`)
    std::optional<std::string> description; // replaces the plugin's description
    bool enabled = true;
    // The instance's own settings, a JSON object ({} when absent), checked against the plugin's
    // config_schema when the instance is created; `config_source` names file:line:column.
    std::shared_ptr<const json::Value> config;
    Located config_source;
    SourceLocation location; // of the entry
};

// The wording of one kind's entries in its file's schema.
struct EntryWording {
    std::string_view noun;        // "tool"
    std::string_view name_doc;    // who uses the name
    std::string_view description; // what the description is for
};

// The JSON Schema (draft-04, as text) of an array of entries: name [a-zA-Z0-9_-]+, type,
// description, enabled, config.
std::string component_entries_schema(const EntryWording &wording);

// The entries at /<list> of a file that passed its schema; a name used twice is
// Error(config) at the second one, naming the line of the first ("duplicate <noun> name").
std::vector<ComponentEntry> parse_component_entries(const ConfigFile &file, std::string_view list,
                                                    std::string_view noun);

} // namespace tinyllm::config
