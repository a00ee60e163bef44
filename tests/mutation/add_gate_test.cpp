// add_gate: a gate after a node that has none, or one more feedback round for its gate.
#include "add_gate.hpp"
#include "mutation_test_support.hpp"

namespace tinyllm::mutation::test {
namespace {

ge::Proposal add_gate(const ge::Request &r, AddGateConfig config = {}, FakeServices services = {}) {
    return propose_gate(r, config, services);
}

const char *kSmall = R"(
id: small
version: 1.0.0
entry: solve
exits: [done]
nodes:
  - id: solve
    type: model
    config: {prompt_id: specialists/math, tools: [calculator]}
  - id: done
    type: passthrough
edges:
  - {from: solve, to: done}
)";

TEST(AddGate, ANodeWithoutAGateGetsOneWithRulesForItsFailures) {
    const ge::Proposal p = add_gate(request(graph_from_text(kSmall), "solve"));
    ASSERT_EQ(p.candidates.size(), 1u);
    const sdk::Candidate &c = p.candidates[0];
    EXPECT_EQ(c.touched_nodes, (std::vector<std::string>{"solve", "solve.check"}));
    const json::Document g = parse(c.graph_json);
    EXPECT_EQ(node_ids(g), (std::vector<std::string>{"solve", "solve.check", "done"}));
    EXPECT_EQ(text(node_of(g, "solve.check")),
              R"({"id":"solve.check","type":"gate","config":{"rules":[{"type":"non_empty"},)"
              R"({"type":"length","max":6000},{"type":"numeric_answer","tool":"calculator"}],)"
              R"("max_feedback":1,"escalate":true},"max_visits":3})");
    // 1 answer + 1 with feedback + 1 with math's bigger model.
    EXPECT_EQ(node_of(g, "solve")["max_visits"].GetInt(), 3);
    EXPECT_EQ(edge_lines(g), (std::vector<std::string>{
                                 "solve -> solve.check", R"(solve.check -> done [route == "pass"])",
                                 R"(solve.check -> solve [route in ["retry", "escalate"]])"}));
    EXPECT_EQ(graph_error(c.graph_json), "");
    EXPECT_NE(c.rationale.find("The gate solve.check checks non_empty, length, numeric_answer (40 "
                               "of 40 failed answers are of a kind they reject)"),
              std::string::npos)
        << c.rationale;
}

TEST(AddGate, AnExitNodeHandsTheExitToAPassthroughAfterItsGate) {
    const std::string direct = graph_json(source_dir() / "config/graphs/direct.yaml");
    const ge::Proposal p = add_gate(
        request(direct, "answer", R"([{"category":"empty_answer","key":"","count":5}])", "{}"));
    ASSERT_EQ(p.candidates.size(), 1u);
    const json::Document g = parse(p.candidates[0].graph_json);
    EXPECT_EQ(node_ids(g), (std::vector<std::string>{"answer", "answer.check", "answer.done"}));
    EXPECT_EQ(text(g["exits"]), R"(["answer.done"])");
    EXPECT_TRUE(node_of(g, "answer")["answer"].GetBool());
    EXPECT_EQ(node_of(g, "answer")["max_visits"].GetInt(), 2); // no role: no bigger model
    EXPECT_EQ(text(node_of(g, "answer.check")["config"]["rules"]),
              R"([{"type":"non_empty"},{"type":"length","max":6000}])");
    EXPECT_EQ(edge_lines(g),
              (std::vector<std::string>{
                  "answer -> answer.check", R"(answer.check -> answer.done [route == "pass"])",
                  R"(answer.check -> answer [route in ["retry", "escalate"]])"}));
    EXPECT_EQ(p.candidates[0].touched_nodes,
              (std::vector<std::string>{"answer", "answer.check", "answer.done"}));
    EXPECT_EQ(graph_error(p.candidates[0].graph_json), "");
}

TEST(AddGate, CodeFailuresGetACodeBlockRule) {
    const std::string graph = graph_from_text(R"(
id: coder
entry: write
exits: [write]
nodes:
  - {id: write, type: model, config: {prompt_id: specialists/code}}
)");
    const ge::Proposal p = add_gate(request(
        graph, "write",
        R"([{"category":"judge_verdict","key":"failure=no_code","count":7,"labels":{"code":7}}])",
        "{}"));
    ASSERT_EQ(p.candidates.size(), 1u);
    const json::Document g = parse(p.candidates[0].graph_json);
    EXPECT_EQ(text(node_of(g, "write.check")["config"]["rules"]),
              R"([{"type":"non_empty"},{"type":"code_block"}])");
    EXPECT_EQ(node_of(g, "write.check")["max_visits"].GetInt(), 3);
    EXPECT_EQ(graph_error(p.candidates[0].graph_json), "");
}

TEST(AddGate, WrongAnswersNoRuleCatchesNeedAJudge) {
    const char *facts = R"([{"category":"judge_verdict","key":"failure=mismatch","count":20,
                             "labels":{"general":20}}])";
    const ge::Request r = request(graph_from_text(R"(
id: facts
entry: answer
exits: [answer]
nodes:
  - {id: answer, type: model, config: {prompt_id: specialists/general}}
)"),
                                  "answer", facts, "{}");
    const ge::Proposal none = add_gate(r);
    EXPECT_TRUE(none.candidates.empty());
    EXPECT_EQ(none.reasons,
              std::vector<std::string>{
                  "a gate on answer would check non_empty, length, and none of its failed "
                  "answers is one these rules reject (answer failed 20 runs, most often "
                  "judge_verdict failure=mismatch (20)): it would pass them all; set judge: to "
                  "gate with a judge"});
    AddGateConfig judged;
    judged.judge = "llm";
    const ge::Proposal p = add_gate(r, judged);
    ASSERT_EQ(p.candidates.size(), 1u);
    const json::Document g = parse(p.candidates[0].graph_json);
    EXPECT_EQ(
        text(node_of(g, "answer.check")["config"]["rules"]),
        R"([{"type":"non_empty"},{"type":"length","max":6000},{"type":"judge","judge":"llm"}])");
    // general: 0.5b -> 1.5b -> 3b: four attempts.
    EXPECT_EQ(node_of(g, "answer.check")["max_visits"].GetInt(), 4);
    EXPECT_EQ(graph_error(p.candidates[0].graph_json), "");
}

