// Building graphs (graph/graph_builder.hpp) against the test node plugin: node types and configs,
// edges and conditions, reachability, exits, loop bounds, warnings and node instances.
#include "graph_test_support.hpp"

#include "config/suggest.hpp"
#include "runtime/call_context.hpp"
#include "tinyllm/json.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <vector>

namespace tinyllm::graph::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string at(const TempDir &dir, const std::string &line_col) {
    return (dir.path() / "graph.yaml").string() + ":" + line_col + ": ";
}

std::string build_error(const TempDir &dir, const std::string &yaml) {
    return config_error([&] { build_text(dir, yaml); });
}

// A graph of noop nodes: `nodes` are "{id: x}" items' ids, `edges` YAML flow items.
std::string noop_graph(const std::string &entry, const std::string &exits,
                       const std::vector<std::string> &nodes,
                       const std::vector<std::string> &edges) {
    std::string yaml = "id: g\nentry: " + entry + "\nexits: [" + exits + "]\nnodes:\n";
    for (const std::string &node : nodes)
        yaml += "  - {id: " + node + ", type: noop}\n";
    if (!edges.empty()) yaml += "edges:\n";
    for (const std::string &edge : edges)
        yaml += "  - " + edge + "\n";
    return yaml;
}

// ---- A good graph ---------------------------------------------------------------------------

TEST(GraphBuilder, BuildsTheRouterFixture) {
    const auto graph = build_graph(load_graph_def(fixture("router.yaml")), test_registry(), nullptr,
                                   BuildMode::definition);
    ASSERT_EQ(graph->nodes.size(), 4u);
    EXPECT_EQ(graph->entry, 0u);
    EXPECT_TRUE(graph->warnings.empty());
    const Node &classify = graph->nodes[0];
    EXPECT_EQ(classify.def, &graph->def.nodes[0]);
    EXPECT_EQ(classify.instance, nullptr);
    EXPECT_FALSE(classify.is_exit);
    ASSERT_EQ(classify.out.size(), 2u); // in the order written
    EXPECT_EQ(classify.out[0].to, 1u);
    ASSERT_TRUE(classify.out[0].when.has_value());
    EXPECT_EQ(classify.out[0].when->to_string(), "(route == \"math\")");
    EXPECT_FALSE(classify.out[0].is_else);
    EXPECT_EQ(classify.out[1].to, 2u);
    EXPECT_FALSE(classify.out[1].when.has_value());
    EXPECT_TRUE(classify.out[1].is_else);
    ASSERT_EQ(graph->nodes[1].out.size(), 1u);
    EXPECT_FALSE(graph->nodes[1].out[0].when.has_value());
    EXPECT_FALSE(graph->nodes[1].out[0].is_else);
    EXPECT_TRUE(graph->nodes[3].is_exit);
    EXPECT_TRUE(graph->nodes[3].out.empty());
}

TEST(GraphBuilder, FindsNodesById) {
    const auto graph = build_graph(load_graph_def(fixture("router.yaml")), test_registry(), nullptr,
                                   BuildMode::definition);
    ASSERT_NE(graph->find("general"), nullptr);
    EXPECT_EQ(graph->find("general")->index, 2u);
    EXPECT_EQ(graph->find("nope"), nullptr);
}

TEST(GraphBuilder, NodeConfigsGetTheirSchemaDefaults) {
    TempDir dir;
    const auto graph = build_text(dir, R"(id: g
entry: r
exits: [a]
nodes:
  - {id: r, type: route_by}
  - {id: a, type: fail, config: {times: 2}}
edges:
  - {from: r, to: a}
)");
    EXPECT_EQ(json::to_string(*graph->def.nodes[0].config), R"({"field":"content"})");
    EXPECT_EQ(json::to_string(*graph->def.nodes[1].config),
              R"({"times":2,"status":"unavailable","on_create":false})");
    // Still pointing at the file, for errors found later.
    EXPECT_EQ(graph->def.nodes[1].config_source.location().to_string(),
              (dir.path() / "graph.yaml").string() + ":6:33");
}

// A graph node's config is made as every component's is: an "x-env" property takes the
// variable's value over the file's, and the value is still checked against the schema.
TEST(GraphBuilder, NodeConfigsTakeTheirEnvironmentOverrides) {
    TempDir dir;
    const std::string yaml = "id: g\nentry: a\nexits: [a]\nnodes:\n"
                             "  - {id: a, type: append, config: {text: from-file}}\n";
    ::setenv("TINYLLM_TEST_APPEND_TEXT", "from-env", 1);
    const auto graph = build_text(dir, yaml);
    ::unsetenv("TINYLLM_TEST_APPEND_TEXT");
    EXPECT_EQ(json::to_string(*graph->def.nodes[0].config), R"({"text":"from-env"})");
    EXPECT_EQ(json::to_string(*build_text(dir, yaml)->def.nodes[0].config),
              R"({"text":"from-file"})");
}

