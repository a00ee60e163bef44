// The static route analysis of edge conditions (graph/route_check.hpp): the literals a condition
// compares `route` with, the routes it may accept, and the check of a node's declared routes
// against its edges.
#include "graph/route_check.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tinyllm::graph {
namespace {

using Set = std::set<std::string>;

std::optional<Set> accepts(const std::string &condition) {
    return route_test(Condition::parse(condition)).accepts;
}

// "value@offset" per literal, in order.
std::vector<std::string> literals(const std::string &condition) {
    std::vector<std::string> out;
    for (const RouteLiteral &l : route_test(Condition::parse(condition)).literals)
        out.push_back(l.value + "@" + std::to_string(l.offset));
    return out;
}

using Strings = std::vector<std::string>;

// ---- Accepted routes, per operator ------------------------------------------------------------

TEST(RouteCheckAccepts, EqualityEitherWayRound) {
    EXPECT_EQ(accepts(R"(route == "math")"), Set{"math"});
    EXPECT_EQ(accepts(R"("math" == route)"), Set{"math"});
    EXPECT_EQ(accepts(R"(route == 'code')"), Set{"code"});
    // Routes are strings: any other literal holds for none of them.
    EXPECT_EQ(accepts("route == null"), Set{});
    EXPECT_EQ(accepts("route == 3"), Set{});
}

TEST(RouteCheckAccepts, MembershipOfAList) {
    EXPECT_EQ(accepts(R"(route in ["retry", "escalate"])"), (Set{"retry", "escalate"}));
    EXPECT_EQ(accepts(R"(route in ["a", 1, null])"), Set{"a"});
    EXPECT_EQ(accepts("route in []"), Set{});
}

TEST(RouteCheckAccepts, WhatCannotBeProvenIsAny) {
    for (const char *condition : {
             R"(route != "math")",
             R"(route not in ["a", "b"])",
             R"(not route == "math")",
             R"(!(route == "math"))",
             "route",                   // a truth test
             "route in data.routes",    // a field: unknown at build time
             R"("ma" in route)",        // a substring
             R"(route < "m")",          // an order
             R"(route == data.route)",  // another field
             R"(data.route == "math")", // not the route
             R"(data.router.route == "math")",
             "attempt < 3",
             R"((route == "a") == true)",
         }) {
        EXPECT_EQ(accepts(condition), std::nullopt) << condition;
    }
}

// ---- and / or / not ---------------------------------------------------------------------------

TEST(RouteCheckAccepts, AndIntersectsAndIgnoresOperandsThatSayNothing) {
    EXPECT_EQ(accepts(R"(route in ["retry", "escalate"] and data.router.route == "math")"),
              (Set{"retry", "escalate"}));
    EXPECT_EQ(accepts(R"(route in ["a", "b", "c"] && route in ["b", "c", "d"])"), (Set{"b", "c"}));
    EXPECT_EQ(accepts(R"(route == "a" and route == "b")"), Set{});
    EXPECT_EQ(accepts(R"(attempt < 3 and route != "x")"), std::nullopt);
    EXPECT_EQ(accepts(R"(route == "a" and attempt < 3 and route in ["a", "b"])"), Set{"a"});
}

TEST(RouteCheckAccepts, OrUnitesUnlessAnOperandMayHoldForAnyRoute) {
    EXPECT_EQ(accepts(R"(route == "a" or route == "b")"), (Set{"a", "b"}));
    EXPECT_EQ(accepts(R"(route == "a" || route in ["c", "d"])"), (Set{"a", "c", "d"}));
    EXPECT_EQ(accepts(R"(route == "a" or attempt > 2)"), std::nullopt);
    EXPECT_EQ(accepts(R"(route == "a" or route != "b")"), std::nullopt);
}

TEST(RouteCheckAccepts, NestedGroups) {
    EXPECT_EQ(accepts(R"((route == "a" or route == "b") and (route == "b" or route == "c"))"),
              Set{"b"});
    EXPECT_EQ(accepts(R"((route == "a" and attempt < 3) or route == "b")"), (Set{"a", "b"}));
    EXPECT_EQ(accepts(R"(not (route == "a" or route == "b"))"), std::nullopt);
    EXPECT_EQ(accepts(R"(not data.x and route == "a")"), Set{"a"});
}

// ---- Literals -----------------------------------------------------------------------------------

TEST(RouteCheckLiterals, EveryComparisonWithRouteInTextOrder) {
    EXPECT_EQ(literals(R"(route == "math")"), Strings{"math@9"});
    EXPECT_EQ(literals(R"("math" == route)"), Strings{"math@0"});
    EXPECT_EQ(literals(R"(route != "x")"), Strings{"x@9"});
    // A list's elements each, at the list's '['.
    EXPECT_EQ(literals(R"(route in ["a", "b"])"), (Strings{"a@9", "b@9"}));
    EXPECT_EQ(literals(R"(route not in ["a"])"), Strings{"a@13"});
}

TEST(RouteCheckLiterals, AnywhereUnderAndOrNot) {
    EXPECT_EQ(literals(R"(not (route == "a" or attempt > 1) and route in ["b"] || "c" == route)"),
              (Strings{"a@14", "b@47", "c@56"}));
    EXPECT_EQ(literals(R"((route == "a") == true)"), Strings{"a@10"});
}

TEST(RouteCheckLiterals, OnlyStringsComparedWithTheRouteField) {
    EXPECT_EQ(literals(R"(data.route == "a" and route == 3 and route in [1, null])"), Strings{});
    EXPECT_EQ(literals(R"("ma" in route or route < "m" or route == data.x)"), Strings{});
    EXPECT_FALSE(route_test(Condition::parse("attempt < 3")).constrains_route());
    EXPECT_TRUE(route_test(Condition::parse("route in []")).constrains_route());
}

// ---- Declared routes against edges ------------------------------------------------------------

Edge when(const std::string &condition) {
    Edge edge;
    edge.when = Condition::parse(condition);
    return edge;
}
Edge else_edge() {
    Edge edge;
    edge.is_else = true;
    return edge;
}

const Strings routes = {"math", "code", "general"};

TEST(RouteCheckRoutes, EveryDeclaredRouteTakenAndKnownIsFine) {
    EXPECT_EQ(check_routes(routes, std::vector<Edge>{when(R"(route == "math")"),
                                                     when(R"(route in ["code", "general"])")}),
              std::nullopt);
    EXPECT_EQ(check_routes(routes, std::vector<Edge>{when(R"(route == "math")"), else_edge()}),
              std::nullopt);
    EXPECT_EQ(check_routes(routes, std::vector<Edge>{when(R"(route == "math")"), Edge{}}),
              std::nullopt);
    EXPECT_EQ(check_routes(routes, std::vector<Edge>{when(R"(route == "math")"),
                                                     when(R"(route != "math")")}),
              std::nullopt);
}

TEST(RouteCheckRoutes, AnUnknownLiteralIsFoundFirst) {
    const auto problem = check_routes(
        routes, std::vector<Edge>{when(R"(route == "math")"), when(R"(route in ["code", "gen"])")});
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->kind, RouteProblem::Kind::unknown_route);
    EXPECT_EQ(problem->route, "gen");
    EXPECT_EQ(problem->edge, 1u);
    EXPECT_EQ(problem->offset, 9u);
    // Also in a test that accepts nothing (`!=`).
    EXPECT_EQ(
        check_routes(routes, std::vector<Edge>{when(R"(route != "maths")"), else_edge()})->route,
        "maths");
}

