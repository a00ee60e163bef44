#include "config/component_entries.hpp"

#include "config/named_entries.hpp"

namespace tinyllm::config {

std::string component_entries_schema(const EntryWording &w) {
    const std::string noun(w.noun);
    return R"json({
      "description": "Instances of )json" +
           noun +
           R"json( components. An entry whose name is a component's name replaces that component's defaults.",
      "type": "array",
      "default": [],
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
          "name": {
            "description": ")json" +
           std::string(w.name_doc) + R"json(: [a-zA-Z0-9_-]+, unique.",
            "type": "string",
            "pattern": "^[a-zA-Z0-9_-]+$"
          },
          "type": {
            "description": "The )json" +
           noun +
           R"json( component, provided by a plugin (`tinyllm plugins list`). Default: the same as name.",
            "type": "string",
            "minLength": 1
          },
          "description": {
            "description": ")json" +
           std::string(w.description) + R"json( Default: the plugin's description.",
            "type": "string",
            "minLength": 1
          },
          "enabled": {
            "description": "false hides the )json" +
           noun + R"json(.",
            "type": "boolean",
            "default": true
          },
          "config": {
            "description": "Settings of the )json" +
           noun +
           R"json(, checked against the plugin's own config schema (`tinyllm plugins inspect`).",
            "type": "object",
            "default": {}
          }
        }
      }
    })json";
}

namespace {

ComponentEntry parse_component_entry(const ConfigFile &file, std::string_view list,
                                     rapidjson::SizeType index) {
    const std::string pointer = "/" + std::string(list) + "/" + std::to_string(index);
    const json::Value &entry = (*json::find(file.root(), list))[index];
    ComponentEntry out;
    out.name = json::get_string(entry, "name").value_or("");
    out.type = json::get_string(entry, "type").value_or(out.name);
    out.description = json::get_string(entry, "description");
    out.enabled = json::get_bool(entry, "enabled").value_or(true);
    out.config = file.share(entry["config"]);
    out.config_source = file.at(pointer + "/config");
    out.location = file.at(pointer).location();
    return out;
}

} // namespace

std::vector<ComponentEntry> parse_component_entries(const ConfigFile &file, std::string_view list,
                                                    std::string_view noun) {
    std::vector<ComponentEntry> entries;
    const json::Value *array = json::find(file.root(), list);
    for (rapidjson::SizeType i = 0; array != nullptr && i < array->Size(); ++i)
        entries.push_back(parse_component_entry(file, list, i));
    check_unique_names(file, entries, std::string(list), std::string(noun));
    return entries;
}

} // namespace tinyllm::config