// ---- Node types and configs -----------------------------------------------------------------

TEST(GraphBuilderErrors, UnknownNodeTypeSuggestsTheClosest) {
    const std::string message = config_error([] {
        build_graph(load_graph_def(fixture("unknown_type.yaml")), test_registry(), nullptr,
                    BuildMode::definition);
    });
    EXPECT_EQ(message, fixture("unknown_type.yaml").string() +
                           ":6:11: nodes[0].type: unknown node type \"appnd\" (did you mean "
                           "\"append\"?)");
}

TEST(GraphBuilderErrors, UnknownNodeTypeListsTheAvailableOnes) {
    TempDir dir;
    EXPECT_EQ(build_error(dir, "id: g\nentry: a\nexits: [a]\nnodes: [{id: a, type: model}]\n"),
              at(dir, "4:23") +
                  "nodes[0].type: unknown node type \"model\" (available: noop, "
                  "set, route_by, fail, sleep, gauge, throw, bad_json, fixed, append, "
                  "ask_model, use_tool, routes_fixed, raw_ok, raw_print, raw_throw, "
                  "raw_throw_create, raw_spin, "
                  "raw_segv, raw_abort, raw_segv_create, raw_abort_create, "
                  "raw_throw_activate, raw_spin_activate, raw_segv_activate, "
                  "raw_abort_activate, raw_fail_activate)");
}

TEST(GraphBuilderErrors, UnknownNodeTypeWithNoPlugins) {
    TempDir dir;
    const plugin::Registry empty;
    const std::string message = config_error([&] {
        build_graph(load_text(dir, "id: g\nentry: a\nexits: [a]\nnodes: [{id: a, type: noop}]\n"),
                    empty, nullptr, BuildMode::definition);
    });
    EXPECT_EQ(message, at(dir, "4:23") + "nodes[0].type: unknown node type \"noop\" (no loaded "
                                         "plugin provides node types)");
}

TEST(GraphBuilderErrors, NodeConfigIsCheckedAgainstTheComponentSchema) {
    TempDir dir;
    const std::string head = "id: g\nentry: a\nexits: [a]\nnodes:\n  - id: a\n    type: append\n";
    EXPECT_EQ(build_error(dir, head + "    config: {text: 5}\n"),
              at(dir, "7:20") + "nodes[0].config.text: expected string, got integer 5");
    EXPECT_EQ(build_error(dir, head + "    config:\n      txt: x\n"),
              at(dir, "8:7") + "nodes[0].config: unknown key \"txt\" (did you mean \"text\"?)");
    EXPECT_EQ(build_error(dir, "id: g\nentry: a\nexits: [a]\nnodes:\n  - id: a\n    type: fail\n"
                               "    config: {status: busy}\n"),
              at(dir, "7:22") + "nodes[0].config.status: must be one of: invalid_argument, "
                                "not_found, unavailable, timeout, cancelled, protocol, "
                                "unsupported, remote, internal (got \"busy\")");
}

// ---- Structure ------------------------------------------------------------------------------

TEST(GraphBuilderErrors, EveryNodeMustBeReachableFromTheEntry) {
    TempDir dir;
    EXPECT_EQ(build_error(dir, noop_graph("a", "c", {"a", "b", "c"},
                                          {"{from: a, to: c}", "{from: b, to: c}"})),
              at(dir, "6:5") + "nodes[1]: node \"b\" is not reachable from the entry node \"a\"");
}

TEST(GraphBuilderErrors, EveryNodeNeedsAPathToAnExit) {
    TempDir dir;
    // b is a dead end that is not an exit; c loops forever without a way out.
    EXPECT_EQ(build_error(dir, noop_graph("a", "d", {"a", "b", "d"},
                                          {"{from: a, to: b}", "{from: a, to: d}"})),
              at(dir, "6:5") + "nodes[1]: node \"b\" has no path to an exit node (exits: d)");
    EXPECT_EQ(build_error(dir, "id: g\nentry: a\nexits: [d]\nnodes:\n"
                               "  - {id: a, type: noop}\n  - {id: c, type: noop, max_visits: 2}\n"
                               "  - {id: d, type: noop}\n"
                               "edges:\n  - {from: a, to: d}\n  - {from: a, to: c}\n"
                               "  - {from: c, to: c}\n"),
              at(dir, "6:5") + "nodes[1]: node \"c\" has no path to an exit node (exits: d)");
}

