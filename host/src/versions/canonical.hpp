// The identity of a graph's content: its document (defaults filled in) written with every
// object's members sorted by name and without `version`, so that reordering keys, adding
// comments or restating a default is the same graph, and a version label is not content.
#pragma once

#include "tinyllm/json.hpp"

#include <string>

namespace tinyllm::versions {

std::string canonical_json(const json::Value &graph);
// SHA-256 hex of canonical_json.
std::string content_hash(const json::Value &graph);

} // namespace tinyllm::versions
