// Loading graph files (graph/graph_def.hpp): the fields and their defaults, every schema and
// cross-check error with its exact file:line:col, and conditions pointing at the bad character.
#include "graph_test_support.hpp"

#include "tinyllm/json.hpp"

namespace tinyllm::graph::test {
namespace {

// "<dir>/graph.yaml:L:C: " — where load_text's file is.
std::string at(const TempDir &dir, const std::string &line_col) {
    return (dir.path() / "graph.yaml").string() + ":" + line_col + ": ";
}

std::string def_error(const TempDir &dir, const std::string &yaml) {
    return config_error([&] { load_text(dir, yaml); });
}

// ---- Fields and defaults --------------------------------------------------------------------

TEST(GraphDef, LoadsEveryFieldOfAFixture) {
    const GraphDef def = load_graph_def(fixture("router.yaml"));
    EXPECT_EQ(def.source, fixture("router.yaml"));
    EXPECT_EQ(def.id, "router");
    EXPECT_EQ(def.version, "1.2.0");
    EXPECT_EQ(def.description, "Routes math questions to a math node, the rest to a general one.");
    EXPECT_EQ(def.entry, "classify");
    EXPECT_EQ(def.exits, std::vector<std::string>{"answer"});
    EXPECT_EQ(def.limits.max_steps, 20);
    EXPECT_EQ(def.limits.timeout_ms, 30000);
    ASSERT_EQ(def.nodes.size(), 4u);
    const NodeDef &math = def.nodes[1];
    EXPECT_EQ(math.id, "math");
    EXPECT_EQ(math.type, "append");
    EXPECT_EQ(json::to_string(*math.config), R"({"text":" [math]"})");
    EXPECT_EQ(math.timeout_ms, 1000);
    EXPECT_EQ(math.retry.max_attempts, 3);
    EXPECT_EQ(math.retry.backoff_ms, 100);
    EXPECT_EQ(math.retry.max_backoff_ms, 5000); // the default of the key not written
    EXPECT_EQ(math.location.to_string(), fixture("router.yaml").string() + ":12:5");
    EXPECT_EQ(math.config_source.location().to_string(),
              fixture("router.yaml").string() + ":14:13");
    ASSERT_EQ(def.edges.size(), 4u);
    EXPECT_EQ(def.edges[0].from, "classify");
    EXPECT_EQ(def.edges[0].to, "math");
    EXPECT_EQ(def.edges[0].when, "route == \"math\"");
    EXPECT_EQ(def.edges[0].location.to_string(), fixture("router.yaml").string() + ":23:5");
    // The condition's first character, inside the quotes.
    EXPECT_EQ(def.edges[0].when_location.to_string(), fixture("router.yaml").string() + ":23:39");
    EXPECT_EQ(def.edges[1].when, "else");
    EXPECT_EQ(def.edges[2].when, "");
}

TEST(GraphDef, DefaultsFillEveryOptionalKey) {
    const GraphDef def = load_graph_def(fixture("minimal.yaml"));
    EXPECT_EQ(def.version, "0.1.0");
    EXPECT_EQ(def.description, "");
    EXPECT_EQ(def.limits.max_steps, 100);
    EXPECT_EQ(def.limits.timeout_ms, 0);
    ASSERT_EQ(def.nodes.size(), 1u);
    const NodeDef &node = def.nodes[0];
    EXPECT_EQ(json::to_string(*node.config), "{}");
    EXPECT_EQ(node.timeout_ms, 0);
    EXPECT_EQ(node.retry.max_attempts, 1);
    EXPECT_EQ(node.retry.backoff_ms, 200);
    EXPECT_EQ(node.retry.max_backoff_ms, 5000);
    EXPECT_EQ(node.max_visits, 0);
    EXPECT_EQ(node.join, JoinMode::none);
    EXPECT_TRUE(def.edges.empty());
}

TEST(GraphDef, ReadsJoinModesAndMaxVisits) {
    const GraphDef fan = load_graph_def(fixture("fanout.yaml"));
    EXPECT_EQ(fan.nodes[3].join, JoinMode::all);
    const GraphDef loop = load_graph_def(fixture("loop.yaml"));
    EXPECT_EQ(loop.nodes[0].max_visits, 3);
    TempDir dir;
    const GraphDef first = load_text(dir, R"(id: g
entry: a
exits: [a]
nodes:
  - {id: a, type: noop, join: first_success}
)");
    EXPECT_EQ(first.nodes[0].join, JoinMode::first_success);
}

TEST(GraphDef, SchemaIsDraft04WithADescriptionForEveryKey) {
    const json::Document schema = json::parse(graph_schema_text(), "graph schema");
    EXPECT_STREQ(schema["$schema"].GetString(), "http://json-schema.org/draft-04/schema#");
    EXPECT_FALSE(schema["additionalProperties"].GetBool());
    // Walk every property: each has a description; optional ones have a default.
    std::vector<const json::Value *> pending{&schema};
    size_t checked = 0;
    while (!pending.empty()) {
        const json::Value &node = *pending.back();
        pending.pop_back();
        if (const json::Value *items = json::find(node, "items")) pending.push_back(items);
        const json::Value *properties = json::find(node, "properties");
        if (properties == nullptr) continue;
        EXPECT_TRUE(node.HasMember("additionalProperties"));
        std::vector<std::string> required;
        if (const json::Value *r = json::find(node, "required")) {
            for (const auto &name : r->GetArray())
                required.emplace_back(name.GetString());
        }
        for (const auto &member : properties->GetObject()) {
            const std::string name = member.name.GetString();
            EXPECT_TRUE(member.value.HasMember("description")) << name;
            const bool is_required =
                std::find(required.begin(), required.end(), name) != required.end();
            // `answer` has no default to print: unset, it follows whether the node is an exit.
            // `request_tools` and `request_format` have none so that older graphs keep their
            // content hash.
            if (name != "answer" && name != "request_tools" && name != "request_format") {
                EXPECT_NE(member.value.HasMember("default"), is_required) << name;
            }
            pending.push_back(&member.value);
            ++checked;
        }
    }
    EXPECT_EQ(checked, 26u);
}

// ---- Schema errors --------------------------------------------------------------------------

// request_tools: read when given, false when not, and absent from the checked document then (a
// default there would change the content hash of every graph version written before it).
TEST(GraphDef, RequestToolsIsReadAndHasNoDefaultInTheDocument) {
    TempDir dir;
    const GraphDef takes = load_text(dir, "id: g\nrequest_tools: true\nentry: a\nexits: [a]\n"
                                          "nodes: [{id: a, type: noop}]\n");
    EXPECT_TRUE(takes.request_tools);
    const GraphDef plain =
        load_text(dir, "id: g\nentry: a\nexits: [a]\nnodes: [{id: a, type: noop}]\n");
    EXPECT_FALSE(plain.request_tools);
    ASSERT_TRUE(plain.document);
    EXPECT_FALSE(plain.document->HasMember("request_tools"));
    EXPECT_EQ(def_error(dir, "id: g\nrequest_tools: yes please\nentry: a\nexits: [a]\n"
                             "nodes: [{id: a, type: noop}]\n"),
              at(dir, "2:16") + "request_tools: expected boolean, got string \"yes please\"");
}

TEST(GraphDefErrors, SchemaViolationsNameFileLineAndColumn) {
    TempDir dir;
    EXPECT_EQ(def_error(dir, "id: g\nentry: a\nexits: [a]\nnodse: []\n"),
              at(dir, "4:1") + "unknown key \"nodse\" (did you mean \"nodes\"?)");
    EXPECT_EQ(def_error(dir, "id: g\nexits: [a]\nnodes: [{id: a, type: noop}]\n"),
              at(dir, "1:1") + "missing required key \"entry\"");
    EXPECT_EQ(def_error(dir, "id: My Graph\nentry: a\nexits: [a]\nnodes: [{id: a, type: noop}]\n"),
              at(dir, "1:5") + "id: must match the pattern \"^[a-z0-9_.-]+$\", got string "
                               "\"My Graph\"");
    EXPECT_EQ(def_error(dir, "id: g\nentry: a\nexits: [a]\nnodes: [{id: a b, type: noop}]\n"),
              at(dir, "4:14") + "nodes[0].id: must match the pattern \"^[A-Za-z0-9_.-]+$\", "
                                "got string \"a b\"");
    EXPECT_EQ(def_error(dir, "id: g\nentry: a\nexits: [a]\nnodes: []\n"),
              at(dir, "4:8") + "nodes: must have at least 1 item");
    EXPECT_EQ(def_error(dir, "id: g\nentry: a\nexits: []\nnodes: [{id: a, type: noop}]\n"),
              at(dir, "3:8") + "exits: must have at least 1 item");
}

TEST(GraphDefErrors, NodeSettingsAreChecked) {
    TempDir dir;
    const std::string head = "id: g\nentry: a\nexits: [a]\nnodes:\n  - id: a\n    type: noop\n";
    EXPECT_EQ(def_error(dir, head + "    join: any\n"),
              at(dir, "7:11") + "nodes[0].join: must be one of: none, all, first_success "
                                "(got \"any\")");
    EXPECT_EQ(def_error(dir, head + "    max_visits: -1\n"),
              at(dir, "7:17") + "nodes[0].max_visits: must be >= 0, got integer -1");
    EXPECT_EQ(def_error(dir, head + "    retry: {max_attempts: 0}\n"),
              at(dir, "7:27") + "nodes[0].retry.max_attempts: must be >= 1, got integer 0");
    EXPECT_EQ(def_error(dir, head + "    retry: {max_attempt: 3}\n"),
              at(dir, "7:13") + "nodes[0].retry: unknown key \"max_attempt\" (did you mean "
                                "\"max_attempts\"?)");
    EXPECT_EQ(def_error(dir, head + "    config: [1]\n"),
              at(dir, "7:13") + "nodes[0].config: expected object, got array");
    // Found by tests/fuzz (graph_def): a number far beyond 64 bits checked against an enum
    // (RapidJSON hashes it through an integer cast); an error like any other wrong value.
    EXPECT_EQ(def_error(dir, head + "    join: 1e163\n"),
              at(dir, "7:11") + "nodes[0].join: must be one of: none, all, first_success "
                                "(got 1e163)");
    EXPECT_EQ(def_error(dir, head + "    timeout: 5\n"),
              at(dir, "7:5") + "nodes[0]: unknown key \"timeout\" (expected one of: id, type, "
                               "config, timeout_ms, retry, answer, max_visits, join)");
}

TEST(GraphDefErrors, LimitsAreChecked) {
    TempDir dir;
    EXPECT_EQ(def_error(dir, "id: g\nentry: a\nexits: [a]\nlimits: {max_steps: 0}\n"
                             "nodes: [{id: a, type: noop}]\n"),
              at(dir, "4:21") + "limits.max_steps: must be >= 1, got integer 0");
}

// ---- Cross-checks ---------------------------------------------------------------------------

TEST(GraphDefErrors, DuplicateNodeIdNamesTheFirst) {
    TempDir dir;
    EXPECT_EQ(def_error(dir, R"(id: g
entry: a
exits: [a]
nodes:
  - id: a
    type: noop
  - id: b
    type: noop
  - id: a
    type: noop
)"),
              at(dir, "9:9") + "nodes[2].id: duplicate node id \"a\" (first at line 5)");
}

TEST(GraphDefErrors, EdgesNamingUnknownNodesSuggestTheClosest) {
    TempDir dir;
    const std::string head = R"(id: g
entry: router
exits: [answer]
nodes:
  - {id: router, type: noop}
  - {id: answer, type: noop}
edges:
)";
    EXPECT_EQ(def_error(dir, head + "  - {from: routr, to: answer}\n"),
              at(dir, "8:12") + "edges[0].from: unknown node \"routr\" (did you mean "
                                "\"router\"?)");
    EXPECT_EQ(def_error(dir, head + "  - {from: router, to: zzz}\n"),
              at(dir, "8:24") + "edges[0].to: unknown node \"zzz\" (nodes: router, answer)");
}

TEST(GraphDefErrors, EntryAndExitsMustBeNodes) {
    TempDir dir;
    EXPECT_EQ(def_error(dir, "id: g\nentry: anser\nexits: [answer]\n"
                             "nodes: [{id: answer, type: noop}]\n"),
              at(dir, "2:8") + "entry: unknown node \"anser\" (did you mean \"answer\"?)");
    EXPECT_EQ(def_error(dir, "id: g\nentry: answer\nexits: [answer, end]\n"
                             "nodes: [{id: answer, type: noop}]\n"),
              at(dir, "3:17") + "exits[1]: unknown node \"end\" (nodes: answer)");
}

TEST(GraphDefErrors, AnExitCannotHaveOutgoingEdges) {
    TempDir dir;
    EXPECT_EQ(def_error(dir, R"(id: g
entry: a
exits: [b]
nodes:
  - {id: a, type: noop}
  - {id: b, type: noop}
edges:
  - {from: a, to: b}
  - {from: b, to: a}
)"),
              at(dir, "9:12") + "edges[1].from: node \"b\" is an exit: a run ends there, so it "
                                "cannot have outgoing edges");
}

TEST(GraphDefErrors, OneElseEdgePerNode) {
    TempDir dir;
    EXPECT_EQ(def_error(dir, R"(id: g
entry: r
exits: [a, b]
nodes:
  - {id: r, type: route_by}
  - {id: a, type: noop}
  - {id: b, type: noop}
edges:
  - {from: r, to: a, when: else}
  - {from: r, to: b, when: else}
)"),
              at(dir, "10:28") + "edges[1].when: node \"r\" already has an \"else\" edge (at "
                                 "line 9)");
}

TEST(GraphDefErrors, VersionMustBeSemver) {
    TempDir dir;
    const std::string rest = "entry: a\nexits: [a]\nnodes: [{id: a, type: noop}]\n";
    EXPECT_EQ(def_error(dir, "id: g\nversion: v1.0.0\n" + rest),
              at(dir, "2:10") + "version: \"v1.0.0\" is not a semantic version "
                                "(MAJOR.MINOR.PATCH, e.g. 1.0.0)");
    // A YAML number is not a version either, and is reported as such (not as a type error).
    EXPECT_EQ(def_error(dir, "id: g\nversion: 1.0\n" + rest),
              at(dir, "2:10") + "version: \"1.0\" is not a semantic version "
                                "(MAJOR.MINOR.PATCH, e.g. 1.0.0)");
}

TEST(GraphDef, SemverFollowsSemverOrg) {
    for (const char *good : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1",
                             "1.0.0-0.3.7", "1.0.0-x-y.7", "1.0.0+build.5", "1.0.0-rc.1+sha.9"}) {
        EXPECT_TRUE(is_semver(good)) << good;
    }
    for (const char *bad : {"", "1", "1.0", "v1.0.0", "01.0.0", "1.02.0", "1.0.0-", "1.0.0+",
                            "1.0.0-01", "1.0.0 ", "1.0.0.0", "a.b.c"}) {
        EXPECT_FALSE(is_semver(bad)) << bad;
    }
}

