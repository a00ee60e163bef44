// config/models.yaml: the model servers (backends) and the models the graphs use.
#pragma once

#include "config/source_map.hpp"

#include "tinyllm/json.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

struct BackendConfig {
    std::string name; // unique among backends
    std::string type; // a backend component name provided by a plugin ("ollama")
    // The backend's own settings, a JSON object ({} when absent). It is NOT validated here: the
    // host checks it against the plugin's config_schema (with config::Schema, after
    // apply_defaults and apply_env_overrides on a copy), passing `config_source` so errors
    // still name file:line:column.
    std::shared_ptr<const json::Value> config;
    Located config_source;   // positions of `config` ("/backends/<i>/config" in models.yaml)
    SourceLocation location; // of the entry
};

struct ModelConfig {
    std::string name;               // what graphs and `--model` use; unique among models
    std::string model;              // the name on the server (defaults to `name`)
    std::string backend;            // one of the backends' names (defaults to the first backend)
    std::vector<std::string> roles; // tags nodes select models by (model: {role: math})
    double size = 0;                // parameters (1.5e9), from `size` or the tag; 0 = unknown
    // Server options passed through as they are (Ollama: temperature, num_ctx...): an object.
    std::shared_ptr<const json::Value> options;
    // "5m" or a number of seconds, passed through; null when not set.
    std::shared_ptr<const json::Value> keep_alive;
    std::optional<bool> think;
    SourceLocation location; // of the entry
};

// "1.5b" -> 1.5e9, "500m" -> 5e8 (case-insensitive); nullopt for anything else.
std::optional<double> parse_model_size(std::string_view text);

struct ModelsConfig {
    std::filesystem::path source; // the models.yaml it came from
    std::string default_model;    // a models[].name (defaults to the first model)
    std::vector<BackendConfig> backends;
    std::vector<ModelConfig> models;

    const BackendConfig *find_backend(std::string_view name) const;
    const ModelConfig *find_model(std::string_view name) const;

    // The models that have `role`, smallest first (by size when every one has a size, else in
    // the file's order), keeping only those of at least `min_size` parameters (0 = any; a model
    // of unknown size does not qualify). Empty when none.
    std::vector<std::string> role_ladder(std::string_view role, double min_size = 0) const;
    // Every role some model has, sorted.
    std::vector<std::string> roles() const;
};

// The JSON Schema of models.yaml (descriptions and defaults of every key).
std::string_view models_schema_text();

// Load and validate `path`: the schema, then the cross-checks (at least one backend and one
// model, unique names, known backends, a default_model that exists), each failing with
// Error(ErrorCode::config) naming file:line:column.
ModelsConfig load_models_config(const std::filesystem::path &path);

} // namespace tinyllm::config