TEST(AddGate, WithoutTheCalculatorNoNumericRule) {
    FakeServices no_tools;
    no_tools.tools.clear();
    const ge::Proposal p = add_gate(request(graph_from_text(kSmall), "solve"), {}, no_tools);
    EXPECT_TRUE(p.candidates.empty());
    ASSERT_EQ(p.reasons.size(), 1u);
    EXPECT_EQ(p.reasons[0].rfind("a gate on solve would check non_empty, length, and none", 0), 0u);
}

TEST(AddGate, ConditionsOnTheNodesEdgesStayBehindTheGate) {
    const std::string graph = graph_from_text(R"(
id: cond
entry: solve
exits: [done, other]
nodes:
  - {id: solve, type: model, config: {prompt_id: specialists/math}}
  - {id: done, type: passthrough}
  - {id: other, type: passthrough}
edges:
  - {from: solve, to: done, when: 'data.short'}
  - {from: solve, to: other, when: 'not data.short'}
)");
    const ge::Proposal p = add_gate(request(graph, "solve"));
    ASSERT_EQ(p.candidates.size(), 1u);
    EXPECT_EQ(
        edge_lines(parse(p.candidates[0].graph_json)),
        (std::vector<std::string>{"solve -> solve.check",
                                  R"(solve.check -> done [route == "pass" and (data.short)])",
                                  R"(solve.check -> other [route == "pass" and (not data.short)])",
                                  R"(solve.check -> solve [route in ["retry", "escalate"]])"}));
    EXPECT_EQ(graph_error(p.candidates[0].graph_json), "");

    const std::string routed = graph_from_text(R"(
id: routed
entry: solve
exits: [done, other]
nodes:
  - {id: solve, type: model, config: {prompt_id: specialists/math}}
  - {id: done, type: passthrough}
  - {id: other, type: passthrough}
edges:
  - {from: solve, to: done, when: 'data.short'}
  - {from: solve, to: other, when: else}
)");
    EXPECT_EQ(add_gate(request(routed, "solve")).reasons,
              std::vector<std::string>{
                  "solve's edges test its route (else): add_gate does not rewrite them behind a "
                  "gate"});
}

