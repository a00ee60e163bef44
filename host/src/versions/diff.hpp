// What changed between two versions of a graph, for people: nodes added, removed or changed
// (each changed setting with its old and new value), edges added or removed, and changes to the
// graph's own settings. Edges are compared by (from, to, when): an edge that moved is one removed
// and one added.
#pragma once

#include "tinyllm/json.hpp"

#include <string>
#include <vector>

namespace tinyllm::versions {

struct Change {
    enum class Kind { added, removed, changed };
    Kind kind = Kind::changed;
    std::string subject; // "node specialist.math", "edge router -> done", "limits.max_steps"
    std::string detail;  // "config.tools: [] -> [\"calculator\"]", or the node's type
};

// Graph documents as graph files hold them (defaults filled in). `version` is not compared.
std::vector<Change> diff_graphs(const json::Value &from, const json::Value &to);

// "+ node x (model)", "- edge a -> b [when]", "~ node x: config.tools: [] -> [...]"
std::string to_line(const Change &change);

} // namespace tinyllm::versions
