// Pruning's edit (expansion/ablation.hpp): a graph without one node, with its gates and the way
// requests reached it, for each shape a node can have; and the nodes it refuses to remove.
#include "expansion/ablation.hpp"

#include "tinyllm/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::expansion {
namespace {

using ::testing::ElementsAre;

// A router over three routes, each to a specialist checked by a gate, then an exit; a step
// between the router and the entry; and a node nothing reaches.
const char *kGraph = R"({
  "id": "g", "version": "1.0.0", "entry": "clean", "exits": ["done"],
  "nodes": [
    {"id": "clean", "type": "transform"},
    {"id": "router", "type": "router", "config": {
        "routes": ["math", "code", "general"], "default": "general",
        "rules": {"math": {"keywords": ["sum"]}, "code": {"keywords": ["python"]}},
        "semantic": {"examples": {"code": ["write python"]}, "thresholds": {"code": 0.8}}}},
    {"id": "math", "type": "model"},
    {"id": "math_check", "type": "gate"},
    {"id": "code", "type": "model"},
    {"id": "general", "type": "model"},
    {"id": "orphan", "type": "model"},
    {"id": "done", "type": "passthrough"}
  ],
  "edges": [
    {"from": "clean", "to": "router"},
    {"from": "router", "to": "math", "when": "route == \"math\""},
    {"from": "router", "to": "code", "when": "route == \"code\""},
    {"from": "router", "to": "general", "when": "route == \"general\""},
    {"from": "math", "to": "math_check"},
    {"from": "math_check", "to": "done", "when": "route == \"pass\""},
    {"from": "math_check", "to": "math", "when": "route in [\"retry\", \"escalate\"]"},
    {"from": "code", "to": "done"},
    {"from": "general", "to": "done"},
    {"from": "orphan", "to": "done"}
  ]
})";

std::vector<std::string> ids(const json::Value &graph, const char *list, const char *key) {
    std::vector<std::string> out;
    for (const json::Value &v : graph[list].GetArray())
        out.emplace_back(v[key].GetString());
    return out;
}

std::vector<std::string> edges(const json::Value &graph) {
    std::vector<std::string> out;
    for (const json::Value &e : graph["edges"].GetArray())
        out.push_back(std::string(e["from"].GetString()) + ">" + e["to"].GetString());
    return out;
}

TEST(Ablation, ARouteTargetGoesWithItsGateAndItsRoute) {
    const json::Document g = json::parse(kGraph, "graph");
    const Ablation a = graph_without(g, "math");
    ASSERT_TRUE(a.graph) << a.why_not;
    EXPECT_THAT(a.removed, ElementsAre("math", "math_check"));
    EXPECT_EQ(a.how, "route math removed from router");
    const json::Value &r = (*a.graph)["nodes"][1]["config"];
    EXPECT_EQ(json::to_string(r["routes"]), R"(["code","general"])");
    EXPECT_FALSE(r["rules"].HasMember("math"));
    EXPECT_THAT(ids(*a.graph, "nodes", "id"),
                ElementsAre("clean", "router", "code", "general", "orphan", "done"));
    EXPECT_THAT(edges(*a.graph), ElementsAre("clean>router", "router>code", "router>general",
                                             "code>done", "general>done", "orphan>done"));
    // The source is untouched.
    EXPECT_EQ(g["nodes"].Size(), 8u);
}

TEST(Ablation, ARoutesSemanticExamplesGoToo) {
    const json::Document g = json::parse(kGraph, "graph");
    const Ablation a = graph_without(g, "code");
    ASSERT_TRUE(a.graph) << a.why_not;
    const json::Value &r = (*a.graph)["nodes"][1]["config"];
    // Its examples were the only ones: the semantic stage goes with them.
    EXPECT_FALSE(r.HasMember("semantic"));
    EXPECT_FALSE(r["rules"].HasMember("code"));
}

TEST(Ablation, ANodeNothingReachesIsRemovedAlone) {
    const json::Document g = json::parse(kGraph, "graph");
    const Ablation a = graph_without(g, "orphan");
    ASSERT_TRUE(a.graph) << a.why_not;
    EXPECT_EQ(a.how, "no edge reaches it");
    EXPECT_EQ(edges(*a.graph).size(), 9u);
}

TEST(Ablation, AStepOnAPathIsBridgedPastItsGate) {
    // a -> b (checked by b_check) -> c: without b, a leads to c.
    const json::Document g = json::parse(R"({
      "id": "g", "version": "1.0.0", "entry": "a", "exits": ["c"],
      "nodes": [{"id": "a", "type": "router"}, {"id": "b", "type": "model"},
                {"id": "b_check", "type": "gate"}, {"id": "c", "type": "passthrough"}],
      "edges": [{"from": "a", "to": "b", "when": "route != \"skip\""},
                {"from": "b", "to": "b_check"},
                {"from": "b_check", "to": "c", "when": "route == \"pass\""},
                {"from": "b_check", "to": "b", "when": "route == \"retry\""}]
    })",
                                         "graph");
    const Ablation a = graph_without(g, "b");
    ASSERT_TRUE(a.graph) << a.why_not;
    EXPECT_THAT(a.removed, ElementsAre("b", "b_check"));
    EXPECT_EQ(a.how, "its incoming edges lead to c instead");
    EXPECT_THAT(edges(*a.graph), ElementsAre("a>c"));
    EXPECT_EQ(std::string((*a.graph)["edges"][0]["when"].GetString()), "route != \"skip\"");
}

TEST(Ablation, TheEntryExitsDefaultRouteAndBranchingNodesStay) {
    const json::Document g = json::parse(kGraph, "graph");
    EXPECT_EQ(graph_without(g, "clean").why_not, "it is the graph's entry");
    EXPECT_EQ(graph_without(g, "done").why_not, "it is an exit");
    EXPECT_EQ(graph_without(g, "general").why_not, "it is router router's default route");
    EXPECT_EQ(graph_without(g, "nope").why_not, "the graph has no node nope");
    // The router branches: removing it would have to choose a route.
    EXPECT_EQ(graph_without(g, "router").why_not, "its way out branches");
}

} // namespace
} // namespace tinyllm::expansion
