#include "config/models_config.hpp"

#include "config/config_file.hpp"
#include "config/named_entries.hpp"
#include "config/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace tinyllm::config {

namespace {

constexpr std::string_view schema_text = R"json({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "models.yaml",
  "description": "The model servers TinyLLM talks to and the models its graphs use.",
  "type": "object",
  "additionalProperties": false,
  "required": ["backends", "models"],
  "properties": {
    "default_model": {
      "description": "The model used when a request names none; must be one of models[].name. Default: the first model.",
      "type": "string",
      "minLength": 1
    },
    "backends": {
      "description": "Model servers. At least one is required.",
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "type"],
        "properties": {
          "name": {
            "description": "A unique name that models[].backend refers to.",
            "type": "string",
            "minLength": 1
          },
          "type": {
            "description": "The backend component that talks to the server, provided by a plugin (e.g. \"ollama\").",
            "type": "string",
            "minLength": 1
          },
          "config": {
            "description": "Settings of the backend, checked against the plugin's own config schema (see `tinyllm plugins inspect`).",
            "type": "object",
            "default": {}
          }
        }
      }
    },
    "models": {
      "description": "The models graphs can use. At least one is required.",
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
          "name": {
            "description": "A unique name that graphs and `--model` use.",
            "type": "string",
            "minLength": 1
          },
          "model": {
            "description": "The model's name on the server. Default: the same as name.",
            "type": "string",
            "minLength": 1
          },
          "backend": {
            "description": "The backends[].name that serves the model. Default: the first backend.",
            "type": "string",
            "minLength": 1
          },
          "roles": {
            "description": "Tags nodes select models by (model: {role: math}); the models of a role, smallest first, are its ladder: a quality gate escalates a request up it.",
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": []
          },
          "size": {
            "description": "Parameter count (1.5b, 500m): orders a role's ladder and meets a prompt's min_size. Default: read from the name's tag (qwen2.5:1.5b), else unknown.",
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?[mMbB]$"
          },
          "options": {
            "description": "Options passed to the server as they are (Ollama: temperature, seed, num_ctx, num_predict, stop, top_k, top_p...).",
            "type": "object",
            "default": {}
          },
          "keep_alive": {
            "description": "How long the server keeps the model loaded after a request: a duration such as \"5m\", or seconds. Default: the server's.",
            "type": ["string", "number"]
          },
          "think": {
            "description": "Ask a thinking model to reason before answering (true) or not (false). Default: the model's behaviour.",
            "type": "boolean"
          }
        }
      }
    }
  }
})json";

const Schema &models_schema() {
    static const Schema schema(schema_text, "models.yaml schema");
    return schema;
}

std::string string_at(const json::Value &object, std::string_view key) {
    return json::get_string(object, key).value_or("");
}

std::string quoted(const std::string &text) {
    return "\"" + text + "\"";
}

[[noreturn]] void fail(const ConfigFile &file, const std::string &pointer,
                       const std::string &message) {
    throw Error(ErrorCode::config, file.at().describe(pointer, message));
}

BackendConfig parse_backend(const ConfigFile &file, rapidjson::SizeType index) {
    const std::string pointer = "/backends/" + std::to_string(index);
    const json::Value &entry = file.root()["backends"][index];
    BackendConfig backend;
    backend.name = string_at(entry, "name");
    backend.type = string_at(entry, "type");
    backend.config = file.share(entry["config"]);
    backend.config_source = file.at(pointer + "/config");
    backend.location = file.at(pointer).location();
    return backend;
}

// "qwen2.5:1.5b" -> "1.5b"; "llama3.2:3b-instruct-q4_K_M" -> "3b"; no tag -> "".
std::string tag_of(const std::string &name) {
    const size_t colon = name.rfind(':');
    if (colon == std::string::npos) return {};
    std::string tag = name.substr(colon + 1);
    return tag.substr(0, tag.find('-'));
}

ModelConfig parse_model(const ConfigFile &file, rapidjson::SizeType index) {
    const json::Value &entry = file.root()["models"][index];
    ModelConfig model;
    model.name = string_at(entry, "name");
    model.model = json::get_string(entry, "model").value_or(model.name);
    model.backend = string_at(entry, "backend"); // "" = the first backend, filled in later
    for (const json::Value &role : entry["roles"].GetArray()) {
        model.roles.emplace_back(role.GetString(), role.GetStringLength());
    }
    model.size = parse_model_size(json::get_string(entry, "size").value_or(""))
                     .value_or(parse_model_size(tag_of(model.model)).value_or(0));
    model.options = file.share(entry["options"]);
    if (const json::Value *keep_alive = json::find(entry, "keep_alive")) {
        model.keep_alive = file.share(*keep_alive);
    }
    model.think = json::get_bool(entry, "think");
    model.location = file.at("/models/" + std::to_string(index)).location();
    return model;
}

