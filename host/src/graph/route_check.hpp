// Checking the routes a node declares (runtime::Node::routes) against the conditions of its
// outgoing edges, statically, when a graph is built: an edge testing a route the node never
// returns is a typo waiting to dead-end a run, and a declared route no edge takes is a run that
// will dead-end the first time the node returns it.
#pragma once

#include "graph/graph.hpp"

#include <cstddef>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace tinyllm::graph {

// A string the condition compares the field `route` with.
struct RouteLiteral {
    std::string value;
    size_t offset = 0; // of the literal in the condition text (for a list, its '[')
};

// What a condition says about `route`.
struct RouteTest {
    // Every string compared with `route` anywhere in the condition (==, !=, in, not in, either
    // side of == and !=), in text order.
    std::vector<RouteLiteral> literals;
    // The routes for which the condition may hold; nullopt = it may hold for any route.
    // Conservative: a route is left out only when the condition is provably false for it.
    std::optional<std::set<std::string>> accepts;
    // The condition holds exactly for the routes in `accepts`: it tests nothing but the route
    // (==, in, and/or of such tests). An edge without a condition, or else, is exact too.
    bool exact = false;

    // Whether the condition says anything about `route` at all.
    bool constrains_route() const { return !literals.empty() || accepts.has_value(); }
};

// `route == "x"` accepts {x}, `route in [..]` the list's strings, `and` the intersection of its
// operands' sets (operands that say nothing about the route are left out), `or` their union
// (any, if one operand may hold for any route); `not`, `!=`, `not in` and the rest: any.
RouteTest route_test(const Condition &condition);

// The analysis of an edge: an edge without a condition or an `else` edge accepts any route.
RouteTest route_test(const Edge &edge);

// The first mismatch between a node's declared routes and its outgoing edges.
struct RouteProblem {
    enum class Kind {
        unknown_route, // edges[edge] compares route with `route`, which the node never returns
        untaken_route, // no edge may be taken when the node returns `route`
    };
    Kind kind;
    std::string route;
    size_t edge = 0;   // unknown_route: the index into `out`
    size_t offset = 0; // unknown_route: the literal's offset in the edge's condition
};

// Checks `declared` against `out` (a node's edges, in the order written): first every literal of
// every edge, then, unless `out` is empty (an exit: its route ends the run), every declared route.
std::optional<RouteProblem> check_routes(const std::vector<std::string> &declared,
                                         std::span<const Edge> out);

// Whether, for every declared route, an edge is certainly taken (an exact route test that
// accepts it, an unconditional edge or else): the node cannot dead-end.
bool routes_always_taken(const std::vector<std::string> &declared, std::span<const Edge> out);

} // namespace tinyllm::graph
