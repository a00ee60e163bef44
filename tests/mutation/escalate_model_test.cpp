// escalate_model: the node starts one step up its role's ladder.
#include "escalate_model.hpp"
#include "mutation_test_support.hpp"

namespace tinyllm::mutation::test {
namespace {

ge::Proposal escalate(const ge::Request &r, EscalateConfig config = {}) {
    FakeServices services;
    return propose_escalation(r, config, services);
}

// The candidate graph equals the request's except for node `id`'s config.model.
void expect_only_model_changed(const std::string &before, const std::string &after,
                               const std::string &id) {
    json::Document a = parse(before);
    json::Document b = parse(after);
    ge::node(b, id)->operator[]("config").RemoveMember("model");
    ge::node(a, id)->operator[]("config").RemoveMember("model");
    EXPECT_EQ(text(a), text(b));
}

TEST(EscalateModel, TheDefaultMathSpecialistStartsAtTheBiggerModelOfItsRole) {
    const ge::Proposal p = escalate(request(default_graph(), "specialist.math"));
    ASSERT_EQ(p.candidates.size(), 1u);
    const sdk::Candidate &c = p.candidates[0];
    EXPECT_EQ(c.touched_nodes, std::vector<std::string>{"specialist.math"});
    const json::Document g = parse(c.graph_json);
    EXPECT_EQ(text(node_of(g, "specialist.math")["config"]),
              R"({"prompt_id":"specialists/math","tools":["calculator"],"max_tool_rounds":4,)"
              R"("history":true,"request_tools":true,"request_format":true,)"
              R"("model":{"role":"math","min_size":"3b"}})");
    expect_only_model_changed(default_graph(), c.graph_json, "specialist.math");
    EXPECT_EQ(ge::string_of(g, "id"), "default"); // the host gives the version
    EXPECT_EQ(graph_error(c.graph_json), "");
    EXPECT_NE(c.rationale.find("it now starts at qwen2.5:3b (math: qwen2.5:1.5b -> qwen2.5:3b), "
                               "and a gate can still escalate above it"),
              std::string::npos)
        << c.rationale;
    EXPECT_TRUE(p.reasons.empty());
}

TEST(EscalateModel, TheGeneralSpecialistClimbsOneOrMoreSteps) {
    const ge::Request r = request(default_graph(), "specialist.general");
    const ge::Proposal one = escalate(r);
    ASSERT_EQ(one.candidates.size(), 1u);
    EXPECT_EQ(
        text(node_of(parse(one.candidates[0].graph_json), "specialist.general")["config"]["model"]),
        R"({"role":"general","min_size":"1.5b"})");
    const ge::Proposal two = escalate(r, {2, false});
    ASSERT_EQ(two.candidates.size(), 1u);
    EXPECT_EQ(
        text(node_of(parse(two.candidates[0].graph_json), "specialist.general")["config"]["model"]),
        R"({"role":"general","min_size":"3b"})");
    const ge::Proposal pinned = escalate(r, {1, true});
    ASSERT_EQ(pinned.candidates.size(), 1u);
    EXPECT_EQ(text(node_of(parse(pinned.candidates[0].graph_json),
                           "specialist.general")["config"]["model"]),
              R"("qwen2.5:1.5b")");
    EXPECT_EQ(graph_error(pinned.candidates[0].graph_json), "");
}

TEST(EscalateModel, AMinSizeAlreadySetIsTheStartingRung) {
    json::Document g = parse(default_graph());
    set_config(g, "specialist.general", "model", R"({"role":"general","min_size":"1.5b"})");
    const ge::Proposal p = escalate(request(text(g), "specialist.general"));
    ASSERT_EQ(p.candidates.size(), 1u);
    EXPECT_EQ(
        text(node_of(parse(p.candidates[0].graph_json), "specialist.general")["config"]["model"]),
        R"({"role":"general","min_size":"3b"})");
}

TEST(EscalateModel, NothingAtTheTopOfTheLadder) {
    json::Document g = parse(default_graph());
    set_config(g, "specialist.math", "model", R"({"role":"math","min_size":"3b"})");
    const ge::Proposal p = escalate(request(text(g), "specialist.math"));
    EXPECT_TRUE(p.candidates.empty());
    EXPECT_EQ(p.reasons, std::vector<std::string>{
                             "specialist.math: it already asks the biggest model of the role "
                             "math (qwen2.5:3b; math: qwen2.5:1.5b -> qwen2.5:3b)"});
}

TEST(EscalateModel, APinnedOrDefaultModelMovesUpTheLongestLadderHoldingIt) {
    // direct.yaml's node names no model: default_model, which its calls show.
    const std::string direct = graph_json(source_dir() / "config/graphs/direct.yaml");
    const ge::Proposal p =
        escalate(request(direct, "answer", kMathFailures, R"({"models":{"qwen2.5:0.5b":40}})"));
    ASSERT_EQ(p.candidates.size(), 1u);
    const json::Document g = parse(p.candidates[0].graph_json);
    EXPECT_EQ(text(node_of(g, "answer")["config"]["model"]), R"("qwen2.5:1.5b")");
    EXPECT_EQ(graph_error(p.candidates[0].graph_json), "");
    const ge::Proposal unknown = escalate(request(direct, "answer", kMathFailures, "{}"));
    EXPECT_EQ(unknown.reasons, std::vector<std::string>{
                                   "answer: it asks default_model and its metrics name no model "
                                   "it called"});
}

TEST(EscalateModel, SimulatedModelNamesHaveSizesToo) {
    const std::string roles = R"({"math":["qwen-sim-1.5b","qwen-sim-3b"]})";
    FakeServices services;
    services.roles_json = roles;
    const ge::Proposal p = propose_escalation(
        request(default_graph(), "specialist.math", kMathFailures, kMathMetrics, roles), {},
        services);
    ASSERT_EQ(p.candidates.size(), 1u);
    EXPECT_EQ(
        text(node_of(parse(p.candidates[0].graph_json), "specialist.math")["config"]["model"]),
        R"({"role":"math","min_size":"3b"})");
}

TEST(EscalateModel, NothingForOtherNodesOrWithoutFailedAnswers) {
    EXPECT_EQ(escalate(request(default_graph(), "router")).reasons,
              std::vector<std::string>{
                  "router is a router node: escalate_model changes the model of model nodes"});
    const ge::Proposal down = escalate(
        request(default_graph(), "specialist.math",
                R"([{"category":"backend_unavailable","key":"unavailable","count":12}])", "{}"));
    EXPECT_TRUE(down.candidates.empty());
    ASSERT_EQ(down.reasons.size(), 1u);
    EXPECT_NE(down.reasons[0].find("has no failed answers to fix"), std::string::npos);
}

TEST(EscalateModel, TheConfigIsChecked) {
    EXPECT_EQ(parse_escalate_config("{}").steps, 1);
    EXPECT_TRUE(parse_escalate_config(R"({"pin":true})").pin);
    EXPECT_THROW(parse_escalate_config(R"({"steps":0})"), sdk::Error);
    EXPECT_THROW(parse_escalate_config(R"({"pin":1})"), sdk::Error);
}

} // namespace
} // namespace tinyllm::mutation::test
