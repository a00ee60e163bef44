// One test (or more) per category: which structured data puts a run in it, the node blamed and
// the excerpt shown; and the runs that are not failures at all.
#include "trace_builder.hpp"

#include "store/run_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::forensics_test {
namespace {

using forensics::Category;
using ::testing::HasSubstr;
using trace::NodeStatus;

const std::string kWrong = R"("12 * 7 = 85" is wrong: the calculator gives 84)";

RunBuilder routed_to_math(const std::string &id = "r-1") {
    RunBuilder b(id);
    b.ok("router", "router", message("What is 12*7?", {router_data("math")}), "math");
    return b;
}

TEST(Classify, ABackendThatDoesNotAnswerIsBackendUnavailable) {
    const auto f =
        classify_one(routed_to_math()
                         .fail("math", "model", "unavailable", "backend local: connection refused")
                         .model_call("cannot connect to http://127.0.0.1:11434: connection refused")
                         .failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::backend_unavailable);
    EXPECT_EQ(f->key, "unavailable");
    EXPECT_EQ(f->node, "math");
    EXPECT_EQ(f->node_type, "model");
    EXPECT_TRUE(f->run_failed);
    EXPECT_EQ(f->run_id, "r-1");
    EXPECT_EQ(f->excerpt, "qwen2.5:0.5b on backend local: cannot connect to "
                          "http://127.0.0.1:11434: connection refused");
}

TEST(Classify, AnErrorAnsweredByTheServerIsBackendUnavailableRemote) {
    const auto f = classify_one(routed_to_math()
                                    .fail("math", "model", "remote", "model \"x\" not found")
                                    .model_call("model \"x\" not found")
                                    .failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::backend_unavailable);
    EXPECT_EQ(f->key, "remote");
}

TEST(Classify, ATimedOutNodeIsATimeout) {
    const auto f =
        classify_one(routed_to_math()
                         .fail("math", "model", "timeout", "timed out after 5000 ms (timeout_ms)",
                               NodeStatus::timed_out)
                         .model_call("cancelled")
                         .failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::timeout);
    EXPECT_EQ(f->node, "math");
    EXPECT_EQ(f->excerpt, "timed out after 5000 ms (timeout_ms)");
}

TEST(Classify, TheRunsBudgetRunningOutIsATimeoutOfNoNode) {
    RunBuilder b("r-1");
    b.ok("router", "router", message("q", {router_data("math")}), "math");
    const auto f = classify_one(b.failed_at("", "timeout", "the run's time budget ran out"));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::timeout);
    EXPECT_EQ(f->node, "");
    EXPECT_EQ(f->excerpt, "the run's time budget ran out");
}

TEST(Classify, AFailedToolCallTheNodeEndedOnIsAToolError) {
    const auto f =
        classify_one(routed_to_math()
                         .fail("math", "model", "unavailable", "code: the sandbox is unavailable")
                         .model_call("", 10)
                         .tool_call("code", "", "bwrap: cannot create a user namespace", 20)
                         .failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::tool_error);
    EXPECT_EQ(f->key, "code");
    EXPECT_EQ(f->node, "math");
    EXPECT_EQ(f->excerpt, "code: bwrap: cannot create a user namespace");
}

TEST(Classify, AToolResultWithIsErrorIsAToolError) {
    const auto f = classify_one(
        routed_to_math()
            .fail("math", "model", "invalid_argument", "the tool's output is not a number")
            .model_call("", 10)
            .tool_call("code", R"({"content":"NameError: x\n[exit code 1]","is_error":true})", "",
                       20)
            .failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::tool_error);
    EXPECT_EQ(f->excerpt, "code (is_error): NameError: x [exit code 1]");
}

TEST(Classify, AModelCallThatFailedAfterTheToolIsTheBackendsFault) {
    // The tool's error went back to the model, which then could not be reached.
    const auto f = classify_one(routed_to_math()
                                    .fail("math", "model", "unavailable", "connection refused")
                                    .model_call("", 10)
                                    .tool_call("calculator", "", "division by zero", 20)
                                    .model_call("connection refused", 30)
                                    .failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::backend_unavailable);
}