TEST(GraphBuilderCycles, SelfLoopWithoutMaxVisitsIsUnbounded) {
    TempDir dir;
    EXPECT_EQ(build_error(dir, noop_graph("a", "b", {"a", "b"},
                                          {"{from: a, to: a, when: again}", "{from: a, to: b}"})),
              at(dir, "8:5") + "edges[0]: unbounded cycle a → a: set max_visits on one of its "
                               "nodes");
}

TEST(GraphBuilderCycles, TwoNodeCycleNamesTheEdgeThatClosesIt) {
    const std::string message = config_error([] {
        build_graph(load_graph_def(fixture("unbounded_cycle.yaml")), test_registry(), nullptr,
                    BuildMode::definition);
    });
    EXPECT_EQ(message, fixture("unbounded_cycle.yaml").string() +
                           ":10:5: edges[1]: unbounded cycle a → b → a: set max_visits on one "
                           "of its nodes");
}

TEST(GraphBuilderCycles, MaxVisitsOnAnyNodeOfTheCycleBoundsIt) {
    EXPECT_NO_THROW(build_graph(load_graph_def(fixture("loop.yaml")), test_registry(), nullptr,
                                BuildMode::definition));
    TempDir dir;
    // a → b → c → a with the bound on c, the last node of the walk.
    const auto graph = build_text(dir, R"(id: g
entry: a
exits: [d]
nodes:
  - {id: a, type: noop}
  - {id: b, type: noop}
  - {id: c, type: route_by, max_visits: 5}
  - {id: d, type: noop}
edges:
  - {from: a, to: b}
  - {from: b, to: c}
  - {from: c, to: a, when: route == "again"}
  - {from: c, to: d, when: else}
)");
    EXPECT_EQ(graph->nodes.size(), 4u);
}

TEST(GraphBuilderCycles, AnUnboundedInnerCycleInsideABoundedOuterOneIsFound) {
    TempDir dir;
    // Outer loop a → b → c → a is bounded by a; the inner b → c → b avoids a.
    const std::string yaml = R"(id: g
entry: a
exits: [d]
nodes:
  - {id: a, type: noop, max_visits: 3}
  - {id: b, type: noop}
  - {id: c, type: route_by}
  - {id: d, type: noop}
edges:
  - {from: a, to: b}
  - {from: b, to: c}
  - {from: c, to: b, when: route == "inner"}
  - {from: c, to: a, when: route == "outer"}
  - {from: c, to: d, when: else}
)";
    EXPECT_EQ(build_error(dir, yaml),
              at(dir, "12:5") + "edges[2]: unbounded cycle b → c → b: set max_visits on one of "
                                "its nodes");
    // Bounding the inner loop too makes it fine.
    std::string bounded = yaml;
    bounded.replace(bounded.find("{id: b, type: noop}"), 19, "{id: b, type: noop, max_visits: 4}");
    EXPECT_NO_THROW(build_text(dir, bounded));
}

TEST(GraphBuilderCycles, AcyclicDiamondsAreNotCycles) {
    TempDir dir;
    EXPECT_NO_THROW(
        build_text(dir, noop_graph("a", "d", {"a", "b", "c", "d"},
                                   {"{from: a, to: b}", "{from: a, to: c}", "{from: b, to: d}",
                                    "{from: c, to: d}", "{from: b, to: c}"})));
}

// ---- Warnings -------------------------------------------------------------------------------

TEST(GraphBuilderWarnings, AllConditionalEdgesWithoutElseMayDeadEnd) {
    TempDir dir;
    const auto graph = build_text(dir, R"(id: g
entry: r
exits: [a, b]
nodes:
  - {id: r, type: route_by}
  - {id: a, type: noop}
  - {id: b, type: noop}
edges:
  - {from: r, to: a, when: route == "a"}
  - {from: r, to: b, when: route == "b"}
)");
    ASSERT_EQ(graph->warnings.size(), 1u);
    EXPECT_EQ(graph->warnings[0], at(dir, "5:5") + "nodes[0]: node \"r\" may dead-end at run "
                                                   "time: all its outgoing edges have "
                                                   "conditions and none is \"else\"");
}

