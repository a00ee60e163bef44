// add_tool: the calculator for arithmetic failures, the code tool for code failures.
#include "add_tool.hpp"
#include "mutation_test_support.hpp"

namespace tinyllm::mutation::test {
namespace {

ge::Proposal add_tool(const ge::Request &r, AddToolConfig config = {}, FakeServices services = {}) {
    return propose_tool(r, config, services);
}

const char *kGeneralArithmetic = R"([
  {"category":"judge_verdict","key":"failure=wrong_number","count":12,
   "labels":{"general":12},
   "examples":[{"input":"How many minutes are in 3.5 hours?","output":"200","expected":"210",
                "reasons":["the final number 200 is not 210"],"label":"general"}]},
  {"category":"judge_verdict","key":"failure=mismatch","count":4,"labels":{"general":4}}])";

const char *kCodeFailures = R"([
  {"category":"judge_verdict","key":"failure=tests_failed","count":9,"labels":{"code":9}},
  {"category":"timeout","key":"","count":30}])";

TEST(AddTool, TheDefaultMathSpecialistHasTheCalculatorAlready) {
    const ge::Proposal p = add_tool(request(default_graph(), "specialist.math"));
    EXPECT_TRUE(p.candidates.empty());
    EXPECT_EQ(p.reasons, std::vector<std::string>{
                             "40 of 40 failed answers (100%) are arithmetic failures, but "
                             "specialist.math already has the calculator tool"});
}

TEST(AddTool, ANodeWithoutTheCalculatorGetsItForWrongNumbers) {
    const ge::Proposal p =
        add_tool(request(default_graph(), "specialist.general", kGeneralArithmetic, "{}"));
    ASSERT_EQ(p.candidates.size(), 1u);
    const sdk::Candidate &c = p.candidates[0];
    EXPECT_EQ(c.touched_nodes, std::vector<std::string>{"specialist.general"});
    const json::Document g = parse(c.graph_json);
    EXPECT_EQ(text(node_of(g, "specialist.general")["config"]),
              R"({"prompt_id":"specialists/general","history":true,"request_tools":true,)"
              R"("request_format":true,)"
              R"("tools":["calculator"],"max_tool_rounds":4})");
    // Nothing else changed.
    json::Document before = parse(default_graph());
    json::Document after = parse(c.graph_json);
    (*ge::node(before, "specialist.general"))["config"].SetObject();
    (*ge::node(after, "specialist.general"))["config"].SetObject();
    EXPECT_EQ(text(before), text(after));
    EXPECT_EQ(graph_error(c.graph_json), "");
    EXPECT_NE(c.rationale.find("12 of 16 failed answers (75%) are arithmetic failures: with the "
                               "calculator tool the model computes exactly"),
              std::string::npos)
        << c.rationale;
}

TEST(AddTool, ACodeNodeWithoutTheCodeToolGetsItForFailingTests) {
    json::Document g = parse(default_graph());
    set_config(g, "specialist.code", "tools", "[]");
    const ge::Proposal p = add_tool(request(text(g), "specialist.code", kCodeFailures, "{}"));
    ASSERT_EQ(p.candidates.size(), 1u);
    const json::Document out = parse(p.candidates[0].graph_json);
    EXPECT_EQ(text(node_of(out, "specialist.code")["config"]),
              R"({"prompt_id":"specialists/code","tools":["code"],"max_tool_rounds":4,)"
              R"("history":true,"request_tools":true,"request_format":true})");
    EXPECT_EQ(graph_error(p.candidates[0].graph_json), "");
    // The shipped code specialist has it.
    const ge::Proposal has = add_tool(request(default_graph(), "specialist.code", kCodeFailures));
    EXPECT_TRUE(has.candidates.empty());
    EXPECT_EQ(has.reasons,
              std::vector<std::string>{"9 of 9 failed answers (100%) are code failures, but "
                                       "specialist.code already has the code tool"});
}

TEST(AddTool, NothingWhenTheFailuresCallForNoTool) {
    const char *facts = R"([{"category":"judge_verdict","key":"failure=mismatch","count":20,
                             "labels":{"general":20}}])";
    const ge::Proposal p = add_tool(request(default_graph(), "specialist.general", facts, "{}"));
    EXPECT_TRUE(p.candidates.empty());
    EXPECT_EQ(p.reasons, std::vector<std::string>{
                             "none of specialist.general's 20 failed answers calls for a tool: "
                             "they are neither arithmetic nor code failures"});
}

TEST(AddTool, NothingBelowMinShareOrWithoutTheTool) {
    const ge::Request r = request(default_graph(), "specialist.general", kGeneralArithmetic, "{}");
    AddToolConfig strict;
    strict.min_share = 0.8;
    EXPECT_EQ(add_tool(r, strict).reasons,
              std::vector<std::string>{"only 12 of 16 failed answers (75%) are arithmetic "
                                       "failures, below min_share 80%: no calculator tool"});
    FakeServices no_tools;
    no_tools.tools.clear();
    EXPECT_EQ(add_tool(r, {}, no_tools).reasons,
              std::vector<std::string>{"12 of 16 failed answers (75%) are arithmetic failures, "
                                       "but there is no tool named calculator (`tinyllm tool "
                                       "list`)"});
    AddToolConfig off;
    off.arithmetic_tool.clear();
    EXPECT_TRUE(add_tool(r, off).candidates.empty());
}

TEST(AddTool, NothingForOtherNodesOrWithoutFailedAnswers) {
    EXPECT_EQ(
        add_tool(request(default_graph(), "math_check")).reasons,
        std::vector<std::string>{"math_check is a gate node: add_tool gives tools to model nodes"});
    EXPECT_EQ(add_tool(request(default_graph(), "specialist.math", "[]", "{}")).reasons,
              std::vector<std::string>{
                  "specialist.math has no failed answers: a tool would not change anything"});
}

TEST(AddTool, TheConfigIsChecked) {
    const AddToolConfig c = parse_add_tool_config(R"({"tools":{"arithmetic":"calc2"}})");
    EXPECT_EQ(c.arithmetic_tool, "calc2");
    EXPECT_EQ(c.code_tool, "code");
    EXPECT_THROW(parse_add_tool_config(R"({"tools":{"poetry":"x"}})"), sdk::Error);
    EXPECT_THROW(parse_add_tool_config(R"({"min_share":2})"), sdk::Error);
}

} // namespace
} // namespace tinyllm::mutation::test
