// Rendering graphs (graph/graph_render.hpp): golden text, Mermaid and DOT for the fixtures, and
// the escaping of conditions full of characters those formats give a meaning.
#include "graph_test_support.hpp"

#include "graph/graph_render.hpp"

namespace tinyllm::graph::test {
namespace {

std::string render_fixture(const std::string &name, RenderFormat format) {
    return render(load_graph_def(fixture(name)), format);
}

TEST(GraphRender, ParsesFormatNames) {
    EXPECT_EQ(parse_render_format("text"), RenderFormat::text);
    EXPECT_EQ(parse_render_format("mermaid"), RenderFormat::mermaid);
    EXPECT_EQ(parse_render_format("dot"), RenderFormat::dot);
    EXPECT_EQ(parse_render_format("svg"), std::nullopt);
    EXPECT_EQ(parse_render_format(""), std::nullopt);
}

TEST(GraphRender, TextOfTheRouter) {
    EXPECT_EQ(render_fixture("router.yaml", RenderFormat::text),
              "graph router 1.2.0\n"
              "  Routes math questions to a math node, the rest to a general one.\n"
              "entry: classify\n"
              "exits: answer\n"
              "limits: max_steps 20, timeout_ms 30000\n"
              "\n"
              "nodes:\n"
              "  classify  route_by  entry, config {\"field\":\"topic\"}\n"
              "  math      append    timeout_ms 1000, retry 3 attempts, backoff 100..5000 ms, "
              "config {\"text\":\" [math]\"}\n"
              "  general   append    config {\"text\":\" [general]\"}\n"
              "  answer    noop      exit\n"
              "\n"
              "edges:\n"
              "  classify -> math     when route == \"math\"\n"
              "  classify -> general  else\n"
              "  math -> answer\n"
              "  general -> answer\n");
}

TEST(GraphRender, TextOfALoopShowsMaxVisits) {
    EXPECT_EQ(render_fixture("loop.yaml", RenderFormat::text), R"(graph loop 0.3.0
entry: draft
exits: done
limits: max_steps 100, timeout_ms 0

nodes:
  draft  append    entry, max_visits 3, config {"text":"."}
  check  route_by  config {"field":"verdict"}
  done   noop      exit

edges:
  draft -> check
  check -> done   when route == "ok"
  check -> draft  else
)");
}

TEST(GraphRender, TextOfOneNodeWithoutEdges) {
    EXPECT_EQ(render_fixture("minimal.yaml", RenderFormat::text), R"(graph minimal 0.1.0
entry: only
exits: only
limits: max_steps 100, timeout_ms 0

nodes:
  only  noop  entry, exit
)");
}

TEST(GraphRender, TextSaysWhichNodesWriteTheAnswerWhereItIsNotTheDefault) {
    TempDir dir;
    const auto graph = build_text(dir, "id: g\nentry: s\nexits: [e]\nnodes:\n"
                                       "  - {id: s, type: noop, answer: true}\n"
                                       "  - {id: e, type: noop, answer: false}\n"
                                       "edges:\n  - {from: s, to: e}\n");
    const std::string text = render(*graph, RenderFormat::text);
    EXPECT_NE(text.find("  s  noop  entry, answer\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  e  noop  exit, no answer\n"), std::string::npos) << text;
}

TEST(GraphRender, TextOfABuiltGraphListsItsWarnings) {
    TempDir dir;
    const auto graph = build_text(dir, "id: g\nentry: r\nexits: [a]\nnodes:\n"
                                       "  - {id: r, type: route_by}\n  - {id: a, type: noop}\n"
                                       "edges:\n  - {from: r, to: a, when: route == \"a\"}\n");
    // Built, so the configs show their defaults.
    EXPECT_EQ(render(*graph, RenderFormat::text),
              "graph g 0.1.0\nentry: r\nexits: a\nlimits: max_steps 100, timeout_ms 0\n\n"
              "nodes:\n  r  route_by  entry, config {\"field\":\"content\"}\n"
              "  a  noop      exit\n\nedges:\n  r -> a  when route == \"a\"\n\nwarnings:\n  " +
                  (dir.path() / "graph.yaml").string() +
                  ":5:5: nodes[0]: node \"r\" may dead-end at run time: all its outgoing edges "
                  "have conditions and none is \"else\"\n");
    // The other formats draw the graph only.
    EXPECT_EQ(render(*graph, RenderFormat::dot), render(graph->def, RenderFormat::dot));
}

TEST(GraphRender, MermaidOfTheRouter) {
    EXPECT_EQ(render_fixture("router.yaml", RenderFormat::mermaid), R"(flowchart TD
    n0["classify<br/>route_by"]
    n1["math<br/>append"]
    n2["general<br/>append"]
    n3["answer<br/>noop"]
    n0 -->|"route == #quot;math#quot;"| n1
    n0 -.->|"else"| n2
    n1 --> n3
    n2 --> n3
    classDef entry stroke-width:3px,stroke:#1565c0
    classDef exit stroke-width:3px,stroke:#2e7d32,fill:#e8f5e9
    classDef entryexit stroke-width:3px,stroke:#1565c0,fill:#e8f5e9
    class n0 entry
    class n3 exit
)");
}

TEST(GraphRender, MermaidOfANodeThatIsEntryAndExit) {
    EXPECT_EQ(render_fixture("minimal.yaml", RenderFormat::mermaid), R"(flowchart TD
    n0["only<br/>noop"]
    classDef entry stroke-width:3px,stroke:#1565c0
    classDef exit stroke-width:3px,stroke:#2e7d32,fill:#e8f5e9
    classDef entryexit stroke-width:3px,stroke:#1565c0,fill:#e8f5e9
    class n0 entryexit
)");
}

TEST(GraphRender, MermaidEscapesLabels) {
    const std::string out = render_fixture("escaping.yaml", RenderFormat::mermaid);
    EXPECT_NE(out.find(R"(    n0 -->|"content == #quot;say \#quot;hi\#quot;#quot; or content == )"
                       R"(#quot;a\\b#quot;"| n1)"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find(R"(    n0 -->|"score #lt; 3 and rank #gt;= 2 or tag == )"
                       R"(#quot;#35;1 #124; #96;x#96;#quot;"| n1)"),
              std::string::npos)
        << out;
    // Node ids never reach Mermaid as ids: `end` is a keyword there.
    EXPECT_NE(out.find(R"(    n1["end<br/>noop"])"), std::string::npos) << out;
    EXPECT_NE(out.find(R"(    n0 -.->|"else"| n0)"), std::string::npos) << out;
}

TEST(GraphRender, DotOfTheRouter) {
    EXPECT_EQ(render_fixture("router.yaml", RenderFormat::dot), R"(digraph "router" {
    label="router 1.2.0";
    labelloc=t;
    node [shape=box, style=rounded];
    "classify" [label="classify\nroute_by", penwidth=2];
    "math" [label="math\nappend"];
    "general" [label="general\nappend"];
    "answer" [label="answer\nnoop", peripheries=2];
    "classify" -> "math" [label="route == \"math\""];
    "classify" -> "general" [label="else", style=dashed];
    "math" -> "answer";
    "general" -> "answer";
}
)");
}

TEST(GraphRender, DotEscapesQuotesAndBackslashes) {
    EXPECT_EQ(render_fixture("escaping.yaml", RenderFormat::dot), R"(digraph "escaping" {
    label="escaping 1.0.0-rc.1";
    labelloc=t;
    node [shape=box, style=rounded];
    "start" [label="start\nroute_by", penwidth=2];
    "end" [label="end\nnoop", peripheries=2];
    "start" -> "end" [label="content == \"say \\\"hi\\\"\" or content == \"a\\\\b\""];
    "start" -> "end" [label="score < 3 and rank >= 2 or tag == \"#1 | `x`\""];
    "start" -> "start" [label="else", style=dashed];
}
)");
}

TEST(GraphRender, EveryFormatRendersEveryFixture) {
    for (const char *name :
         {"router.yaml", "loop.yaml", "fanout.yaml", "minimal.yaml", "escaping.yaml"}) {
        const GraphDef def = load_graph_def(fixture(name));
        for (const RenderFormat format :
             {RenderFormat::text, RenderFormat::mermaid, RenderFormat::dot}) {
            const std::string out = render(def, format);
            ASSERT_FALSE(out.empty()) << name;
            EXPECT_EQ(out.back(), '\n') << name;
        }
    }
}

} // namespace
} // namespace tinyllm::graph::test