TEST(Classify, TheToolRoundLimitIsAToolLoop) {
    const auto f = classify_one(
        routed_to_math()
            .fail("math", "model", "protocol",
                  "the model still asked for tools after 4 rounds (max_tool_rounds); its last "
                  "request: [{\"function\":{\"name\":\"calculator\"}}]")
            .model_call()
            .tool_call("calculator", R"({"content":"84","is_error":false})")
            .failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::tool_loop);
    EXPECT_EQ(f->node, "math");
    EXPECT_THAT(f->excerpt, HasSubstr("(max_tool_rounds)"));
}

TEST(Classify, AProtocolErrorOfANodeThatIsNoGateIsAFormatViolation) {
    RunBuilder b("r-1");
    b.fail("router", "router", "protocol", "the classifier answered no JSON object: \"math\"");
    const auto f = classify_one(b.failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::format);
    EXPECT_EQ(f->key, "");
    EXPECT_EQ(f->node, "router");
}

// A gate that stops after a retry: its reasons are the retried decision's, so the rule is known.
trace::Run stopped_after_retry(const std::string &second_reason,
                               const std::string &rule = "numeric_answer") {
    auto b = routed_to_math();
    b.ok("math", "model", message("12 * 7 = 85", {router_data("math")}));
    b.ok("math_check", "gate",
         message("12 * 7 = 85", {router_data("math"), gate_data("retry", {{"non_empty", true, ""},
                                                                          {rule, false, kWrong}})}),
         "retry");
    b.ok("math", "model", message("12 * 7 = 86", {router_data("math")}));
    b.fail("math_check", "gate", "protocol",
           "quality gate failed after 2 attempts: " + second_reason);
    return b.failed();
}

TEST(Classify, AStoppedGateIsAGateRuleBlamedOnTheNodeItChecked) {
    const auto f = classify_one(stopped_after_retry(kWrong));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::gate_rule);
    EXPECT_EQ(f->key, "numeric_answer");
    EXPECT_FALSE(f->inferred);
    EXPECT_EQ(f->node, "math");
    EXPECT_EQ(f->node_type, "model");
    EXPECT_EQ(f->excerpt, "math_check: " + kWrong);
}

TEST(Classify, AStoppedGatesNewReasonTakesTheRuleOfItsPreviousDecision) {
    const auto f =
        classify_one(stopped_after_retry(R"("12 * 7 = 86" is wrong: the calculator gives 84)"));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::gate_rule);
    EXPECT_EQ(f->key, "numeric_answer");
    EXPECT_TRUE(f->inferred);
}

TEST(Classify, AGateThatStopsAtOnceHasNoRecordedRule) {
    auto b = routed_to_math();
    b.ok("math", "model", message("It is 85.", {router_data("math")}));
    b.fail("check", "gate", "protocol", "quality gate failed after 1 attempt: it is wrong");
    const auto f = classify_one(b.failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::gate_rule);
    EXPECT_EQ(f->key, "");
    EXPECT_EQ(forensics::title(f->category, f->key), "gate rule: (not recorded)");
    EXPECT_EQ(f->node, "math");
}

TEST(Classify, AGatesJsonRulesAreFormatViolations) {
    const auto f =
        classify_one(stopped_after_retry("missing required key \"answer\"", "json_schema"));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::format);
    EXPECT_EQ(f->key, "json_schema");
    EXPECT_EQ(f->node, "math");
}

TEST(Classify, AGateRejectingAnEmptyAnswerIsAnEmptyAnswer) {
    auto b = routed_to_math();
    b.ok("math", "model", message("  \n", {router_data("math")}));
    b.fail("check", "gate", "protocol", "quality gate failed after 1 attempt: the answer is empty");
    const auto f = classify_one(b.failed());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::empty_answer);
    EXPECT_EQ(f->key, "");
    EXPECT_EQ(f->node, "math");
}

