// The shared graph editing and request reading (plugins/shared/graph_edit) every strategy uses.
#include "graph_edit/evidence.hpp"
#include "mutation_test_support.hpp"

namespace tinyllm::mutation::test {
namespace {

TEST(GraphEdit, TheDefaultGraphIsValidAsTheHostHandsItOver) {
    EXPECT_EQ(graph_error(default_graph()), "");
}

// The check the candidates are held to catches what the host would refuse.
TEST(GraphEdit, TheCandidateCheckCatchesWhatTheHostRefuses) {
    json::Document g = parse(default_graph());
    set_config(g, "specialist.math", "model", R"({"role":"math","min_size":"3 b"})");
    EXPECT_NE(graph_error(text(g)).find("min_size"), std::string::npos) << graph_error(text(g));
    json::Document loop = parse(default_graph());
    json::Value &edges = loop["edges"];
    edges.Erase(edges.Begin() + 10); // math_check -> specialist.math on retry/escalate
    EXPECT_NE(graph_error(text(loop)).find("node math_check: no edge takes its route"),
              std::string::npos)
        << graph_error(text(loop));
}

TEST(GraphEdit, FindsNodesEdgesAndTheGateLoop) {
    const json::Document g = parse(default_graph());
    EXPECT_EQ(ge::find_node(g, "specialist.math"), 1u);
    EXPECT_FALSE(ge::find_node(g, "nope"));
    EXPECT_EQ(ge::outgoing(g, "specialist.math").size(), 2u); // done on tool_calls, else math_check
    EXPECT_EQ(ge::incoming(g, "specialist.math").size(), 2u); // router, math_check's loop
    EXPECT_EQ(ge::gate_loop(g, "specialist.math"), std::vector<std::string>{"math_check"});
    EXPECT_TRUE(ge::gate_loop(g, "router").empty());
    EXPECT_TRUE(ge::on_cycle(g, "specialist.math"));
    EXPECT_FALSE(ge::on_cycle(g, "router"));
    EXPECT_TRUE(ge::is_entry(g, "router"));
    EXPECT_TRUE(ge::is_exit(g, "done"));
}

TEST(GraphEdit, IdsAreValidAndUnique) {
    const json::Document g = parse(default_graph());
    EXPECT_EQ(ge::unique_id(g, "specialist.math.router"), "specialist.math.router");
    EXPECT_EQ(ge::unique_id(g, "math_check"), "math_check.2");
    EXPECT_EQ(ge::id_part("Word Problems!"), "word_problems");
    EXPECT_EQ(ge::id_part("a.b-c"), "a.b-c");
    EXPECT_EQ(ge::id_part("..x.."), "x");
    EXPECT_EQ(ge::id_part("?!"), "");
    EXPECT_TRUE(ge::valid_id("specialist.math.word_problems.check"));
    EXPECT_FALSE(ge::valid_id("a b"));
    EXPECT_FALSE(ge::valid_id(""));
}

TEST(GraphEdit, RemovingANodeTakesItsEdges) {
    json::Document g = parse(default_graph());
    ge::remove_node(g, "math_check");
    EXPECT_FALSE(ge::find_node(g, "math_check"));
    for (const std::string &line : edge_lines(g))
        EXPECT_EQ(line.find("math_check"), std::string::npos) << line;
    EXPECT_EQ(edge_lines(g).size(), 12u); // of 15: its 3 are gone
}

TEST(GraphEdit, ModelSizesComeFromTheNames) {
    EXPECT_EQ(ge::size_of("qwen2.5:3b"), "3b");
    EXPECT_EQ(ge::size_of("qwen2.5:1.5b"), "1.5b");
    EXPECT_EQ(ge::size_of("qwen-sim-0.5b"), "0.5b");
    EXPECT_EQ(ge::size_of("llama3.2:1B-instruct-q4_K_M"), "1b");
    EXPECT_EQ(ge::size_of("phi-700m"), "700m");
    EXPECT_FALSE(ge::size_of("mistral:latest"));
    EXPECT_FALSE(ge::size_of("qwen2.5"));
    EXPECT_DOUBLE_EQ(*ge::parameters_of("1.5b"), 1.5e9);
    EXPECT_FALSE(ge::parameters_of("b"));
    EXPECT_FALSE(ge::parameters_of(".5b"));
}

TEST(GraphEdit, FailuresSignalArithmeticOrCode) {
    using ge::Signal;
    const auto group = [](std::string category, std::string key,
                          std::vector<std::pair<std::string, int64_t>> labels = {},
                          std::vector<std::string> inputs = {}) {
        ge::FailureGroup g{std::move(category), std::move(key), 4, std::move(labels), {}};
        for (std::string &i : inputs)
            g.examples.push_back({std::move(i), "", "", "", {}, {}});
        return g;
    };
    EXPECT_EQ(ge::signal_of(group("gate_rule", "numeric_answer")), Signal::arithmetic);
    EXPECT_EQ(ge::signal_of(group("judge_verdict", "failure=wrong_number")), Signal::arithmetic);
    EXPECT_EQ(ge::signal_of(group("judge_verdict", "failure=tests_failed")), Signal::code);
    EXPECT_EQ(ge::signal_of(group("gate_rule", "code_block")), Signal::code);
    EXPECT_EQ(ge::signal_of(group("judge_verdict", "failure=mismatch", {{"general", 4}})),
              Signal::none);
    EXPECT_EQ(ge::signal_of(group("judge_verdict", "failure=mismatch",
                                  {{"word_problems", 3}, {"general", 1}})),
              Signal::arithmetic);
    EXPECT_EQ(ge::signal_of(group("judge_verdict", "failure=mismatch", {},
                                  {"What is 12 * 7?", "How much is 15% of 80?", "hello"})),
              Signal::arithmetic);
    EXPECT_EQ(ge::signal_of(group("judge_verdict", "failure=mismatch", {},
                                  {"write a python function", "fix my code ```x```"})),
              Signal::code);
    EXPECT_EQ(ge::signal_of(group("tool_error", "calculator")), Signal::arithmetic);
    EXPECT_TRUE(ge::looks_arithmetic("What is 3 × 4?"));
    EXPECT_TRUE(ge::looks_arithmetic("Dev buys 3 notebooks at $3 each."));
    EXPECT_FALSE(ge::looks_arithmetic("What is the capital of France?"));
    EXPECT_FALSE(ge::looks_arithmetic("Who won in 1966?"));
}

TEST(GraphEdit, TheRequestIsReadWithItsFailuresMetricsAndRoles) {
    const ge::Request r = request(default_graph(), "specialist.math");
    EXPECT_EQ(r.node, "specialist.math");
    EXPECT_EQ(ge::string_of(r.node_value(), "type"), "model");
    ASSERT_EQ(r.failures.size(), 2u);
    EXPECT_EQ(r.failures[0].key, "failure=wrong_number");
    EXPECT_EQ(r.failures[0].count, 31);
    EXPECT_EQ(r.failures[0].examples[0].label, "word_problems");
    EXPECT_EQ(r.metrics.labels.size(), 2u);
    EXPECT_EQ(r.roles.at("math"), (std::vector<std::string>{"qwen2.5:1.5b", "qwen2.5:3b"}));
    EXPECT_EQ(ge::answer_failures(r), 40);
    const ge::Signals s = ge::signals_of(r);
    EXPECT_EQ(s.arithmetic, 40);
    EXPECT_EQ(ge::failure_summary(r),
              "specialist.math failed 40 of 140 graded requests (29%), most often judge_verdict "
              "failure=wrong_number (31)");
}

TEST(GraphEdit, ACategoryWrittenForPeopleReadsAsTheStableName) {
    const ge::Request r =
        request(default_graph(), "specialist.math",
                R"([{"category":"judge verdict","key":"failure=wrong_number","count":2}])", "{}");
    EXPECT_EQ(r.failures[0].category, "judge_verdict");
    EXPECT_EQ(ge::answer_failures(r), 2);
}

TEST(GraphEdit, ABadRequestIsAnInvalidArgument) {
    const auto status = [](const std::string &text) {
        try {
            ge::parse_request(text);
        } catch (const sdk::Error &e) {
            return std::make_pair(e.status(), std::string(e.what()));
        }
        return std::make_pair(TLLM_OK, std::string());
    };
    EXPECT_EQ(status("[]").first, TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(status(R"({"graph":{"nodes":[]},"node":"x"})").second,
              "mutation request: no node \"x\" in the graph");
    EXPECT_EQ(status(R"({"node":"x"})").second,
              "mutation request: \"graph\" must be a graph document");
}

} // namespace
} // namespace tinyllm::mutation::test