TEST(RouteCheckRoutes, ADeclaredRouteNoEdgeTakes) {
    const auto problem = check_routes(
        routes, std::vector<Edge>{when(R"(route == "math")"), when(R"(route == "code")")});
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->kind, RouteProblem::Kind::untaken_route);
    EXPECT_EQ(problem->route, "general");
    // An `and` narrowing the route away.
    const auto narrowed = check_routes(
        {"a", "b"}, std::vector<Edge>{when(R"(route == "a")"),
                                      when(R"(route in ["a", "b"] and route == "a")")});
    ASSERT_TRUE(narrowed);
    EXPECT_EQ(narrowed->route, "b");
}

TEST(RouteCheckRoutes, AnExitIsNotAskedToRouteAnywhere) {
    EXPECT_EQ(check_routes(routes, std::vector<Edge>{}), std::nullopt);
}

TEST(RouteCheckRoutes, NoDeclaredRoutesMakesEveryLiteralUnknown) {
    const auto problem = check_routes({}, std::vector<Edge>{when(R"(route == "a")"), else_edge()});
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->kind, RouteProblem::Kind::unknown_route);
    EXPECT_EQ(check_routes({}, std::vector<Edge>{when("attempt < 2")}), std::nullopt);
}

} // namespace
} // namespace tinyllm::graph
