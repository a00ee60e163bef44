// The rules of a stopped gate, found by the reasons its error lists: exact reasons recorded by
// the same gate anywhere in the window, reasons that hold "; " themselves, and the fallback to
// the gate's previous decision.
#include "trace_builder.hpp"

#include "forensics/gate_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::forensics_test {
namespace {

using forensics::GateRuleBook;
using forensics::TraceView;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kLength = "the answer has 5012 characters; the maximum is 4000";
const std::string kNoBlock = "the answer has no python code block";

trace::Run decided(const std::string &id, const std::string &graph, const std::string &node,
                   const std::vector<Check> &checks) {
    RunBuilder b(id, graph);
    b.ok("code", "model", message("x"));
    b.ok(node, "gate", message("x", {gate_data("retry", checks)}), "retry");
    return b.succeeded();
}

TEST(GateRules, ReasonsAreMatchedWholeEvenWithTheSeparatorInside) {
    const trace::Run run = decided("r-1", "default", "code_check",
                                   {{"length", false, kLength}, {"code_block", false, kNoBlock}});
    GateRuleBook book;
    book.learn(TraceView(run));
    EXPECT_THAT(book.match("default", "code_check", kLength + "; " + kNoBlock),
                ElementsAre("length", "code_block"));
    EXPECT_THAT(book.match("default", "code_check", kNoBlock), ElementsAre("code_block"));
    // Part of a reason is not the reason.
    EXPECT_THAT(book.match("default", "code_check", "the maximum is 4000"), IsEmpty());
    // The same node id in another graph, or another node, knows nothing of it.
    EXPECT_THAT(book.match("other", "code_check", kNoBlock), IsEmpty());
    EXPECT_THAT(book.match("default", "math_check", kNoBlock), IsEmpty());
    // Unknown reasons around a known one are skipped.
    EXPECT_THAT(book.match("default", "code_check", "new; " + kNoBlock + "; newer"),
                ElementsAre("code_block"));
}

TEST(GateRules, AnotherRunOfTheWindowNamesTheRuleOfAGateThatStoppedAtOnce) {
    const trace::Run earlier =
        decided("r-1", "default", "code_check", {{"code_block", false, kNoBlock}});
    RunBuilder b("r-2");
    b.ok("code", "model", message("no code here"));
    b.fail("code_check", "gate", "protocol", "quality gate failed after 1 attempt: " + kNoBlock);
    const trace::Run stopped = b.failed();
    GateRuleBook book;
    book.learn(TraceView(earlier));
    const TraceView view(stopped);
    book.learn(view);
    const forensics::StoppedGate s = forensics::stopped_gate(view, 1, book);
    EXPECT_EQ(s.reasons, kNoBlock);
    EXPECT_THAT(s.rules, ElementsAre("code_block"));
    EXPECT_FALSE(s.inferred);

    // Through analyse, which learns the whole window before classifying.
    const forensics::Report report = forensics::analyse(
        {{stopped, {}, std::nullopt}, {earlier, {}, std::nullopt}}, forensics::AnalysisOptions{});
    ASSERT_EQ(report.findings.size(), 1u);
    EXPECT_EQ(report.findings[0].key, "code_block");
}

TEST(GateRules, AnotherGatesWordingIsTakenWhole) {
    RunBuilder b("r-1");
    b.ok("draft", "model", message("x"));
    b.ok("g", "acme_gate", message("x", {gate_data("retry", {{"tone", false, "too rude"}})}),
         "retry");
    b.ok("draft", "model", message("y"));
    b.fail("g", "acme_gate", "protocol", "too rude");
    const trace::Run run = b.failed();
    const TraceView view(run);
    GateRuleBook book;
    book.learn(view);
    const forensics::StoppedGate s = forensics::stopped_gate(view, 3, book);
    EXPECT_EQ(s.reasons, "too rude");
    EXPECT_THAT(s.rules, ElementsAre("tone"));
}

TEST(GateRules, WithoutAnyDecisionTheRulesAreUnknown) {
    RunBuilder b("r-1");
    b.ok("draft", "model", message("x"));
    b.fail("check", "gate", "protocol", "quality gate failed after 1 attempt: the answer is wrong");
    const trace::Run run = b.failed();
    const TraceView view(run);
    const forensics::StoppedGate s = forensics::stopped_gate(view, 1, GateRuleBook());
    EXPECT_EQ(s.reasons, "the answer is wrong");
    EXPECT_THAT(s.rules, IsEmpty());
    EXPECT_FALSE(s.inferred);
}

} // namespace
} // namespace tinyllm::forensics_test
