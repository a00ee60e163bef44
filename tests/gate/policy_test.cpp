// The decision (retry, then escalate while a bigger model exists, then fall back or fail) with
// its counters carried in the message, and the documents it produces: the merge patch, the
// decision event and the final error.
#include "gate_test_support.hpp"

#include "message.hpp"

#include <gmock/gmock.h>

namespace tinyllm::gate::test {
namespace {

using ::testing::ElementsAre;

History at(int64_t failures, std::optional<int64_t> rung = std::nullopt,
           std::optional<int64_t> rungs = std::nullopt, int64_t escalations = 0) {
    History h;
    h.failures = failures;
    h.rung = rung;
    h.rungs = rungs;
    h.escalations = escalations;
    return h;
}

TEST(GatePolicy, APassKeepsTheCounters) {
    const Decision d = decide({}, at(2, 1, 3, 1), true);
    EXPECT_EQ(d.action, Action::pass);
    EXPECT_EQ(d.failures, 2);
    EXPECT_EQ(d.escalations, 1);
}

TEST(GatePolicy, FeedbackFirstThenEscalationWhileRungsRemainThenFailure) {
    const Policy policy{2, true, false};
    // Model at rung 0 of 3: two feedback rounds, then two escalations (rungs 1 and 2).
    EXPECT_EQ(decide(policy, at(0, 0, 3), false).action, Action::retry);
    EXPECT_EQ(decide(policy, at(1, 0, 3), false).action, Action::retry);
    const Decision first = decide(policy, at(2, 0, 3), false);
    EXPECT_EQ(first.action, Action::escalate);
    EXPECT_EQ(first.failures, 3);
    EXPECT_EQ(first.escalations, 1);
    const Decision second = decide(policy, at(3, 1, 3, 1), false);
    EXPECT_EQ(second.action, Action::escalate);
    EXPECT_EQ(second.escalations, 2);
    const Decision last = decide(policy, at(4, 2, 3, 2), false);
    EXPECT_EQ(last.action, Action::stop); // the biggest model failed too
    EXPECT_EQ(last.failures, 5);
    EXPECT_EQ(last.escalations, 2);
}

TEST(GatePolicy, EscalationNeedsToKnowTheLadder) {
    EXPECT_EQ(decide({0, true, false}, at(0), false).action, Action::stop);       // no data.model
    EXPECT_EQ(decide({0, true, false}, at(0, 0, 1), false).action, Action::stop); // one rung
    EXPECT_EQ(decide({0, true, false}, at(0, 0, 2), false).action, Action::escalate);
    EXPECT_EQ(decide({0, false, false}, at(0, 0, 2), false).action, Action::stop);
}

TEST(GatePolicy, FallbackRoutesFailInsteadOfFailingTheNode) {
    const Decision d = decide({1, true, true}, at(1), false);
    EXPECT_EQ(d.action, Action::fail);
    EXPECT_EQ(d.failures, 2);
    EXPECT_EQ(decide({0, false, true}, at(0), false).action, Action::fail);
}

TEST(GatePolicy, RoutesFollowTheConfig) {
    EXPECT_THAT(routes_of({1, true, false}), ElementsAre("pass", "retry", "escalate"));
    EXPECT_THAT(routes_of({0, false, false}), ElementsAre("pass"));
    EXPECT_THAT(routes_of({0, false, true}), ElementsAre("pass", "fail"));
    EXPECT_THAT(routes_of({3, true, true}), ElementsAre("pass", "retry", "escalate", "fail"));
}

TEST(GateMessage, CountersComeFromTheMessage) {
    const GateInput in =
        read_message(R"({"input":"q","content":"a","data":{"gate":{"failures":2},"escalation":1,)"
                     R"("model":{"name":"m","role":"math","rung":0,"rungs":3}}})");
    EXPECT_EQ(in.content, "a");
    EXPECT_EQ(in.history.failures, 2);
    EXPECT_EQ(in.history.escalations, 1);
    EXPECT_EQ(in.history.rung, 0);
    EXPECT_EQ(in.history.rungs, 3);

    const GateInput fresh = read_message(R"({"input":"q","content":"a"})");
    EXPECT_EQ(fresh.history.failures, 0);
    EXPECT_FALSE(fresh.history.rung);
    // What another node wrote in another shape counts as absent, never as a crash.
    const GateInput odd =
        read_message(R"({"content":{"x":1},"data":{"gate":"x","escalation":-1,"model":[]}})");
    EXPECT_EQ(odd.content, R"({"x":1})");
    EXPECT_EQ(odd.history.failures, 0);
    EXPECT_EQ(odd.history.escalations, 0);

    EXPECT_EQ(sdk_error_of([] { read_message("[1]"); }).first, TLLM_ERR_INVALID_ARGUMENT);
}

// ---- the whole gate over a message --------------------------------------------------------

// Checks' durations vary; the documents are compared with them zeroed.
std::vector<Check> untimed(std::vector<Check> checks) {
    for (Check &c : checks)
        c.ms = 0;
    return checks;
}

const char *kRules = R"({"rules":[{"type":"non_empty"},)"
                     R"({"type":"length","max":10,"name":"short"},)"
                     R"({"type":"regex","pattern":"\\d","message":"give the number in digits"}],)"
                     R"("max_feedback":1,"escalate":true,"fallback":false})";

TEST(GateOutput, APassClearsFeedbackAndRecordsTheChecks) {
    const Gate gate(kRules);
    FakeTools tools;
    Verdict v = gate.assess(R"({"content":"4","feedback":"old","data":{}})", tools);
    EXPECT_EQ(v.decision.action, Action::pass);
    v.checks = untimed(v.checks);
    EXPECT_EQ(node_output(v.decision, v.checks),
              R"({"patch":{"feedback":null,"data":{"gate":{"pass":true,"action":"pass",)"
              R"("reasons":[],"failures":0,"checks":[)"
              R"({"rule":"non_empty","pass":true,"reason":"","ms":0.0},)"
              R"({"rule":"short","pass":true,"reason":"","detail":"1 character","ms":0.0},)"
              R"({"rule":"regex","pass":true,"reason":"","detail":"matched \"4\"","ms":0.0}]}}},)"
              R"("route":"pass"})");
    EXPECT_EQ(decision_event(v.decision, v.checks),
              R"({"type":"decision","kind":"gate","pass":true,"action":"pass","failures":0,)"
              R"("reasons":[]})");
}

