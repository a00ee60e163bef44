// split_specialist: a router over the node's categories and one sub-specialist per category.
#include "mutation_test_support.hpp"
#include "split_specialist.hpp"

namespace tinyllm::mutation::test {
namespace {

ge::Proposal split(const ge::Request &r, SplitConfig config = {}, FakeServices services = {}) {
    return propose_split(r, config, services);
}

std::string prompt_system(const std::string &id) {
    FakeServices services;
    return ge::string_of(parse(services.prompt(id)), "system");
}

TEST(SplitSpecialist, TheDefaultMathSpecialistSplitsIntoArithmeticAndWordProblems) {
    const ge::Proposal p = split(request(default_graph(), "specialist.math"));
    ASSERT_EQ(p.candidates.size(), 1u) << (p.reasons.empty() ? "" : p.reasons[0]);
    const sdk::Candidate &c = p.candidates[0];
    EXPECT_EQ(c.touched_nodes,
              (std::vector<std::string>{"specialist.math.router", "specialist.math.arithmetic",
                                        "specialist.math.arithmetic.check",
                                        "specialist.math.word_problems",
                                        "specialist.math.word_problems.check"}));
    const json::Document g = parse(c.graph_json);
    EXPECT_EQ(node_ids(g), (std::vector<std::string>{
                               "router", "specialist.math.router", "specialist.math.arithmetic",
                               "specialist.math.arithmetic.check", "specialist.math.word_problems",
                               "specialist.math.word_problems.check", "specialist.code",
                               "specialist.general", "code_check", "general_check", "done"}));
    EXPECT_EQ(
        edge_lines(g),
        (std::vector<std::string>{
            R"(router -> specialist.math.router [route == "math"])",
            R"(router -> specialist.code [route == "code"])",
            R"(router -> specialist.general [route == "general"])",
            R"(specialist.code -> done [route == "tool_calls" or data.format])",
            "specialist.code -> code_check [else]",
            R"(specialist.general -> done [route == "tool_calls"])",
            "specialist.general -> general_check [else]", R"(code_check -> done [route == "pass"])",
            R"(code_check -> specialist.code [route in ["retry", "escalate"]])",
            R"(general_check -> done [route == "pass"])",
            R"(general_check -> specialist.general [route in ["retry", "escalate"]])",
            R"(specialist.math.router -> specialist.math.arithmetic [route == "arithmetic"])",
            R"(specialist.math.router -> specialist.math.word_problems [route == "word_problems"])",
            // A client's tool call still leaves past the gate, from either sub-specialist.
            R"(specialist.math.arithmetic -> done [route == "tool_calls"])",
            R"(specialist.math.word_problems -> done [route == "tool_calls"])",
            "specialist.math.arithmetic -> specialist.math.arithmetic.check [else]",
            "specialist.math.word_problems -> specialist.math.word_problems.check [else]",
            R"(specialist.math.arithmetic.check -> done [route == "pass"])",
            R"(specialist.math.word_problems.check -> done [route == "pass"])",
            R"(specialist.math.arithmetic.check -> specialist.math.arithmetic [route in ["retry", "escalate"]])",
            R"(specialist.math.word_problems.check -> specialist.math.word_problems [route in ["retry", "escalate"]])"}));
    const json::Value &router = node_of(g, "specialist.math.router");
    EXPECT_EQ(text(router["config"]),
              R"({"routes":["arithmetic","word_problems"],"default":"word_problems",)"
              R"("model":{"prompt_id":"meta/expansion_split","min_confidence":0.6}})");
    EXPECT_EQ(text(router["retry"]),
              text(node_of(parse(default_graph()), "specialist.math")["retry"]));
    EXPECT_FALSE(json::find(router, "max_visits")); // not on a loop

    // The arithmetic sub-specialist is the node as it was; its gate is math_check.
    const json::Document before = parse(default_graph());
    json::Document old_node(rapidjson::kObjectType);
    old_node.CopyFrom(node_of(before, "specialist.math"), old_node.GetAllocator());
    ge::set_member(old_node, "id", json::Value("specialist.math.arithmetic"),
                   old_node.GetAllocator());
    EXPECT_EQ(text(node_of(g, "specialist.math.arithmetic")), text(old_node));
    EXPECT_EQ(text(node_of(g, "specialist.math.word_problems.check")["config"]),
              text(node_of(before, "math_check")["config"]));

    // The word problems one: step by step, the bigger model, the same tools and template.
    const json::Value &weak = node_of(g, "specialist.math.word_problems")["config"];
    EXPECT_FALSE(json::find(weak, "prompt_id"));
    EXPECT_EQ(text(weak["model"]), R"({"role":"math","min_size":"3b"})");
    EXPECT_EQ(text(weak["tools"]), R"(["calculator"])");
    EXPECT_EQ(weak["max_tool_rounds"].GetInt(), 4);
    FakeServices services;
    const json::Document math = parse(services.prompt("specialists/math"));
    EXPECT_EQ(ge::string_of(weak, "prompt"), ge::string_of(math, "template"));
    const std::string system = ge::string_of(weak, "system");
    std::string math_system = ge::string_of(math, "system");
    math_system.pop_back(); // its last newline
    EXPECT_EQ(system.rfind(math_system + "\n\n" + prompt_system("meta/expansion_step_by_step"), 0),
              0u)
        << system;
    EXPECT_NE(system.find("Examples of good answers:\n\nRequest: what is 15% of 80?\nAnswer:\n"
                          "15% of 80:\n0.15 * 80 = 12\nThe answer is 12."),
              std::string::npos)
        << system;
    EXPECT_EQ(graph_error(c.graph_json), "");
    EXPECT_EQ(c.rationale.rfind("specialist.math fails mostly on one category: word_problems "
                                "fails 30 of 70 (43%), the other categories 10 of 70 (14%); 75% "
                                "of its failures are word_problems.",
                                0),
              0u)
        << c.rationale;
}

TEST(SplitSpecialist, NothingWhenTheFailuresAreSpreadEvenly) {
    const char *even = R"({"graded":140,"failures":40,"labels":{
        "arithmetic":{"graded":70,"failures":18},"word_problems":{"graded":70,"failures":22}}})";
    const ge::Proposal p = split(request(default_graph(), "specialist.math", kMathFailures, even));
    EXPECT_TRUE(p.candidates.empty());
    EXPECT_EQ(p.reasons, std::vector<std::string>{
                             "specialist.math's failures are not concentrated in one category: "
                             "word_problems fails 22 of 70 (31%), the other categories 18 of 70 "
                             "(26%); 55% of them are word_problems, below min_share 60%"});
    const char *ratio = R"({"labels":{"arithmetic":{"graded":20,"failures":10},
                                      "word_problems":{"graded":30,"failures":20}}})";
    const ge::Proposal q = split(request(default_graph(), "specialist.math", "[]", ratio));
    ASSERT_EQ(q.reasons.size(), 1u);
    EXPECT_EQ(q.reasons[0].rfind("specialist.math fails every category about as often", 0), 0u)
        << q.reasons[0];
}

