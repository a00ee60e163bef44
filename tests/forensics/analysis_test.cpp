// A window of runs grouped: counts and shares, the nodes blamed, two examples in the window's
// order, the next step, runs that recovered, and those not analysed (running, cancelled).
#include "trace_builder.hpp"

#include "forensics/next_step.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string_view>

namespace tinyllm::forensics_test {
namespace {

using forensics::Category;
using forensics::RunEvidence;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kWrong = R"("12 * 7 = 85" is wrong: the calculator gives 84)";

RunEvidence backend_down(const std::string &id, const std::string &node) {
    RunBuilder b(id);
    if (node != "router") b.ok("router", "router", message("q", {router_data(node)}), node);
    b.fail(node, node == "router" ? "router" : "model", "unavailable", "refused")
        .model_call("connection refused");
    return {b.failed(), {}, std::nullopt};
}

RunEvidence wrong_sum(const std::string &id) {
    RunBuilder b(id);
    b.ok("router", "router", message("q", {router_data("math")}), "math");
    b.ok("math", "model", message("85", {router_data("math")}));
    b.ok("math_check", "gate",
         message("85", {gate_data("retry", {{"numeric_answer", false, kWrong}})}), "retry");
    b.ok("math", "model", message("85", {router_data("math")}));
    b.fail("math_check", "gate", "protocol", "quality gate failed after 2 attempts: " + kWrong);
    return {b.failed(), {}, std::nullopt};
}

RunEvidence fixed_by_gate(const std::string &id) {
    RunBuilder b(id);
    b.ok("router", "router", message("q", {router_data("math")}), "math");
    b.ok("math", "model", message("85", {router_data("math")}));
    b.ok("math_check", "gate",
         message("85", {gate_data("retry", {{"numeric_answer", false, kWrong}})}), "retry");
    b.ok("math", "model", message("84", {router_data("math")}));
    b.ok("math_check", "gate", message("84", {gate_data("pass", {{"numeric_answer", true, ""}})}),
         "pass");
    return {b.succeeded(), {}, std::nullopt};
}

RunEvidence fixed_by_retry(const std::string &id) {
    RunBuilder b(id);
    b.fail("router", "router", "unavailable", "refused").model_call("refused");
    b.ok("router", "router", message("q", {router_data("general")}), "general");
    b.ok("general", "model", message("Paris"));
    return {b.succeeded(), {}, std::nullopt};
}

RunEvidence fine(const std::string &id) {
    RunBuilder b(id);
    b.ok("general", "model", message("Paris"));
    return {b.succeeded(), {}, std::nullopt};
}

TEST(Analysis, GroupsByCategoryAndKeyMostRunsFirst) {
    const std::vector<RunEvidence> window = {
        wrong_sum("r-6"), backend_down("r-5", "router"),
        wrong_sum("r-4"), backend_down("r-3", "math"),
        wrong_sum("r-2"), fine("r-1"),
    };
    const forensics::Report r = forensics::analyse(window, {});
    EXPECT_EQ(r.runs, 6u);
    EXPECT_EQ(r.failed, 5u);
    EXPECT_EQ(r.weak, 0u);
    ASSERT_EQ(r.groups.size(), 2u);

    const forensics::Group &gate = r.groups[0];
    EXPECT_EQ(gate.category, Category::gate_rule);
    EXPECT_EQ(gate.key, "numeric_answer");
    EXPECT_EQ(gate.count, 3u);
    EXPECT_DOUBLE_EQ(gate.share, 0.6);
    ASSERT_EQ(gate.blamed.size(), 1u);
    EXPECT_EQ(gate.blamed[0].name, "math");
    EXPECT_EQ(gate.blamed[0].count, 3u);
    // Two examples, the newest first (the window's order).
    ASSERT_EQ(gate.examples.size(), 2u);
    EXPECT_EQ(gate.examples[0].run_id, "r-6");
    EXPECT_EQ(gate.examples[1].run_id, "r-4");
    EXPECT_EQ(gate.examples[0].excerpt, "math_check: " + kWrong);
    EXPECT_THAT(gate.next_step, HasSubstr("wrong arithmetic from math: give it the calculator"));

    const forensics::Group &backend = r.groups[1];
    EXPECT_EQ(backend.category, Category::backend_unavailable);
    EXPECT_EQ(backend.count, 2u);
    EXPECT_DOUBLE_EQ(backend.share, 0.4);
    ASSERT_EQ(backend.blamed.size(), 2u); // a tie: by name
    EXPECT_EQ(backend.blamed[0].name, "math");
    EXPECT_EQ(backend.blamed[1].name, "router");
    EXPECT_THAT(backend.next_step, HasSubstr("tinyllm doctor"));

    ASSERT_EQ(r.findings.size(), 5u);
    EXPECT_EQ(r.findings[0].run_id, "r-6");
    EXPECT_EQ(r.recovered.runs, 0u);
}

TEST(Analysis, WeakRunsAndTheJudgesLabelsWithTheirNextStep) {
    RunEvidence graded = fine("r-2");
    graded.grades = {grade("r-2", false, 0.0, R"({"failure":"wrong_number"})")};
    const forensics::Report r = forensics::analyse({graded, fine("r-1")}, {});
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(r.weak, 1u);
    ASSERT_EQ(r.groups.size(), 1u);
    EXPECT_EQ(forensics::title(r.groups[0].category, r.groups[0].key),
              "judge verdict: failure=wrong_number");
    EXPECT_EQ(r.groups[0].next_step,
              "wrong_number from general: add the calculator tool or a numeric_answer gate");
}

TEST(Analysis, TheNextStepDoesNotSuggestWhatTheNodeAlreadyHas) {
    RunBuilder b("r-1");
    b.ok("router", "router", message("q", {router_data("math")}), "math");
    b.ok("math", "model", message("9 + 3 = 12", {router_data("math")}))
        .tool_call("calculator", R"({"content":"12","is_error":false})");
    b.ok("math_check", "gate",
         message("9 + 3 = 12",
                 {gate_data("pass", {{"non_empty", true, ""}, {"numeric_answer", true, ""}})}),
         "pass");
    b.ok("done", "passthrough", message("9 + 3 = 12"));
    const trace::Run run = b.succeeded();
    const forensics::Report r = forensics::analyse(
        {{run, {grade(run.id, false, 0.0, R"({"failure":"wrong_number"})")}, std::nullopt}}, {});
    ASSERT_EQ(r.findings.size(), 1u);
    EXPECT_EQ(r.findings[0].help.tools_called, std::vector<std::string>{"calculator"});
    EXPECT_EQ(r.findings[0].help.gate_rules_passed,
              (std::vector<std::string>{"non_empty", "numeric_answer"}));
    ASSERT_EQ(r.groups.size(), 1u);
    EXPECT_THAT(r.groups[0].next_step,
                HasSubstr("wrong_number from math, though it called the calculator and its "
                          "numeric_answer gate passed the answers"));
    EXPECT_THAT(r.groups[0].next_step, Not(HasSubstr("add the calculator tool")));

    // Without either, the plain advice.
    EXPECT_EQ(forensics::next_step(Category::judge_verdict, "failure=wrong_number", "math"),
              "wrong_number from math: add the calculator tool or a numeric_answer gate");
    EXPECT_THAT(
        forensics::next_step(Category::gate_rule, "numeric_answer", "math", {{"calculator"}, {}}),
        HasSubstr("though it called the calculator"));
}

TEST(Analysis, MinScoreReachesTheGrades) {
    RunEvidence graded = fine("r-1");
    graded.grades = {grade("r-1", true, 0.4)};
    EXPECT_TRUE(forensics::analyse({graded}, {}).findings.empty());
    forensics::AnalysisOptions options;
    options.min_score = 0.5;
    EXPECT_EQ(forensics::analyse({graded}, options).findings.size(), 1u);
}

TEST(Analysis, RunsThatRecoveredAreCountedApart) {
    const forensics::Report r = forensics::analyse(
        {fixed_by_gate("r-3"), fixed_by_retry("r-2"), fixed_by_gate("r-1"), fine("r-0")}, {});
    EXPECT_TRUE(r.findings.empty());
    EXPECT_TRUE(r.groups.empty());
    EXPECT_EQ(r.recovered.runs, 3u);
    ASSERT_EQ(r.recovered.gate_rules.size(), 1u);
    EXPECT_EQ(r.recovered.gate_rules[0].name, "numeric_answer");
    EXPECT_EQ(r.recovered.gate_rules[0].count, 2u);
    ASSERT_EQ(r.recovered.retried_codes.size(), 1u);
    EXPECT_EQ(r.recovered.retried_codes[0].name, "unavailable");
}

TEST(Analysis, CancelledRunsAreCountedButNotAnalysedAndRunningOnesNotAtAll) {
    RunBuilder cancelled("r-2");
    cancelled.fail("general", "model", "cancelled", "cancelled", trace::NodeStatus::cancelled);
    RunBuilder running("r-1");
    running.ok("router", "router", message("q"));
    const forensics::Report r =
        forensics::analyse({{cancelled.with_status(trace::RunStatus::cancelled), {}, std::nullopt},
                            {running.with_status(trace::RunStatus::running), {}, std::nullopt},
                            backend_down("r-0", "router")},
                           {});
    EXPECT_EQ(r.runs, 2u);
    EXPECT_EQ(r.cancelled, 1u);
    EXPECT_EQ(r.failed, 1u);
    ASSERT_EQ(r.groups.size(), 1u);
    EXPECT_DOUBLE_EQ(r.groups[0].share, 1.0);
}

TEST(Analysis, UncategorisedRunsAreCountedAsSuch) {
    RunBuilder odd("r-1");
    odd.fail("general", "model", "invalid_argument", "bad option");
    const forensics::Report r =
        forensics::analyse({{odd.failed(), {}, std::nullopt}, fine("r-0")}, {});
    ASSERT_EQ(r.groups.size(), 1u);
    EXPECT_EQ(r.groups[0].category, Category::uncategorised);
    EXPECT_EQ(forensics::title(r.groups[0].category, r.groups[0].key),
              "uncategorised: invalid_argument");
    EXPECT_THAT(r.groups[0].next_step, HasSubstr("tinyllm runs show ID"));
}

TEST(Analysis, AnEmptyWindowHasNothingToSay) {
    const forensics::Report r = forensics::analyse({}, {});
    EXPECT_EQ(r.runs, 0u);
    EXPECT_TRUE(r.groups.empty());
    EXPECT_TRUE(r.findings.empty());
}

TEST(Analysis, EveryCategoryHasItsOwnNamesAndANextStepNamingTheNode) {
    std::set<std::string_view> ids, names;
    for (int c = 0; c <= static_cast<int>(Category::uncategorised); ++c) {
        const auto category = static_cast<Category>(c);
        ids.insert(forensics::to_string(category));
        names.insert(forensics::describe(category));
        EXPECT_THAT(forensics::next_step(category, "", "node_x"), HasSubstr("node_x"))
            << forensics::to_string(category);
    }
    EXPECT_EQ(ids.size(), 10u);
    EXPECT_EQ(names.size(), 10u);
}

} // namespace
} // namespace tinyllm::forensics_test