TEST(GraphBuilderWarnings, AnUnconditionalOrElseEdgeIsAWayOut) {
    TempDir dir;
    const std::string head = "id: g\nentry: r\nexits: [a, b]\nnodes:\n  - {id: r, type: noop}\n"
                             "  - {id: a, type: noop}\n  - {id: b, type: noop}\nedges:\n"
                             "  - {from: r, to: a, when: route == \"a\"}\n";
    EXPECT_TRUE(build_text(dir, head + "  - {from: r, to: b}\n")->warnings.empty());
    EXPECT_TRUE(build_text(dir, head + "  - {from: r, to: b, when: else}\n")->warnings.empty());
}

TEST(GraphBuilderWarnings, AJoinThatNoFanOutReachesTwice) {
    TempDir dir;
    const auto graph = build_text(dir, R"(id: g
entry: a
exits: [b]
nodes:
  - {id: a, type: noop}
  - {id: b, type: noop, join: all}
edges:
  - {from: a, to: b}
)");
    ASSERT_EQ(graph->warnings.size(), 1u);
    EXPECT_EQ(graph->warnings[0],
              at(dir, "6:31") + "nodes[1].join: node \"b\" is a join, but no fan-out reaches it "
                                "by two or more paths, so it has nothing to wait for");
}

TEST(GraphBuilderWarnings, AJoinAfterAFanOutIsFine) {
    const auto graph = build_graph(load_graph_def(fixture("fanout.yaml")), test_registry(), nullptr,
                                   BuildMode::definition);
    EXPECT_TRUE(graph->warnings.empty());
    TempDir dir;
    // The branches may be longer than one edge, and may be conditional.
    const auto longer = build_text(dir, R"(id: g
entry: s
exits: [j]
nodes:
  - {id: s, type: route_by}
  - {id: l1, type: noop}
  - {id: l2, type: noop}
  - {id: r, type: noop}
  - {id: j, type: noop, join: first_success}
edges:
  - {from: s, to: l1, when: route == "left"}
  - {from: s, to: r, when: else}
  - {from: l1, to: l2}
  - {from: l2, to: j}
  - {from: r, to: j}
)");
    EXPECT_TRUE(longer->warnings.empty());
}

// ---- Declared routes ----------------------------------------------------------------------------

// A router r (routes_fixed declaring `routes`) with one edge per `edges` item ("to: when", or
// "to" alone for an unconditional edge), each to an exit node of that name. Line 5 is r's entry,
// the edges start after one line per exit.
std::string router_graph(const std::string &routes, const std::vector<std::string> &edges) {
    std::vector<std::string> exits;
    std::string edge_lines;
    for (const std::string &edge : edges) {
        const size_t colon = edge.find(':');
        const std::string to = edge.substr(0, colon);
        if (std::find(exits.begin(), exits.end(), to) == exits.end()) exits.push_back(to);
        edge_lines += colon == std::string::npos
                          ? "  - {from: r, to: " + to + "}\n"
                          : "  - {from: r, to: " + to + ", when: " + edge.substr(colon + 2) + "}\n";
    }
    std::string yaml = "id: g\nentry: r\nexits: [" + config::join(exits) + "]\nnodes:\n" +
                       "  - id: r\n    type: routes_fixed\n    config: {routes: [" + routes +
                       "]}\n";
    for (const std::string &exit : exits)
        yaml += "  - {id: " + exit + ", type: noop}\n";
    return yaml + "edges:\n" + edge_lines;
}

TEST(GraphBuilderRoutes, AGoodRouterBuildsWithAndWithoutInstances) {
    TempDir dir;
    const std::string yaml =
        router_graph("math, code, general", {R"(a: 'route == "math"')", R"(b: 'route in ["code"]')",
                                             R"(c: '"general" == route and attempt < 3')"});
    EXPECT_NO_THROW(build_text(dir, yaml, BuildMode::definition));
    EXPECT_NO_THROW(build_text(dir, yaml, BuildMode::run));
}

TEST(GraphBuilderRoutes, AnEdgeTestingARouteTheNodeNeverReturns) {
    TempDir dir;
    const std::string yaml = router_graph(
        "math, code, general",
        {R"(a: 'route == "math"')", R"(b: 'route == "maths" or route == "code"')", "c: else"});
    // At the literal, with a did-you-mean; the same with instances (`tinyllm run`) as without
    // (`tinyllm graph validate`).
    const std::string expected = at(dir, "13:38") + "edges[1].when: node r never returns the "
                                                    "route \"maths\" (did you mean \"math\"?)";
    EXPECT_EQ(build_error(dir, yaml), expected);
    EXPECT_EQ(config_error([&] { build_text(dir, yaml, BuildMode::run); }), expected);
    // Without a close one, the routes it has; in a list; under `not`.
    EXPECT_EQ(build_error(dir, router_graph("math, code, general",
                                            {R"(a: 'route in ["code", "poetry"]')", "b: else"})),
              at(dir, "11:38") + "edges[0].when: node r never returns the route \"poetry\" (its "
                                 "routes: math, code, general)");
    EXPECT_EQ(build_error(dir, router_graph("x, y", {R"(a: 'not route == "zebra"')", "b: else"})),
              at(dir, "11:42") + "edges[0].when: node r never returns the route \"zebra\" (its "
                                 "routes: x, y)");
}

