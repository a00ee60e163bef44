#include "prompts/prompt_file.hpp"

#include "config/config_file.hpp"
#include "config/semver.hpp"
#include "tinyllm/prompt_template.hpp"

#include <algorithm>

namespace tinyllm::prompts {

namespace {

using config::ConfigFile;

constexpr const char *kSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "version", "template"],
  "properties": {
    "id": {"type": "string", "pattern": "^[a-z0-9_.-]+(/[a-z0-9_.-]+)*$",
           "description": "The prompt's id: its path under prompts/ without .yaml (specialists/math)."},
    "version": {"type": "string",
                "description": "Semantic version (1.2.0) of the prompt: change it with the text, so that runs and comparisons can tell versions apart."},
    "description": {"type": "string", "default": "", "description": "One line: what the prompt is for."},
    "model": {"type": "object", "additionalProperties": false, "default": {},
              "description": "What the prompt needs of its model (a node asking for no model gets one that has them).",
              "properties": {
                "role": {"type": "string", "pattern": "^[a-z0-9_.-]+$",
                         "description": "A models.yaml role (math): the role's ladder, smallest first."},
                "min_size": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?[mMbB]$",
                             "description": "The smallest model the prompt works with (1.5b, 500m)."}
              }},
    "system": {"type": "string", "default": "",
               "description": "The system prompt: a Mustache template over the variables."},
    "template": {"type": "string",
                 "description": "The user message: a Mustache template over the variables ({{input}})."},
    "variables": {"type": "object", "default": {},
                  "description": "Every variable the templates use: name -> {required, description}.",
                  "additionalProperties": {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                      "required": {"type": "boolean", "default": true,
                                   "description": "Rendering without it is an error (false: an absent value renders as nothing)."},
                      "description": {"type": "string", "default": ""}
                    }}},
    "format": {"type": ["string", "object"],
               "description": "\"json\" or a JSON Schema the answer must follow (Ollama structured output)."},
    "examples": {"type": "array", "default": [],
                 "description": "Few-shot pairs, sent as user/assistant messages before the request.",
                 "items": {"type": "object", "additionalProperties": false,
                           "required": ["input", "output"],
                           "properties": {"input": {"type": "string"}, "output": {"type": "string"}}}}
  }
})json";

const config::Schema &schema() {
    static const config::Schema s(kSchema, "prompt file schema");
    return s;
}

[[noreturn]] void fail(const ConfigFile &file, const std::string &pointer,
                       const std::string &message) {
    throw Error(ErrorCode::config, file.at().describe(pointer, message));
}

std::string string_at(const json::Value &root, const char *key) {
    return json::get_string(root, key).value_or("");
}

// A template that parses and reads only declared variables.
void check_template(const ConfigFile &file, const Prompt &p, const std::string &text,
                    const char *key) {
    std::vector<std::string> names;
    try {
        names = PromptTemplate(text, key).names();
    } catch (const Error &e) {
        std::string why = e.what();
        const std::string prefix = std::string(key) + ": ";
        if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
        fail(file, std::string("/") + key, why);
    }
    for (const std::string &name : names) {
        if (p.variable(name) != nullptr) continue;
        std::string declared;
        for (const Variable &v : p.variables)
            declared += (declared.empty() ? "" : ", ") + v.name;
        fail(file, std::string("/") + key,
             "uses the variable \"" + name + "\", which variables: does not declare (declared: " +
                 (declared.empty() ? "none" : declared) + ")");
    }
}

} // namespace

std::string_view prompt_schema_text() {
    return kSchema;
}

Prompt load_prompt_file(const std::filesystem::path &path, const std::string &expected_id) {
    // Prompt files have no environment overrides: a prompt means the same on every machine.
    const ConfigFile file =
        config::load_config_file(path, schema(), [](const std::string &) { return std::nullopt; });
    const json::Value &root = file.root();
    Prompt p;
    p.path = path;
    p.id = string_at(root, "id");
    if (p.id != expected_id) {
        fail(file, "/id",
             "\"" + p.id +
                 "\" is not the file's id: a prompt's id is its path under prompts/ "
                 "without .yaml (\"" +
                 expected_id + "\")");
    }
    p.version = string_at(root, "version");
    if (!config::is_semver(p.version)) {
        fail(file, "/version",
             "\"" + p.version + "\" is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)");
    }
    p.description = string_at(root, "description");
    p.system = string_at(root, "system");
    p.template_text = string_at(root, "template");
    if (const json::Value *vars = json::find(root, "variables")) {
        for (const auto &m : vars->GetObject()) {
            Variable v;
            v.name.assign(m.name.GetString(), m.name.GetStringLength());
            v.required = json::get_bool(m.value, "required").value_or(true);
            v.description = string_at(m.value, "description");
            p.variables.push_back(std::move(v));
        }
    }
    if (const json::Value *format = json::find(root, "format")) {
        if (format->IsString() && std::string_view(format->GetString()) != "json") {
            fail(file, "/format", "expected \"json\" or a JSON Schema object");
        }
        p.format_json = json::to_string(*format);
    }
    if (const json::Value *examples = json::find(root, "examples")) {
        for (const auto &e : examples->GetArray())
            p.examples.push_back({string_at(e, "input"), string_at(e, "output")});
    }
    if (const json::Value *model = json::find(root, "model")) {
        p.role = string_at(*model, "role");
        p.min_size = string_at(*model, "min_size");
    }
    check_template(file, p, p.system, "system");
    check_template(file, p, p.template_text, "template");
    return p;
}

const Variable *Prompt::variable(const std::string &name) const {
    const auto it = std::find_if(variables.begin(), variables.end(),
                                 [&](const Variable &v) { return v.name == name; });
    return it != variables.end() ? &*it : nullptr;
}

std::string to_json(const Prompt &p) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("id", json::string_value(p.id, a), a);
    doc.AddMember("version", json::string_value(p.version, a), a);
    doc.AddMember("description", json::string_value(p.description, a), a);
    doc.AddMember("system", json::string_value(p.system, a), a);
    doc.AddMember("template", json::string_value(p.template_text, a), a);
    json::Value vars(rapidjson::kObjectType);
    for (const Variable &v : p.variables) {
        json::Value var(rapidjson::kObjectType);
        var.AddMember("required", v.required, a);
        var.AddMember("description", json::string_value(v.description, a), a);
        vars.AddMember(json::string_value(v.name, a), var, a);
    }
    doc.AddMember("variables", vars, a);
    if (p.format_json) {
        json::Value format;
        format.CopyFrom(json::parse(*p.format_json, "format"), a);
        doc.AddMember("format", format, a);
    }
    json::Value examples(rapidjson::kArrayType);
    for (const Example &e : p.examples) {
        json::Value ex(rapidjson::kObjectType);
        ex.AddMember("input", json::string_value(e.input, a), a);
        ex.AddMember("output", json::string_value(e.output, a), a);
        examples.PushBack(ex, a);
    }
    doc.AddMember("examples", examples, a);
    json::Value model(rapidjson::kObjectType);
    if (!p.role.empty()) model.AddMember("role", json::string_value(p.role, a), a);
    if (!p.min_size.empty()) model.AddMember("min_size", json::string_value(p.min_size, a), a);
    doc.AddMember("model", model, a);
    doc.AddMember("path", json::string_value(p.path.string(), a), a);
    return json::to_string(doc);
}

} // namespace tinyllm::prompts