TEST(SplitSpecialist, NothingForOneCategory) {
    const char *one = R"({"labels":{"code":{"graded":50,"failures":20}}})";
    EXPECT_EQ(split(request(default_graph(), "specialist.code", "[]", one)).reasons,
              std::vector<std::string>{
                  "specialist.code's requests are of one category (code): there is nothing to "
                  "split (the failures and metrics carry the dataset labels)"});
    EXPECT_EQ(split(request(default_graph(), "specialist.code", "[]", "{}")).reasons,
              std::vector<std::string>{
                  "specialist.code's requests are of no labelled category: there is nothing to "
                  "split (the failures and metrics carry the dataset labels)"});
}

TEST(SplitSpecialist, TooFewGradedRequestsOfTheWeakCategory) {
    const char *few = R"({"labels":{"arithmetic":{"graded":60,"failures":1},
                                    "word_problems":{"graded":4,"failures":4}}})";
    EXPECT_EQ(split(request(default_graph(), "specialist.math", "[]", few)).reasons,
              std::vector<std::string>{"specialist.math: only 4 graded word_problems requests, "
                                       "fewer than min_graded 5"});
}

TEST(SplitSpecialist, WithoutMetricsTheFailuresLabelsDecide) {
    const ge::Proposal p = split(request(default_graph(), "specialist.math", kMathFailures, "{}"));
    ASSERT_EQ(p.candidates.size(), 1u);
    // 30 of 40 failures are word problems (the two groups' labels together).
    EXPECT_NE(p.candidates[0].rationale.find("word_problems has 30 of its 40 failures (75%)"),
              std::string::npos)
        << p.candidates[0].rationale;
}