TEST(GateOutput, ARetryPatchesFeedbackAndTheGatesRecord) {
    const Gate gate(kRules);
    FakeTools tools;
    Verdict v = gate.assess(R"({"content":"forty-two apples","data":{"router":{"x":1}}})", tools);
    EXPECT_EQ(v.decision.action, Action::retry);
    v.checks = untimed(v.checks);
    // Every failed rule gives one reason; a configured message replaces the rule's own, which
    // stays in the check's detail.
    EXPECT_EQ(node_output(v.decision, v.checks),
              R"({"patch":{"feedback":"- the answer is 16 characters long; the maximum is )"
              R"(10\n- give the number in digits","data":{"gate":{"pass":false,)"
              R"("action":"retry","reasons":["the answer is 16 characters long; the maximum )"
              R"(is 10","give the number in digits"],"failures":1,"checks":[)"
              R"({"rule":"non_empty","pass":true,"reason":"","ms":0.0},)"
              R"({"rule":"short","pass":false,"reason":"the answer is 16 characters long; the )"
              R"(maximum is 10","ms":0.0},)"
              R"({"rule":"regex","pass":false,"reason":"give the number in digits","detail":)"
              R"("the answer does not match the pattern \"\\d\"","ms":0.0}]}}},"route":"retry"})");
    EXPECT_EQ(decision_event(v.decision, v.checks),
              R"({"type":"decision","kind":"gate","pass":false,"action":"retry","failures":1,)"
              R"("reasons":["the answer is 16 characters long; the maximum is 10",)"
              R"("give the number in digits"]})");
}

TEST(GateOutput, EscalationCountsInData) {
    const Gate gate(kRules);
    FakeTools tools;
    const Verdict v = gate.assess(R"({"content":"","data":{"gate":{"failures":1},"escalation":2,)"
                                  R"("model":{"name":"b","role":"math","rung":2,"rungs":4}}})",
                                  tools);
    EXPECT_EQ(v.decision.action, Action::escalate);
    const json::Document out = json::parse(node_output(v.decision, v.checks), "output");
    EXPECT_STREQ(out["route"].GetString(), "escalate");
    EXPECT_EQ(out["patch"]["data"]["escalation"].GetInt(), 3);
    EXPECT_EQ(out["patch"]["data"]["gate"]["failures"].GetInt(), 2);
    EXPECT_STREQ(out["patch"]["data"]["gate"]["action"].GetString(), "escalate");
    EXPECT_STREQ(out["patch"]["feedback"].GetString(),
                 "- the answer is empty\n- give the number in digits");
    EXPECT_FALSE(out["patch"]["data"].HasMember("model")); // the model node's to change
}

TEST(GateOutput, WithNothingLeftTheErrorListsTheReasons) {
    const Gate gate(kRules);
    FakeTools tools;
    const Verdict v = gate.assess(R"({"content":"","data":{"gate":{"failures":1}}})", tools);
    EXPECT_EQ(v.decision.action, Action::stop);
    EXPECT_EQ(failure_message(v.decision, v.checks),
              "quality gate failed after 2 attempts: the answer is empty; give the number in "
              "digits");
    EXPECT_EQ(decision_event(v.decision, v.checks),
              R"({"type":"decision","kind":"gate","pass":false,"action":"error","failures":2,)"
              R"("reasons":["the answer is empty","give the number in digits"]})");

    const Gate fallback(R"({"rules":[{"type":"non_empty"}],"max_feedback":0,"fallback":true})");
    const Verdict f = fallback.assess(R"({"content":" "})", tools);
    EXPECT_EQ(f.decision.action, Action::fail);
    const json::Document out = json::parse(node_output(f.decision, f.checks), "output");
    EXPECT_STREQ(out["route"].GetString(), "fail");
    EXPECT_STREQ(out["patch"]["data"]["gate"]["action"].GetString(), "fail");
    EXPECT_EQ(out["patch"]["data"]["gate"]["failures"].GetInt(), 1);
}

TEST(GateOutput, ReasonsAreOneLineEach) {
    const Gate gate(R"({"rules":[{"type":"non_empty","message":"say\nsomething"}]})");
    FakeTools tools;
    const Verdict v = gate.assess(R"({"content":""})", tools);
    EXPECT_EQ(v.checks[0].reason, "say something");
}

TEST(GateOutput, EveryRuleIsEvaluatedAndTimed) {
    const Gate gate(R"({"rules":[{"type":"json"},{"type":"non_empty"},{"type":"code_block"}]})");
    FakeTools tools;
    const Verdict v = gate.assess(R"({"content":""})", tools);
    ASSERT_EQ(v.checks.size(), 3u);
    for (const Check &c : v.checks) {
        EXPECT_FALSE(c.pass) << c.rule;
        EXPECT_GE(c.ms, 0) << c.rule;
    }
}

} // namespace
} // namespace tinyllm::gate::test