TEST(AddGate, TheDefaultMathGateGetsOneMoreFeedbackRound) {
    const ge::Proposal p = add_gate(request(default_graph(), "specialist.math"));
    ASSERT_EQ(p.candidates.size(), 1u);
    const sdk::Candidate &c = p.candidates[0];
    EXPECT_EQ(c.touched_nodes, (std::vector<std::string>{"specialist.math", "math_check"}));
    json::Document g = parse(c.graph_json);
    EXPECT_EQ(node_of(g, "math_check")["config"]["max_feedback"].GetInt(), 2);
    EXPECT_EQ(node_of(g, "math_check")["max_visits"].GetInt(), 5);
    EXPECT_EQ(node_of(g, "specialist.math")["max_visits"].GetInt(), 5);
    // Nothing else.
    json::Document before = parse(default_graph());
    for (json::Document *d : {&before, &g}) {
        (*ge::node(*d, "math_check"))["config"]["max_feedback"] = 0;
        (*ge::node(*d, "math_check"))["max_visits"] = 0;
        (*ge::node(*d, "specialist.math"))["max_visits"] = 0;
    }
    EXPECT_EQ(text(before), text(g));
    EXPECT_EQ(graph_error(c.graph_json), "");
    EXPECT_NE(c.rationale.find("9 of them are the gate's rejections"), std::string::npos)
        << c.rationale;
}

TEST(AddGate, NothingWhenTheGateIsNotWhatRejects) {
    const char *judged = R"([{"category":"judge_verdict","key":"failure=wrong_number","count":12,
                              "labels":{"word_problems":12}}])";
    const ge::Proposal p = add_gate(request(default_graph(), "specialist.math", judged, "{}"));
    EXPECT_TRUE(p.candidates.empty());
    EXPECT_EQ(p.reasons, std::vector<std::string>{
                             "specialist.math has a gate (math_check) and none of its failures "
                             "is the gate's rejection (specialist.math failed 12 runs, most "
                             "often judge_verdict failure=wrong_number (12)): more feedback "
                             "rounds would not run for them"});
    AddGateConfig off;
    off.raise_feedback = false;
    EXPECT_TRUE(add_gate(request(default_graph(), "specialist.math"), off).candidates.empty());
}

TEST(AddGate, AGateWithoutFeedbackStartsRetrying) {
    const std::string graph = graph_from_text(R"(
id: nofb
entry: solve
exits: [done]
nodes:
  - {id: solve, type: model, config: {prompt_id: specialists/math}, max_visits: 2}
  - id: check
    type: gate
    config: {rules: [{type: numeric_answer}], max_feedback: 0}
    max_visits: 2
  - {id: done, type: passthrough}
edges:
  - {from: solve, to: check}
  - {from: check, to: done, when: 'route == "pass"'}
  - {from: check, to: solve, when: 'route == "escalate"'}
)");
    const ge::Proposal p = add_gate(request(graph, "solve"));
    ASSERT_EQ(p.candidates.size(), 1u);
    const json::Document g = parse(p.candidates[0].graph_json);
    EXPECT_EQ(node_of(g, "check")["config"]["max_feedback"].GetInt(), 1);
    EXPECT_EQ(edge_lines(g)[2], R"(check -> solve [route in ["retry", "escalate"]])");
    EXPECT_EQ(node_of(g, "check")["max_visits"].GetInt(), 3);
    EXPECT_EQ(graph_error(p.candidates[0].graph_json), "");
}

TEST(AddGate, NothingForOtherNodesOrWithoutFailedAnswers) {
    EXPECT_EQ(add_gate(request(default_graph(), "done")).reasons,
              std::vector<std::string>{
                  "done is a passthrough node: add_gate checks the answers of model nodes"});
    EXPECT_EQ(
        add_gate(request(graph_from_text(kSmall), "solve", "[]", "{}")).reasons,
        std::vector<std::string>{"solve has no failed answers: a gate would only add latency"});
}

TEST(AddGate, TheConfigIsChecked) {
    EXPECT_EQ(parse_add_gate_config(R"({"judge":"llm"})").judge, "llm");
    EXPECT_THROW(parse_add_gate_config(R"({"max_feedback":11})"), sdk::Error);
    EXPECT_THROW(parse_add_gate_config(R"({"max_length":0})"), sdk::Error);
}

} // namespace
} // namespace tinyllm::mutation::test
