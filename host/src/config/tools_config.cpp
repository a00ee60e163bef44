#include "config/tools_config.hpp"

#include "config/config_file.hpp"
#include "config/named_entries.hpp"

namespace tinyllm::config {

namespace {

constexpr std::string_view schema_text = R"json({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "tools.yaml",
  "description": "The tools models and `tinyllm tool` may use. Optional: without it every tool a loaded plugin provides is available under its own name with its default settings.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "tools": {
      "description": "Tool instances. An entry whose name is a tool component's name replaces that tool's defaults.",
      "type": "array",
      "default": [],
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
          "name": {
            "description": "The name models call the tool by and `tinyllm tool NAME` uses: [a-zA-Z0-9_-]+, unique.",
            "type": "string",
            "pattern": "^[a-zA-Z0-9_-]+$"
          },
          "type": {
            "description": "The tool component, provided by a plugin (`tinyllm plugins list`). Default: the same as name.",
            "type": "string",
            "minLength": 1
          },
          "description": {
            "description": "What models read to decide when to call the tool. Default: the plugin's description.",
            "type": "string",
            "minLength": 1
          },
          "enabled": {
            "description": "false hides the tool from models and `tinyllm tool`.",
            "type": "boolean",
            "default": true
          },
          "config": {
            "description": "Settings of the tool, checked against the plugin's own config schema (`tinyllm plugins inspect`).",
            "type": "object",
            "default": {}
          }
        }
      }
    }
  }
})json";

const Schema &tools_schema() {
    static const Schema schema(schema_text, "tools.yaml schema");
    return schema;
}

ToolConfig parse_tool(const ConfigFile &file, rapidjson::SizeType index) {
    const std::string pointer = "/tools/" + std::to_string(index);
    const json::Value &entry = file.root()["tools"][index];
    ToolConfig tool;
    tool.name = json::get_string(entry, "name").value_or("");
    tool.type = json::get_string(entry, "type").value_or(tool.name);
    tool.description = json::get_string(entry, "description");
    tool.enabled = json::get_bool(entry, "enabled").value_or(true);
    tool.config = file.share(entry["config"]);
    tool.config_source = file.at(pointer + "/config");
    tool.location = file.at(pointer).location();
    return tool;
}

} // namespace

const ToolConfig *ToolsConfig::find(std::string_view name) const {
    return find_named(tools, name);
}

std::string_view tools_schema_text() {
    return schema_text;
}

ToolsConfig load_tools_config(const std::filesystem::path &path) {
    ToolsConfig config;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return config;
    const ConfigFile file =
        load_config_file(path, tools_schema(), [](const std::string &) { return std::nullopt; });
    config.source = path;
    for (rapidjson::SizeType i = 0; i < file.root()["tools"].Size(); ++i) {
        config.tools.push_back(parse_tool(file, i));
    }
    check_unique_names(file, config.tools, "tools", "tool");
    return config;
}

} // namespace tinyllm::config