std::vector<std::string> names_of(const auto &entries) {
    std::vector<std::string> names;
    for (const auto &entry : entries)
        names.push_back(entry.name);
    return names;
}

// "unknown backend \"remot\" (did you mean \"remote\"?)" or "... (backends: a, b)".
std::string unknown_name(const std::string &noun, const std::string &name,
                         const std::vector<std::string> &known, const std::string &list) {
    return "unknown " + noun + " " + quoted(name) +
           did_you_mean(name, known, list, list + ": none");
}

void resolve_backends(const ConfigFile &file, ModelsConfig &config) {
    const std::vector<std::string> known = names_of(config.backends);
    for (size_t i = 0; i < config.models.size(); ++i) {
        ModelConfig &model = config.models[i];
        if (model.backend.empty()) {
            model.backend = config.backends.front().name;
        } else if (config.find_backend(model.backend) == nullptr) {
            fail(file, "/models/" + std::to_string(i) + "/backend",
                 unknown_name("backend", model.backend, known, "backends"));
        }
    }
}

void resolve_default_model(const ConfigFile &file, ModelsConfig &config) {
    const auto chosen = json::get_string(file.root(), "default_model");
    if (!chosen) {
        config.default_model = config.models.front().name;
        return;
    }
    if (config.find_model(*chosen) == nullptr) {
        fail(file, "/default_model",
             unknown_name("model", *chosen, names_of(config.models), "models"));
    }
    config.default_model = *chosen;
}

void require_entries(const ConfigFile &file, const char *list, const char *noun) {
    if (file.root()[list].Empty()) {
        fail(file, std::string("/") + list, std::string("at least one ") + noun + " is required");
    }
}

} // namespace

std::optional<double> parse_model_size(std::string_view text) {
    if (text.size() < 2) return std::nullopt;
    const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text.back())));
    if (unit != 'b' && unit != 'm') return std::nullopt;
    const std::string number(text.substr(0, text.size() - 1));
    if (number.empty() || number.find_first_not_of("0123456789.") != std::string::npos ||
        number.front() == '.' || std::count(number.begin(), number.end(), '.') > 1) {
        return std::nullopt;
    }
    return std::stod(number) * (unit == 'b' ? 1e9 : 1e6);
}

std::vector<std::string> ModelsConfig::role_ladder(std::string_view role, double min_size) const {
    std::vector<const ModelConfig *> ladder;
    for (const ModelConfig &m : models) {
        if (std::find(m.roles.begin(), m.roles.end(), role) == m.roles.end()) continue;
        if (min_size > 0 && m.size < min_size) continue; // an unknown size is not known to fit
        ladder.push_back(&m);
    }
    // Sizes order the ladder when every model has one; otherwise the file's order does.
    const bool sized =
        std::all_of(ladder.begin(), ladder.end(), [](const ModelConfig *m) { return m->size > 0; });
    if (sized) {
        std::stable_sort(
            ladder.begin(), ladder.end(),
            [](const ModelConfig *a, const ModelConfig *b) { return a->size < b->size; });
    }
    std::vector<std::string> names;
    for (const ModelConfig *m : ladder)
        names.push_back(m->name);
    return names;
}

std::vector<std::string> ModelsConfig::roles() const {
    std::vector<std::string> all;
    for (const ModelConfig &m : models) {
        for (const std::string &r : m.roles) {
            if (std::find(all.begin(), all.end(), r) == all.end()) all.push_back(r);
        }
    }
    std::sort(all.begin(), all.end());
    return all;
}

const BackendConfig *ModelsConfig::find_backend(std::string_view name) const {
    return find_named(backends, name);
}

const ModelConfig *ModelsConfig::find_model(std::string_view name) const {
    return find_named(models, name);
}

std::string_view models_schema_text() {
    return schema_text;
}

ModelsConfig load_models_config(const std::filesystem::path &path) {
    // models.yaml has no environment overrides; a backend's x-env belong to its plugin schema.
    const ConfigFile file =
        load_config_file(path, models_schema(), [](const std::string &) { return std::nullopt; });
    require_entries(file, "backends", "backend");
    require_entries(file, "models", "model");

    ModelsConfig config;
    config.source = path;
    for (rapidjson::SizeType i = 0; i < file.root()["backends"].Size(); ++i) {
        config.backends.push_back(parse_backend(file, i));
    }
    for (rapidjson::SizeType i = 0; i < file.root()["models"].Size(); ++i) {
        config.models.push_back(parse_model(file, i));
    }
    check_unique_names(file, config.backends, "backends", "backend");
    check_unique_names(file, config.models, "models", "model");
    resolve_backends(file, config);
    resolve_default_model(file, config);
    return config;
}

} // namespace tinyllm::config
