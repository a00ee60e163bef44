// The walks that find whom to blame: the failure that ended the run (not an earlier attempt
// that a retry fixed), the node a gate checked (through retries and in fan-out branches), and
// the node that wrote the answer.
#include "trace_builder.hpp"

#include <gtest/gtest.h>

namespace tinyllm::forensics_test {
namespace {

using forensics::Category;
using forensics::TraceView;

TEST(Blame, AnAttemptThatARetryFixedIsNotTheCause) {
    RunBuilder b("r-1");
    b.fail("router", "router", "unavailable", "connection refused").model_call("refused");
    b.ok("router", "router", message("q", {router_data("math")}), "math");
    b.ok("math", "model", message("85", {router_data("math")}));
    b.fail("check", "gate", "protocol", "quality gate failed after 1 attempt: wrong");
    const trace::Run run = b.failed();
    const TraceView view(run);
    EXPECT_EQ(view.decisive_failure(), 3u);
    const auto f = classify_one(run);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::gate_rule);
    EXPECT_EQ(f->node, "math");
}

TEST(Blame, TheLastAttemptOfTheFailedNodeIsTheOneThatCounts) {
    RunBuilder b("r-1");
    b.fail("router", "router", "timeout", "slow", trace::NodeStatus::timed_out);
    b.fail("router", "router", "unavailable", "connection refused").model_call("refused");
    const trace::Run run = b.failed();
    EXPECT_EQ(TraceView(run).decisive_failure(), 1u);
    EXPECT_EQ(classify_one(run)->category, Category::backend_unavailable);
}

TEST(Blame, ANodeWhoseLastExecutionSucceededDidNotFail) {
    RunBuilder b("r-1");
    b.fail("math", "model", "unavailable", "refused");
    b.ok("math", "model", message("84"));
    const trace::Run run = b.failed_at("math", "limit_exceeded", "max_visits");
    EXPECT_FALSE(TraceView(run).decisive_failure());
}

TEST(Blame, AGateInABranchChecksTheNodeBeforeItInThatBranch) {
    // Fan-out: branch 0 (draft -> check_a) and branch 1 (other) interleave by seq.
    RunBuilder b("r-1");
    b.ok("split", "passthrough", message("q"));
    b.branch("0").ok("draft", "model", message("draft answer"));
    b.branch("1").ok("other", "model", message("other answer"));
    b.branch("0").fail("check_a", "gate", "protocol",
                       "quality gate failed after 1 attempt: too long");
    const trace::Run run = b.failed();
    const TraceView view(run);
    EXPECT_EQ(view.previous_in_branch(3), 1u); // draft, not other
    EXPECT_EQ(view.previous_in_branch(1), 0u); // the fan-out's source encloses the branch
    const auto f = classify_one(run);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->node, "draft");
}

TEST(Blame, ANestedBranchSeesTheBranchItForkedFrom) {
    RunBuilder b("r-1");
    b.branch("0").ok("a", "model", message("a"));
    b.branch("1").ok("b", "model", message("b"));
    b.branch("0.1").ok("c", "model", message("c"));
    b.branch("1.0").ok("d", "model", message("d"));
    const trace::Run run = b.with_status(trace::RunStatus::running);
    const TraceView view(run);
    EXPECT_EQ(view.previous_in_branch(2), 0u); // c (0.1) follows a (0)
    EXPECT_EQ(view.previous_in_branch(3), 1u); // d (1.0) follows b (1), not c
    EXPECT_FALSE(view.previous_in_branch(0));
    EXPECT_EQ(view.content_received(0), run.input);
}

TEST(Blame, TheAnswerIsWrittenByTheLastNodeThatChangedIt) {
    RunBuilder b("r-1");
    b.ok("router", "router", message("q", {router_data("math")}), "math");
    b.ok("math", "model", message("85", {router_data("math")}));
    b.ok("check", "gate", message("85", {gate_data("retry", {{"numeric_answer", false, "no"}})}),
         "retry");
    b.ok("big", "model", message("84", {router_data("math")}));
    b.ok("check", "gate", message("84", {gate_data("pass", {{"numeric_answer", true, ""}})}),
         "pass");
    b.ok("done", "passthrough", message("84"));
    const trace::Run run = b.succeeded();
    const TraceView view(run);
    EXPECT_EQ(view.answer_producer(), 3u);
    EXPECT_EQ(view.router_decision(), 0u);
    EXPECT_EQ(view.last_decision_before(view.size()), 4u);
    // The gate's data travels on in later messages: only the gate's own executions decided.
    EXPECT_TRUE(view.decision(2) != nullptr);
    EXPECT_TRUE(view.decision(3) == nullptr);
    EXPECT_TRUE(view.is_gate("check"));
    EXPECT_FALSE(view.is_gate("done"));
}

TEST(Blame, AThirdPartyGateIsKnownByItsDecisions) {
    RunBuilder b("r-1");
    b.ok("draft", "model", message("x"));
    b.ok("judge_gate", "acme_gate", message("x", {gate_data("retry", {{"style", false, "rude"}})}),
         "retry");
    b.ok("draft", "model", message("y"));
    b.fail("judge_gate", "acme_gate", "protocol", "still rude");
    const trace::Run run = b.failed();
    const auto f = classify_one(run);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->category, Category::gate_rule);
    EXPECT_EQ(f->key, "style");
    EXPECT_EQ(f->node, "draft");
}

} // namespace
} // namespace tinyllm::forensics_test