TEST(SplitSpecialist, NothingWhenTheWeakSubSpecialistWouldBeTheNodeAsItIs) {
    json::Document g = parse(default_graph());
    set_config(g, "specialist.math", "model", R"({"role":"math","min_size":"3b"})");
    SplitConfig same;
    same.prompt_id.clear();
    const ge::Proposal p = split(request(text(g), "specialist.math"), same);
    EXPECT_TRUE(p.candidates.empty());
    EXPECT_EQ(p.reasons,
              std::vector<std::string>{
                  "the word_problems sub-specialist of specialist.math would be the node as it "
                  "is; no bigger model: it already asks the biggest model of the role math "
                  "(qwen2.5:3b; math: qwen2.5:1.5b -> qwen2.5:3b)"});
    // The prompt alone is a change.
    const ge::Proposal prompt_only = split(request(text(g), "specialist.math"));
    ASSERT_EQ(prompt_only.candidates.size(), 1u);
    const json::Document out = parse(prompt_only.candidates[0].graph_json);
    EXPECT_EQ(text(node_of(out, "specialist.math.word_problems")["config"]["model"]),
              R"({"role":"math","min_size":"3b"})");
    EXPECT_EQ(graph_error(prompt_only.candidates[0].graph_json), "");
}

TEST(SplitSpecialist, AnEntryNodeWithoutAGateIsReplacedByTheRouter) {
    const std::string graph = graph_from_text(R"(
id: solo
entry: solve
exits: [solve]
nodes:
  - {id: solve, type: model, config: {prompt_id: specialists/math, tools: [calculator]}}
)");
    SplitConfig config;
    config.escalate = false;
    const ge::Proposal p = split(request(graph, "solve"), config);
    ASSERT_EQ(p.candidates.size(), 1u);
    const json::Document g = parse(p.candidates[0].graph_json);
    EXPECT_EQ(ge::string_of(g, "entry"), "solve.router");
    EXPECT_EQ(text(g["exits"]), R"(["solve.arithmetic","solve.word_problems"])");
    EXPECT_EQ(edge_lines(g),
              (std::vector<std::string>{
                  R"(solve.router -> solve.arithmetic [route == "arithmetic"])",
                  R"(solve.router -> solve.word_problems [route == "word_problems"])"}));
    // Not escalated: the prompt file's role, written out.
    EXPECT_EQ(text(node_of(g, "solve.word_problems")["config"]["model"]), R"({"role":"math"})");
    EXPECT_EQ(graph_error(p.candidates[0].graph_json), "");
}

TEST(SplitSpecialist, ASharedGateIsNotSplit) {
    const std::string graph = graph_from_text(R"(
id: shared
entry: pick
exits: [done]
nodes:
  - id: pick
    type: router
    config: {routes: [a, b], default: a}
  - {id: a, type: model, config: {prompt_id: specialists/math}, max_visits: 3}
  - {id: b, type: model, config: {prompt_id: specialists/math}, max_visits: 3}
  - {id: check, type: gate, config: {rules: [{type: non_empty}]}, max_visits: 6}
  - {id: done, type: passthrough}
edges:
  - {from: pick, to: a, when: 'route == "a"'}
  - {from: pick, to: b, when: 'route == "b"'}
  - {from: a, to: check}
  - {from: b, to: check}
  - {from: check, to: done, when: 'route == "pass"'}
  - {from: check, to: a, when: 'route in ["retry", "escalate"] and data.model.role == "x"'}
  - {from: check, to: b, when: 'route in ["retry", "escalate"]'}
)");
    EXPECT_EQ(split(request(graph, "a")).reasons,
              std::vector<std::string>{
                  "the gate check also checks b: split_specialist does not split a shared gate"});
}

TEST(SplitSpecialist, NothingForOtherNodes) {
    EXPECT_EQ(
        split(request(default_graph(), "router")).reasons,
        std::vector<std::string>{"router is a router node: split_specialist splits model nodes"});
}

TEST(SplitSpecialist, TheConfigIsChecked) {
    const SplitConfig c = parse_split_config(
        R"({"weak_category":{"escalate":false,"prompt_id":""},"router":{"min_confidence":0.5}})");
    EXPECT_FALSE(c.escalate);
    EXPECT_EQ(c.prompt_id, "");
    EXPECT_DOUBLE_EQ(c.min_confidence, 0.5);
    EXPECT_THROW(parse_split_config(R"({"weak_category":{"prompt":"x"}})"), sdk::Error);
    EXPECT_THROW(parse_split_config(R"({"min_ratio":0.5})"), sdk::Error);
}

} // namespace
} // namespace tinyllm::mutation::test