// The column is read back from the file: escapes before the literal count as written.
TEST(GraphBuilderRoutes, TheColumnOfALiteralAfterEscapes) {
    TempDir dir;
    EXPECT_EQ(build_error(dir, router_graph("math", {R"(a: "route == \"maths\"")", "b: else"})),
              at(dir, "11:38") + "edges[0].when: node r never returns the route \"maths\" (did "
                                 "you mean \"math\"?)");
}

// A def built in code has no file to point into: the message names the edge.
TEST(GraphBuilderRoutes, ADefBuiltInCodeNamesTheEdge) {
    TempDir dir;
    GraphDef def = load_text(dir, router_graph("math", {R"(a: 'route == "poetry"')", "b: else"}));
    for (NodeDef &node : def.nodes) {
        node.config_source = {};
        node.location = {};
    }
    for (EdgeDef &edge : def.edges) {
        edge.location = {};
        edge.when_location = {};
    }
    EXPECT_EQ(
        config_error([&] { build_graph(def, test_registry(), nullptr, BuildMode::definition); }),
        "edges[0].when: node r never returns the route \"poetry\" (its routes: math)");
    def.edges[0].when = R"(route == "math")";
    def.edges[1].when = R"(attempt > 1 and route == "math")";
    EXPECT_NO_THROW(build_graph(def, test_registry(), nullptr, BuildMode::definition));
    def.edges[1].when = "route in []";
    def.nodes[0].config = std::make_shared<json::Document>(
        json::parse_object(R"({"routes":["math","poetry"]})", "config"));
    EXPECT_EQ(config_error([&] { build_graph(def, test_registry(), nullptr, BuildMode::run); }),
              "node r: no edge takes its route \"poetry\" (add an edge with when: "
              "'route == \"poetry\"' or an else edge)");
}

TEST(GraphBuilderRoutes, ADeclaredRouteNoEdgeTakes) {
    TempDir dir;
    const std::string yaml = router_graph(
        "math, code, general", {R"(a: 'route == "math"')", R"(b: 'route in ["code", "math"]')"});
    const std::string expected =
        at(dir, "5:5") + "nodes[0]: node r: no edge takes its route \"general\" (add an edge with "
                         "when: 'route == \"general\"' or an else edge)";
    EXPECT_EQ(build_error(dir, yaml), expected);
    EXPECT_EQ(config_error([&] { build_text(dir, yaml, BuildMode::run); }), expected);
    // An `and` that narrows the route away takes nothing more.
    EXPECT_THAT(build_error(dir, router_graph("x, y", {R"(a: 'route == "x"')",
                                                       R"(b: 'route in ["x", "y"] and )"
                                                       R"(route == "x"')"})),
                HasSubstr("node r: no edge takes its route \"y\""));
}

TEST(GraphBuilderRoutes, AnElseOrUnconditionalEdgeTakesEveryRoute) {
    TempDir dir;
    EXPECT_NO_THROW(build_text(
        dir, router_graph("math, code, general", {R"(a: 'route == "math"')", "b: else"})));
    EXPECT_NO_THROW(
        build_text(dir, router_graph("math, code, general", {R"(a: 'route == "math"')", "b"})));
    // As does a condition that may hold whatever the route.
    EXPECT_NO_THROW(build_text(
        dir, router_graph("math, code", {R"(a: 'route == "math"')", R"(b: 'route != "math"')"})));
}

TEST(GraphBuilderRoutes, ANodeThatDeclaresNoRoutesIsNotChecked) {
    TempDir dir;
    // routes_fixed without routes, and route_by: any route may come, so any may be tested.
    EXPECT_NO_THROW(build_text(
        dir, router_graph("", {R"(a: 'route == "anything"')", R"(b: 'route == "else"')"}),
        BuildMode::run));
    std::string yaml = router_graph("", {R"(a: 'route == "anything"')"});
    yaml.replace(yaml.find("type: routes_fixed"), 18, "type: route_by");
    yaml.replace(yaml.find("config: {routes: []}"), 20, "config: {}");
    EXPECT_NO_THROW(build_text(dir, yaml));
}

TEST(GraphBuilderRoutes, AnExitMayDeclareRoutesNoEdgeTakes) {
    TempDir dir;
    EXPECT_NO_THROW(build_text(dir, R"(id: g
entry: r
exits: [r]
nodes:
  - {id: r, type: routes_fixed, config: {routes: [pass, fail]}}
)",
                               BuildMode::run));
}

// Without instances, only a node whose edges test the route is created to ask for its routes:
// the others may not even be creatable, and validate does not create them.
TEST(GraphBuilderRoutes, WithoutInstancesOnlyNodesWhoseEdgesTestTheRouteAreCreated) {
    TempDir dir;
    EXPECT_NO_THROW(build_text(dir, R"(id: g
entry: r
exits: [a]
nodes:
  - {id: r, type: fail, config: {on_create: true}}
  - {id: a, type: noop}
edges:
  - {from: r, to: a, when: attempt < 3}
  - {from: r, to: a, when: else}
)"));
    const std::string yaml = R"(id: g
entry: r
exits: [a]
nodes:
  - {id: r, type: fail, config: {on_create: true}}
  - {id: a, type: noop}
edges:
  - {from: r, to: a, when: 'route == "x"'}
  - {from: r, to: a, when: else}
)";
    const auto e = error_of([&] { build_text(dir, yaml); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::config); // refused with TLLM_ERR_INVALID_ARGUMENT
    EXPECT_EQ(std::string(e->what()),
              at(dir, "5:5") + "node r (fail): create failed: fail node: refusing to be created");
}

// ---- Defs built in code ---------------------------------------------------------------------

TEST(GraphBuilderErrors, ADefBuiltInCodeIsCheckedToo) {
    GraphDef def;
    def.id = "code";
    def.version = "1.0.0";
    def.entry = "a";
    def.exits = {"a"};
    NodeDef a;
    a.id = "a";
    a.type = "noop";
    def.nodes.push_back(a);
    EdgeDef edge;
    edge.from = "a";
    edge.to = "zz";
    def.edges.push_back(edge);
    EXPECT_EQ(
        config_error([&] { build_graph(def, test_registry(), nullptr, BuildMode::definition); }),
        "unknown node \"zz\"");
    def.edges.clear();
    const auto graph = build_graph(def, test_registry(), nullptr, BuildMode::definition);
    EXPECT_EQ(json::to_string(*graph->def.nodes[0].config), "{}");
}

// ---- Instances ------------------------------------------------------------------------------

TEST(GraphBuilderInstances, CreatesOneInstancePerNode) {
    const auto graph = build_graph(load_graph_def(fixture("router.yaml")), test_registry(), nullptr,
                                   BuildMode::run);
    for (const Node &node : graph->nodes) {
        ASSERT_NE(node.instance, nullptr) << node.def->id;
        EXPECT_EQ(std::string(node.instance->type()), node.def->type);
    }
    runtime::CallContext call(runtime::CancelToken{}, std::nullopt, nullptr);
    const std::string out =
        graph->nodes[0].instance->process(call, R"({"content":"2+2","topic":"math"})");
    EXPECT_EQ(out, R"({"message":{"content":"2+2","topic":"math"},"route":"math"})");
}

TEST(GraphBuilderInstances, ACreateThatRefusesItsConfigIsAConfigErrorNamingTheNode) {
    TempDir dir;
    const auto e = error_of([&] {
        build_text(dir,
                   "id: g\nentry: a\nexits: [a]\nnodes:\n  - id: a\n    type: fail\n"
                   "    config: {on_create: true}\n",
                   BuildMode::run);
    });
    ASSERT_TRUE(e);
    // TLLM_ERR_INVALID_ARGUMENT from create: the config is wrong (exit 3), not the plugin.
    EXPECT_EQ(e->code(), ErrorCode::config);
    EXPECT_EQ(std::string(e->what()),
              at(dir, "5:5") + "node a (fail): create failed: fail node: refusing to be created");
}

// ---- Activation ------------------------------------------------------------------------------

// A host that knows two tools, "shout" (upper-cases its text) and "whisper" (lower-cases it),
// and writes down what it is asked, in order: "prepare", "describe <tool>", "call <tool>". Any
// other tool is not found, as the runtime says it.
class TwoToolServices : public runtime::HostServices {
public:
    messages::ChatResponse chat(const tllm_call *, messages::ChatRequest) override {
        throw Error(ErrorCode::unsupported, "no models");
    }
    std::string call_tool(const tllm_call *, const std::string &tool,
                          const std::string &arguments_json) override {
        log.push_back("call " + tool);
        known(tool);
        const json::Document args = json::parse_object(arguments_json, "arguments");
        std::string text = json::get_string(args, "text").value_or("");
        for (char &c : text)
            c = static_cast<char>(tool == "shout" ? std::toupper(c) : std::tolower(c));
        json::Document result(rapidjson::kObjectType);
        result.AddMember("content", json::string_value(text, result.GetAllocator()),
                         result.GetAllocator());
        return json::to_string(result);
    }
    std::string describe_tool(const std::string &tool) override {
        log.push_back("describe " + tool);
        known(tool);
        return R"({"type":"function","function":{"name":")" + tool +
               R"(","description":"changes case","parameters":{"type":"object"}}})";
    }
    void prepare_components() override { log.push_back("prepare"); }

    std::vector<std::string> log;

