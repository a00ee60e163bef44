// Loading config/graphs/*.yaml into a GraphDef: the schema (types, defaults, unknown keys), then
// the cross-checks that need the whole file (unique node ids, known node names, edge rules,
// conditions that parse). Everything that needs plugins is left to build_graph().
#pragma once

#include "config/semver.hpp"
#include "graph/graph.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace tinyllm::graph {

// The JSON Schema (draft-04) of a graph file: every key with its description and default.
std::string_view graph_schema_text();

// Load and check `path`. Throws Error(ErrorCode::config) "file:line:col: path: message" for the
// first problem: a schema violation, a duplicate node id, an edge, entry or exit naming an
// unknown node, an exit node with outgoing edges, two "else" edges from one node, a condition
// that does not parse (pointing at the offending character), a version that is not semver.
GraphDef load_graph_def(const std::filesystem::path &path);
// The same checks for a graph held as text (a stored version, a mutation's candidate); `name`
// stands for the file in messages ("default@3.1.0:12:5: ...").
GraphDef load_graph_def_text(std::string text, const std::filesystem::path &name);

std::string_view to_string(JoinMode mode) noexcept;
std::optional<JoinMode> parse_join_mode(std::string_view text) noexcept;

using config::is_semver; // graph versions are semantic versions

} // namespace tinyllm::graph
