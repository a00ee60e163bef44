#include "config/tools_config.hpp"

#include "config/config_file.hpp"
#include "config/named_entries.hpp"

namespace tinyllm::config {

namespace {

const std::string &schema_text() {
    static const std::string text =
        R"json({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "tools.yaml",
  "description": "The tools models and `tinyllm tool` may use. Optional: without it every tool a loaded plugin provides is available under its own name with its default settings.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "tools": )json" +
        component_entries_schema({"tool",
                                  "The name models call the tool by and `tinyllm tool NAME` uses",
                                  "What models read to decide when to call the tool."}) +
        "}}";
    return text;
}

const Schema &tools_schema() {
    static const Schema schema(schema_text(), "tools.yaml schema");
    return schema;
}

} // namespace

const ToolConfig *ToolsConfig::find(std::string_view name) const {
    return find_named(tools, name);
}

std::string_view tools_schema_text() {
    return schema_text();
}

ToolsConfig load_tools_config(const std::filesystem::path &path) {
    ToolsConfig config;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return config;
    const ConfigFile file =
        load_config_file(path, tools_schema(), [](const std::string &) { return std::nullopt; });
    config.source = path;
    config.tools = parse_component_entries(file, "tools", "tool");
    return config;
}

} // namespace tinyllm::config