TEST(Classify, AnEmptyFinalAnswerIsBlamedOnTheNodeThatEmptiedIt) {
    auto b = routed_to_math();
    b.ok("math", "model", message("", {router_data("math")}));
    b.ok("done", "passthrough", message("", {router_data("math")}));
    const auto f = classify_one(b.succeeded());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::empty_answer);
    EXPECT_FALSE(f->run_failed);
    EXPECT_EQ(f->node, "math");
    EXPECT_EQ(f->excerpt, "the final answer is empty");
}

trace::Run answered(const std::string &id = "r-1", const std::string &route = "math") {
    RunBuilder b(id);
    b.ok("router", "router", message("What is 12*7?", {router_data(route)}), route);
    b.ok(route, "model", message("It is 85.", {router_data(route)}));
    b.ok("check", "gate", message("It is 85.", {router_data(route), gate_data("pass", {})}),
         "pass");
    b.ok("done", "passthrough", message("It is 85.", {router_data(route)}));
    return b.succeeded();
}

TEST(Classify, AFailingGradeIsAJudgeVerdictByItsFailureLabel) {
    const trace::Run run = answered();
    const auto f =
        classify_one({run,
                      {grade(run.id, false, 0.0, R"({"check":"numeric","failure":"wrong_number"})",
                             R"(["the answer's final number 85 is not 84"])")},
                      std::nullopt});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::judge_verdict);
    EXPECT_EQ(f->key, "failure=wrong_number");
    EXPECT_EQ(f->node, "math"); // the node that wrote the answer, not the gate or done
    EXPECT_FALSE(f->run_failed);
    EXPECT_EQ(f->excerpt, "rules (score 0.00): the answer's final number 85 is not 84");
}

TEST(Classify, AGradeOfANodeBlamesThatNode) {
    const trace::Run run = answered();
    store::GradeRecord g = grade(run.id, false, std::nullopt);
    g.node_id = "router";
    const auto f = classify_one({run, {g}, std::nullopt});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->node, "router");
    EXPECT_EQ(f->key, ""); // no failure label
}

TEST(Classify, AScoreBelowMinScoreIsLowOnlyWhenAsked) {
    const trace::Run run = answered();
    const forensics::RunEvidence evidence{run, {grade(run.id, true, 0.3)}, std::nullopt};
    EXPECT_FALSE(classify_one(evidence));
    forensics::ClassifyOptions strict;
    strict.min_score = 0.5;
    const auto f = classify_one(evidence, strict);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::judge_verdict);
    strict.min_score = 0.3;
    EXPECT_FALSE(classify_one(evidence, strict)); // not below
}

TEST(Classify, AJudgeThatFailedSaysNothingAboutTheAnswer) {
    const trace::Run run = answered();
    store::GradeRecord g = grade(run.id, std::nullopt, std::nullopt);
    g.error = "judge llm: the model answered garbage";
    EXPECT_FALSE(classify_one({run, {g}, std::nullopt}));
}

TEST(Classify, ARouterDecisionAgainstTheLabelIsAWrongRoute) {
    const trace::Run run = answered("r-1", "general");
    const auto f = classify_one(
        {run, {grade(run.id, false, 0.0, R"({"failure":"wrong_number"})")}, std::string("math")});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::wrong_route);
    EXPECT_EQ(f->key, "expected math, routed general");
    EXPECT_EQ(f->node, "router");
    EXPECT_THAT(f->excerpt, HasSubstr("routed to general where the label says math; then judge "
                                      "verdict in general: rules (score 0.00)"));
}

