#include "config/judges_config.hpp"

#include "config/config_file.hpp"
#include "config/named_entries.hpp"

namespace tinyllm::config {

namespace {

const std::string &schema_text() {
    static const std::string text =
        R"json({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "judges.yaml",
  "description": "The judges that grade answers (`tinyllm grade`, a gate's judge rule, `tinyllm eval`). Optional: without it every judge a loaded plugin provides is available under its own name with its default settings, and the default judge is rules.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "default_judge": {
      "description": "The judge used when a command or a gate names none: one of judges[].name or a judge component's name.",
      "type": "string",
      "minLength": 1,
      "default": "rules"
    },
    "judges": )json" +
        component_entries_schema({"judge",
                                  "The name `tinyllm grade --judge NAME`, gates and evaluations "
                                  "use",
                                  "One line shown by `tinyllm judges list`."}) +
        "}}";
    return text;
}

const Schema &judges_schema() {
    static const Schema schema(schema_text(), "judges.yaml schema");
    return schema;
}

} // namespace

const JudgeConfig *JudgesConfig::find(std::string_view name) const {
    return find_named(judges, name);
}

std::string_view judges_schema_text() {
    return schema_text();
}

JudgesConfig load_judges_config(const std::filesystem::path &path) {
    JudgesConfig config;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return config;
    const ConfigFile file =
        load_config_file(path, judges_schema(), [](const std::string &) { return std::nullopt; });
    config.source = path;
    config.default_judge = json::get_string(file.root(), "default_judge").value_or("rules");
    config.judges = parse_component_entries(file, "judges", "judge");
    return config;
}

} // namespace tinyllm::config