private:
    static void known(const std::string &tool) {
        if (tool != "shout" && tool != "whisper") {
            throw Error(ErrorCode::not_found, "no tool named \"" + tool + "\"");
        }
    }
};

std::string process(runtime::Node &node, const std::string &message) {
    runtime::CallContext call(runtime::CancelToken{}, std::nullopt, nullptr);
    return node.process(call, message);
}

// The Error building `yaml` with instances throws (none: a test failure).
std::optional<Error> build_failure(const TempDir &dir, const std::string &yaml,
                                   runtime::HostServices *services = nullptr) {
    return error_of(
        [&] { build_graph(load_text(dir, yaml), test_registry(), services, BuildMode::run); });
}

TEST(GraphBuilderActivation, ToolsArePreparedThenEveryNodeIsActivatedOnceInGraphOrder) {
    TempDir dir;
    TwoToolServices services;
    const auto graph = build_graph(load_text(dir, "id: g\nentry: a\nexits: [b]\nnodes:\n"
                                                  "  - {id: a, type: use_tool, config: {tool: "
                                                  "shout}}\n"
                                                  "  - {id: b, type: use_tool, config: {tool: "
                                                  "whisper}}\n"
                                                  "edges:\n  - {from: a, to: b}\n"),
                                   test_registry(), &services, BuildMode::run);
    EXPECT_THAT(services.log,
                ::testing::ElementsAre("prepare", "describe shout", "describe whisper"));

    // Activated, so process works (use_tool refuses to run before its activate), and is not
    // activated again by running.
    EXPECT_EQ(process(*graph->nodes[0].instance, R"({"content":"Hi there"})"),
              R"({"message":{"content":"HI THERE"},"route":"shout"})");
    EXPECT_EQ(process(*graph->nodes[1].instance, R"({"content":"Hi there"})"),
              R"({"message":{"content":"hi there"},"route":"whisper"})");
    EXPECT_EQ(process(*graph->nodes[0].instance, R"({"content":"again"})"),
              R"({"message":{"content":"AGAIN"},"route":"shout"})");
    EXPECT_THAT(services.log,
                ::testing::ElementsAre("prepare", "describe shout", "describe whisper",
                                       "call shout", "call whisper", "call shout"));
}