TEST(Classify, AGradesRouteLabelAlsoNamesTheExpectedRoute) {
    const trace::Run run = answered("r-1", "general");
    const auto f =
        classify_one({run, {grade(run.id, false, 0.0, R"({"route":"math"})")}, std::nullopt});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::wrong_route);
    const auto right = classify_one(
        {answered("r-2", "math"), {grade("r-2", false, 0.0, R"({"route":"math"})")}, std::nullopt});
    ASSERT_TRUE(right);
    EXPECT_EQ(right->category, Category::judge_verdict);
}

TEST(Classify, TheInfrastructuresFailuresStayWhateverTheRoute) {
    RunBuilder b("r-1");
    b.ok("router", "router", message("q", {router_data("general")}), "general");
    b.fail("general", "model", "unavailable", "connection refused").model_call("refused");
    const auto f = classify_one({b.failed(), {}, std::string("math")});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::backend_unavailable);
}

TEST(Classify, ALimitHitWhileAGateSentAnswersBackIsThatGatesRule) {
    auto b = routed_to_math();
    b.ok("math", "model", message("85", {router_data("math")}));
    b.ok("check", "gate",
         message("85",
                 {router_data("math"), gate_data("retry", {{"numeric_answer", false, kWrong}})}),
         "retry");
    const auto f = classify_one(b.failed_at(
        "math", "limit_exceeded", "node math was entered more than 4 times (max_visits)"));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::gate_rule);
    EXPECT_EQ(f->key, "numeric_answer");
    EXPECT_EQ(f->node, "math");
    EXPECT_THAT(f->excerpt, HasSubstr("(max_visits); the gate check last said: " + kWrong));
}

TEST(Classify, WhatNoSignalExplainsIsUncategorisedByItsCode) {
    auto b = routed_to_math();
    b.ok("math", "model", message("85", {router_data("math")}));
    const auto limit =
        classify_one(b.failed_at("math", "limit_exceeded", "the run exceeded max_steps (24)"));
    ASSERT_TRUE(limit);
    EXPECT_EQ(limit->category, Category::uncategorised);
    EXPECT_EQ(limit->key, "limit_exceeded");
    EXPECT_EQ(limit->node, "math");

    const auto odd = classify_one(
        routed_to_math().fail("math", "model", "invalid_argument", "bad option").failed());
    ASSERT_TRUE(odd);
    EXPECT_EQ(odd->category, Category::uncategorised);
    EXPECT_EQ(odd->key, "invalid_argument");

    // Recorded before the store kept node error codes, and by a run that knew none either.
    const auto old = classify_one(routed_to_math().fail("math", "model", "", "x").failed());
    ASSERT_TRUE(old);
    EXPECT_EQ(old->key, "unknown");
}

TEST(Classify, AnOldRunsCodeIsTheRunsOwn) {
    // Before schema v2 a node has no error code; the run's is the failed node's.
    const auto f = classify_one(routed_to_math()
                                    .fail("math", "model", "", "connection refused")
                                    .model_call("connection refused")
                                    .failed("unavailable"));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::backend_unavailable);
}

TEST(Classify, AnInterruptedRunIsUncategorisedAsSuch) {
    RunBuilder b("r-1");
    b.ok("router", "router", message("q", {router_data("math")}), "math");
    const auto f = classify_one(b.failed_at("", "internal", store::RunStore::kInterruptedMessage));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::uncategorised);
    EXPECT_EQ(f->key, "interrupted");
}

TEST(Classify, RunsThatWentWellAreNoFindings) {
    EXPECT_FALSE(classify_one(answered()));
    const trace::Run run = answered();
    EXPECT_FALSE(classify_one({run, {grade(run.id, true, 1.0)}, std::nullopt}));
    RunBuilder running("r-2");
    running.ok("router", "router", message("q"));
    EXPECT_FALSE(classify_one(running.with_status(trace::RunStatus::running)));
    RunBuilder cancelled("r-3");
    cancelled.fail("router", "router", "cancelled", "cancelled", NodeStatus::cancelled);
    EXPECT_FALSE(classify_one(cancelled.with_status(trace::RunStatus::cancelled)));
}

} // namespace
} // namespace tinyllm::forensics_test
