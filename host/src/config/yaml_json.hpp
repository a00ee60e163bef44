// Loads a YAML file into a RapidJSON document and remembers where every node came from.
//
// Scalars follow the YAML 1.2 core schema, so `level: off` stays the string "off" (yaml-cpp's
// own as<bool>() would read it as false): plain `true`/`false` are booleans, plain integers are
// int64 (decimal, 0x.., 0o..), plain floats are doubles, `null`/`~`/empty are null, and
// everything else - quoted scalars, `5m`, `qwen2.5:0.5b` - is a string. The tags !!str, !!int,
// !!float, !!bool and !!null force a type. Anchors, aliases and `<<` merge keys work.
// yaml-cpp silently keeps duplicate keys; they are reported here.
#pragma once

#include "config/source_map.hpp"

#include "tinyllm/json.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace tinyllm::config {

struct YamlDocument {
    json::Document value; // null for an empty file
    std::shared_ptr<const SourceMap> positions;
};

// Read and convert one file. Errors are Error(ErrorCode::config):
//   "config/models.yaml: cannot open: No such file or directory"
//   "models.yaml:3:7: <yaml-cpp's message>"          (malformed YAML)
//   "models.yaml:9:3: duplicate key \"name\" (first at line 7)"
//   "models.yaml:4:3: keys must be strings, got a sequence"
// The file name in messages is `path` as given.
YamlDocument load_yaml_file(const std::filesystem::path &path);

// The same for text already in memory; `file` names it in positions and messages.
YamlDocument parse_yaml(std::string_view text, const std::string &file);

// The bytes of a config file (config, graph, prompt files); Error(config) "PATH: cannot open:
// REASON" (or cannot read), or "PATH: larger than limits.max_file_bytes (N bytes)". Any kind of
// file is read (a pipe, `<(...)`) but never more than the limit, so /dev/zero or /dev/urandom
// end in that error; opening does not wait for a FIFO's writer (one without a writer reads as
// empty).
std::string read_text_file(const std::filesystem::path &path);

// The limit read_text_file applies, for the whole process: system.yaml's
// limits.max_file_bytes once it is loaded (system.yaml itself is read under the default).
inline constexpr size_t kDefaultMaxFileBytes = 4u << 20;
void set_max_file_bytes(size_t bytes) noexcept;
size_t max_file_bytes() noexcept;

} // namespace tinyllm::config