TEST(GraphBuilderActivation, EveryNodeIsCreatedBeforeAnyIsActivated) {
    TempDir dir;
    TwoToolServices services;
    // The second node fails in create: the first was created, but nothing was activated and no
    // tool was prepared.
    const auto e = build_failure(dir,
                                 "id: g\nentry: a\nexits: [b]\nnodes:\n"
                                 "  - {id: a, type: use_tool, config: {tool: shout}}\n"
                                 "  - {id: b, type: fail, config: {on_create: true}}\n"
                                 "edges:\n  - {from: a, to: b}\n",
                                 &services);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::config);
    EXPECT_THAT(e->what(), HasSubstr("node b (fail): create failed"));
    EXPECT_TRUE(services.log.empty()) << ::testing::PrintToString(services.log);
}

TEST(GraphBuilderActivation, AFailedActivateNamesTheNodesLineTheNodeAndThePluginsMessage) {
    TempDir dir;
    const auto e = build_failure(dir, "id: g\nentry: ok\nexits: [a]\nnodes:\n"
                                      "  - {id: ok, type: noop}\n"
                                      "  - id: a\n    type: raw_fail_activate\n"
                                      "edges:\n  - {from: ok, to: a}\n");
    ASSERT_TRUE(e);
    // The plugin's status, as it said it: the server is down, which a retry may fix.
    EXPECT_EQ(e->code(), ErrorCode::unavailable);
    EXPECT_EQ(std::string(e->what()),
              at(dir, "6:5") + "node a (raw_fail_activate): activate failed: activate: the "
                               "server is down (on purpose)");
}

