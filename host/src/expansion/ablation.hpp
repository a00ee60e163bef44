// Pruning's edit: a graph without one node, as a candidate for the same A/B gate as any other
// (`tinyllm expansion prune`). What goes with the node: the gates that only check it (a gate
// whose edges loop back to it), and the way requests reached it:
//   - a node no edge reaches: removed alone;
//   - a router's route target (every edge into it is `route == "NAME"` from one router): the
//     route is removed from the router (routes, rules, semantic examples and thresholds), so its
//     requests take the router's other routes; the router's default route is never removed;
//   - a step on a path (its edges, or its gates' pass edges, lead to one next node, without
//     conditions of its own): the edges into it go to that next node instead.
// The entry, the exits, and nodes whose way out branches are not removed (why_not says so).
#pragma once

#include "tinyllm/json.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tinyllm::expansion {

struct Ablation {
    std::optional<json::Document> graph; // the graph document without the node; none: why_not
    std::vector<std::string> removed;    // the node, then its gates
    std::string how;                     // one line: "route code removed from router", ...
    std::string why_not;
};

Ablation graph_without(const json::Value &graph, const std::string &node_id);

// "NAME" of an edge condition `route == "NAME"` (how a router's edges name their route), else "".
std::string route_of(const std::string &when);

} // namespace tinyllm::expansion