// ---- Conditions -----------------------------------------------------------------------------

// A graph whose only edge has `when` written as `when_yaml` (the rest of line 9 onwards).
std::string with_condition(const std::string &when_yaml) {
    return "id: g\nentry: r\nexits: [a]\nnodes:\n  - {id: r, type: route_by}\n"
           "  - {id: a, type: noop}\nedges:\n  - from: r\n    to: a\n    when: " +
           when_yaml + "\n";
}

TEST(GraphDefConditions, ErrorPointsAtTheCharacterInAPlainScalar) {
    TempDir dir;
    // "route = x": the '=' is offset 6; the value starts at column 11 of line 10.
    EXPECT_EQ(def_error(dir, with_condition("route = x")),
              at(dir, "10:17") + "edges[0].when: invalid condition: unknown operator '=' (did "
                                 "you mean '=='?)");
}

TEST(GraphDefConditions, ErrorPointsInsideQuotes) {
    TempDir dir;
    EXPECT_EQ(def_error(dir, with_condition("'route = \"a\"'")),
              at(dir, "10:18") + "edges[0].when: invalid condition: unknown operator '=' (did "
                                 "you mean '=='?)");
    // '' is one quote in a single-quoted scalar: the columns after it shift by one.
    EXPECT_EQ(def_error(dir, with_condition("'route == ''a'' and'")),
              at(dir, "10:30") + "edges[0].when: invalid condition: expected an operand after "
                                 "'and', found end of condition");
    // An escape in a double-quoted scalar: \" is two characters in the file, one in the text.
    EXPECT_EQ(def_error(dir, with_condition(R"("route == \"a\" = 1")")),
              at(dir, "10:27") + "edges[0].when: invalid condition: unknown operator '=' (did "
                                 "you mean '=='?)");
}

TEST(GraphDefConditions, ErrorInAFlowMappingEdge) {
    TempDir dir;
    EXPECT_EQ(def_error(dir, R"(id: g
entry: r
exits: [a]
nodes:
  - {id: r, type: route_by}
  - {id: a, type: noop}
edges:
  - {from: r, to: a, when: '(route == "a"'}
)"),
              at(dir, "8:42") + "edges[0].when: invalid condition: expected ')' to close the "
                                "'(' at offset 0, found end of condition");
}

TEST(GraphDefConditions, AMultiLineScalarPointsAtItsStart) {
    TempDir dir;
    EXPECT_EQ(def_error(dir, with_condition("route ==\n      and x")),
              at(dir, "10:11") + "edges[0].when: invalid condition: expected an operand after "
                                 "'==', found keyword 'and' (keywords cannot be field "
                                 "names)");
    EXPECT_EQ(def_error(dir, with_condition(">\n      route = x")),
              at(dir, "10:11") + "edges[0].when: invalid condition: unknown operator '=' (did "
                                 "you mean '=='?)");
}

TEST(GraphDefConditions, WhenLocationIsTheConditionsFirstCharacter) {
    TempDir dir;
    EXPECT_EQ(load_text(dir, with_condition("route == \"a\"")).edges[0].when_location.column, 11u);
    EXPECT_EQ(load_text(dir, with_condition("'route == \"a\"'")).edges[0].when_location.column,
              12u);
    EXPECT_EQ(load_text(dir, with_condition("\"route == 'a'\"")).edges[0].when_location.column,
              12u);
    const EdgeDef folded = load_text(dir, with_condition(">\n      route == 'a'")).edges[0];
    EXPECT_EQ(folded.when_location.line, 10u);
    EXPECT_EQ(folded.when_location.column, 11u);
}

TEST(GraphDefConditions, ElseAndEmptyAreNotParsed) {
    TempDir dir;
    EXPECT_EQ(load_text(dir, with_condition("else")).edges[0].when, "else");
    EXPECT_EQ(load_text(dir, with_condition("''")).edges[0].when, "");
}

// ---- The committed default graph ------------------------------------------------------------

TEST(GraphDef, CommittedDefaultGraphLoads) {
    const fs::path file = repo_config_dir() / "graphs" / "default.yaml";
    if (!fs::exists(file)) GTEST_SKIP() << file << " is not there yet";
    const GraphDef def = load_graph_def(file);
    EXPECT_EQ(def.id, "default");
    EXPECT_TRUE(is_semver(def.version));
    EXPECT_EQ(def.version, "3.2.0");
    EXPECT_EQ(def.entry, "router");
    EXPECT_EQ(def.exits, std::vector<std::string>{"done"});
    std::vector<std::string> types;
    for (const NodeDef &node : def.nodes)
        types.push_back(node.id + ":" + node.type + (node.answer.value_or(false) ? "*" : ""));
    EXPECT_EQ(types, (std::vector<std::string>{
                         "router:router", "specialist.math:model*", "specialist.code:model*",
                         "specialist.general:model*", "math_check:gate", "code_check:gate",
                         "general_check:gate", "done:passthrough"}));
}

TEST(GraphDef, CommittedDirectGraphIsTheOneModelGraph) {
    const GraphDef def = load_graph_def(repo_config_dir() / "graphs" / "direct.yaml");
    EXPECT_EQ(def.id, "direct");
    ASSERT_EQ(def.nodes.size(), 1u);
    EXPECT_EQ(def.nodes[0].type, "model");
    EXPECT_EQ(def.exits, std::vector<std::string>{"answer"});
}

} // namespace
} // namespace tinyllm::graph::test