TEST(GraphBuilderActivation, AnExceptionOutOfActivateIsAPluginBugNamingThePlugin) {
    TempDir dir;
    const auto e = build_failure(dir, "id: g\nentry: a\nexits: [a]\nnodes:\n"
                                      "  - id: a\n    type: raw_throw_activate\n");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::plugin);
    EXPECT_EQ(std::string(e->what()),
              at(dir, "5:5") + "node a activate: plugin org.tinyllm.test.raw-nodes let a C++ "
                               "exception cross the C ABI (a bug in the plugin): activate: boom");
}

TEST(GraphBuilderActivation, AnUnknownToolIsAConfigErrorNamingTheNodeAndTheTool) {
    TempDir dir;
    TwoToolServices services;
    const auto e = build_failure(dir,
                                 "id: g\nentry: a\nexits: [a]\nnodes:\n"
                                 "  - id: a\n    type: use_tool\n    config: {tool: shout_loud}\n",
                                 &services);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::config) << e->what();
    EXPECT_THAT(e->what(), StartsWith(at(dir, "5:5") + "node a (use_tool): activate failed: "));
    EXPECT_THAT(e->what(), HasSubstr("activate failed: tool: no tool named \"shout_loud\""));
    EXPECT_THAT(services.log, ::testing::ElementsAre("prepare", "describe shout_loud"));
}

TEST(GraphBuilderActivation, WithoutInstancesNothingIsActivated) {
    TempDir dir;
    TwoToolServices services;
    const auto graph =
        build_graph(load_text(dir, "id: g\nentry: a\nexits: [b]\nnodes:\n"
                                   "  - {id: a, type: use_tool, config: {tool: nope}}\n"
                                   "  - {id: b, type: raw_fail_activate}\n"
                                   "edges:\n  - {from: a, to: b}\n"),
                    test_registry(), &services, BuildMode::definition);
    EXPECT_EQ(graph->nodes[0].instance, nullptr);
    EXPECT_TRUE(services.log.empty());
}

TEST(BuildNode, PreparesTheToolsAndActivatesTheNodeOnce) {
    TwoToolServices services;
    NodeDef def;
    def.id = "n";
    def.type = "use_tool";
    def.config = std::make_shared<json::Document>(
        json::parse_object(R"({"tool":"shout","arguments":{"text":"fixed"}})", "config"));
    const auto node = build_node(def, test_registry(), &services);
    EXPECT_THAT(services.log, ::testing::ElementsAre("prepare", "describe shout"));
    EXPECT_EQ(process(*node, R"({"content":"ignored"})"),
              R"({"message":{"content":"FIXED"},"route":"shout"})");
    EXPECT_THAT(services.log, ::testing::ElementsAre("prepare", "describe shout", "call shout"));
}

TEST(BuildNode, ActivationFailuresNameTheNode) {
    TwoToolServices services;
    NodeDef unknown_tool;
    unknown_tool.id = "n";
    unknown_tool.type = "use_tool";
    unknown_tool.config =
        std::make_shared<json::Document>(json::parse_object(R"({"tool":"nope"})", "config"));
    const auto tool = error_of([&] { build_node(unknown_tool, test_registry(), &services); });
    ASSERT_TRUE(tool);
    EXPECT_EQ(tool->code(), ErrorCode::config) << tool->what();
    EXPECT_THAT(tool->what(), StartsWith("node n (use_tool): activate failed: "));
    EXPECT_THAT(tool->what(), HasSubstr("activate failed: tool: no tool named \"nope\""));

    NodeDef failing;
    failing.id = "f";
    failing.type = "raw_fail_activate";
    const auto down = error_of([&] { build_node(failing, test_registry(), &services); });
    ASSERT_TRUE(down);
    EXPECT_EQ(down->code(), ErrorCode::unavailable);
    EXPECT_STREQ(down->what(), "node f (raw_fail_activate): activate failed: activate: the server "
                               "is down (on purpose)");
}

TEST(GraphBuilderInstances, WithoutInstancesConfigsAreStillChecked) {
    TempDir dir;
    EXPECT_THAT(build_error(dir, "id: g\nentry: a\nexits: [a]\nnodes:\n  - id: a\n    type: sleep\n"
                                 "    config: {ms: -5}\n"),
                HasSubstr("nodes[0].config.ms: must be >= 0, got integer -5"));
}

} // namespace
} // namespace tinyllm::graph::test
