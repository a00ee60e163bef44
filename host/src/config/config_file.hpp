// The steps every config file goes through: read the YAML, fill in the schema's defaults, apply
// environment overrides, validate. What is left is a valid document and its positions.
#pragma once

#include "config/env.hpp"
#include "config/schema.hpp"
#include "config/source_map.hpp"

#include "tinyllm/json.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tinyllm::config {

struct ConfigFile {
    std::filesystem::path path;
    // Shared and immutable once loaded: typed configs hand out pointers into it (a backend's
    // `config`, a model's `options`) that keep it alive.
    std::shared_ptr<const json::Document> document;
    std::shared_ptr<const SourceMap> positions;
    std::vector<EnvOverride> env_overrides;

    const json::Value &root() const { return *document; }
    // A node of the file: its positions and pointer.
    Located at(std::string pointer = "") const { return {positions, std::move(pointer)}; }
    // A sub-value that keeps the whole document alive.
    std::shared_ptr<const json::Value> share(const json::Value &node) const {
        return {document, &node};
    }
};

// An empty file counts as an empty mapping, so that a file of comments means "all defaults".
ConfigFile load_config_file(const std::filesystem::path &path, const Schema &schema,
                            const Getenv &getenv);
// The same for text already read (or kept elsewhere: a stored graph version); `path` names it
// in messages.
ConfigFile load_config_text(std::string_view text, const std::filesystem::path &path,
                            const Schema &schema, const Getenv &getenv);

} // namespace tinyllm::config
