// The executor, with real node plugins from the build tree (tinyllm-test-nodes.so): conditional
// edges, retries, timeouts, loop bounds, fan-out/join, cancellation, concurrency, bad nodes.
#include "graph/executor.hpp"

#include "graph_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace tinyllm::graph::test {
namespace {

using trace::NodeStatus;
using trace::RunStatus;

// Records what the executor tells an observer, as the run store would receive it.
struct Recorder final : RunObserver {
    std::atomic<int> starts{0}, nodes{0}, ends{0};
    void on_run_start(const trace::Run &) override { ++starts; }
    void on_node(const trace::Run &, const trace::NodeExecution &) override { ++nodes; }
    void on_run_end(const trace::Run &) override { ++ends; }
};

class ExecutorTest : public ::testing::Test {
protected:
    trace::Run run(const std::string &yaml, const std::string &input = "hi",
                   RunOptions options = {}) {
        graph_ = build_text(dir_, yaml, BuildMode::run);
        options.run_id = "r-test";
        options.observer = &recorder_;
        return Executor(*graph_).run(input, options);
    }
    std::string content(const trace::Run &r) const {
        return json::get_string(json::parse(r.output, "output"), "content").value_or("<none>");
    }
    TempDir dir_;
    std::unique_ptr<Graph> graph_;
    Recorder recorder_;
};

const char *kHeader = "id: t\nversion: 1.0.0\n";

TEST(InitialMessage, CarriesTheInputAsInputAndContent) {
    for (const std::string input : {"hello world", "", "a \"b\" \\ \n\t\x01 é {} ,:"}) {
        const json::Document m = json::parse_object(initial_message(input), "first message");
        EXPECT_EQ(json::get_string(m, "input"), input);
        EXPECT_EQ(json::get_string(m, "content"), input);
        EXPECT_EQ(json::get_string(m, "route"), "");
        EXPECT_EQ(json::get_int(m, "attempt"), 1);
        ASSERT_TRUE(m.HasMember("data"));
        EXPECT_TRUE(m["data"].IsObject() && m["data"].ObjectEmpty());
        EXPECT_EQ(m.MemberCount(), 5u);
    }
}

TEST_F(ExecutorTest, RunsAChainAndRecordsEveryNode) {
    const auto r = run(std::string(kHeader) + R"(entry: a
exits: [c]
nodes:
  - {id: a, type: append, config: {text: "-a"}}
  - {id: b, type: noop}
  - {id: c, type: append, config: {text: "-c"}}
edges:
  - {from: a, to: b}
  - {from: b, to: c}
)");
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    EXPECT_EQ(r.answer, "hi-a-c");
    ASSERT_EQ(r.nodes.size(), 3u);
    EXPECT_EQ(r.nodes[0].node_id, "a");
    EXPECT_EQ(r.nodes[2].node_id, "c");
    EXPECT_EQ(recorder_.starts, 1);
    EXPECT_EQ(recorder_.nodes, 3);
    EXPECT_EQ(recorder_.ends, 1);
}

TEST_F(ExecutorTest, FollowsConditionalEdgesAndElse) {
    const std::string yaml = std::string(kHeader) + R"(entry: r
exits: [m, g]
nodes:
  - {id: r, type: route_by, config: {field: content}}
  - {id: m, type: append, config: {text: " -> math"}}
  - {id: g, type: append, config: {text: " -> general"}}
edges:
  - {from: r, to: m, when: 'route == "math"'}
  - {from: r, to: g, when: else}
)";
    EXPECT_EQ(run(yaml, "math").answer, "math -> math");
    EXPECT_EQ(run(yaml, "poetry").answer, "poetry -> general");
    EXPECT_EQ(run(yaml, "math").nodes[0].route, "math");
}

TEST_F(ExecutorTest, RetriesRetryableFailuresWithBackoff) {
    const auto r = run(std::string(kHeader) + R"(entry: f
exits: [f]
nodes:
  - id: f
    type: fail
    config: {times: 2, status: unavailable}
    retry: {max_attempts: 3, backoff_ms: 1}
)");
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    ASSERT_EQ(r.nodes.size(), 3u);
    EXPECT_EQ(r.nodes[0].status, NodeStatus::failed);
    EXPECT_EQ(r.nodes[1].attempt, 2);
    EXPECT_EQ(r.nodes[2].status, NodeStatus::succeeded);
}

TEST_F(ExecutorTest, DoesNotRetryNonRetryableFailures) {
    const auto r = run(std::string(kHeader) + R"(entry: f
exits: [f]
nodes:
  - id: f
    type: fail
    config: {times: 1, status: invalid_argument}
    retry: {max_attempts: 3, backoff_ms: 1}
)");
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.nodes.size(), 1u);
    EXPECT_EQ(r.error_node, "f");
    EXPECT_EQ(r.error_code, "invalid_argument");
}

TEST_F(ExecutorTest, GivesUpAfterMaxAttempts) {
    const auto r = run(std::string(kHeader) + R"(entry: f
exits: [f]
nodes:
  - id: f
    type: fail
    config: {times: -1, status: unavailable}
    retry: {max_attempts: 2, backoff_ms: 1}
)");
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.nodes.size(), 2u);
    EXPECT_NE(r.error_message.find("after 2 attempts"), std::string::npos) << r.error_message;
}

TEST_F(ExecutorTest, NodeTimeoutStopsTheNode) {
    const auto r = run(std::string(kHeader) + R"(entry: s
exits: [s]
nodes:
  - {id: s, type: sleep, config: {ms: 60000}, timeout_ms: 50}
)");
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.error_code, "timeout");
    ASSERT_EQ(r.nodes.size(), 1u);
    EXPECT_EQ(r.nodes[0].status, NodeStatus::timed_out);
    EXPECT_NE(r.error_message.find("timeout_ms"), std::string::npos) << r.error_message;
}

TEST_F(ExecutorTest, LoopBoundIsAClearErrorNotAHang) {
    const auto r = run(std::string(kHeader) + R"(entry: a
exits: [z]
nodes:
  - {id: a, type: noop, max_visits: 3}
  - {id: b, type: noop}
  - {id: z, type: noop}
edges:
  - {from: a, to: b}
  - {from: b, to: a, when: 'true'}
  - {from: b, to: z, when: 'false'}
)");
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.error_code, "limit_exceeded");
    EXPECT_NE(r.error_message.find("more than 3 times"), std::string::npos) << r.error_message;
    EXPECT_EQ(r.nodes.size(), 6u); // a b a b a b, then the fourth entry into a is refused
}

TEST_F(ExecutorTest, LoopRunsUntilItsConditionStops) {
    // A gate-shaped loop: `attempt` counts the visits of the node that produced the message.
    const auto r = run(std::string(kHeader) + R"(entry: work
exits: [done]
nodes:
  - {id: work, type: append, config: {text: "+"}, max_visits: 5}
  - {id: done, type: noop}
edges:
  - {from: work, to: work, when: 'attempt < 3'}
  - {from: work, to: done, when: else}
)");
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    EXPECT_EQ(r.answer, "hi+++");
}

// max_visits is the number of visits allowed, not one fewer or one more: the loop above visits
// `work` three times, so a bound of 3 lets it end and a bound of 2 stops it at the third.
TEST_F(ExecutorTest, MaxVisitsAllowsExactlyThatManyVisits) {
    const auto loop = [](int max_visits) {
        return std::string(kHeader) + R"(entry: work
exits: [done]
nodes:
  - {id: work, type: append, config: {text: "+"}, max_visits: )" +
               std::to_string(max_visits) + R"(}
  - {id: done, type: noop}
edges:
  - {from: work, to: work, when: 'attempt < 3'}
  - {from: work, to: done, when: else}
)";
    };
    const auto enough = run(loop(3));
    ASSERT_EQ(enough.status, RunStatus::succeeded) << enough.error_message;
    EXPECT_EQ(enough.answer, "hi+++");

    const auto one_short = run(loop(2));
    EXPECT_EQ(one_short.status, RunStatus::failed);
    EXPECT_EQ(one_short.error_code, "limit_exceeded");
    EXPECT_NE(one_short.error_message.find("more than 2 times"), std::string::npos)
        << one_short.error_message;
    EXPECT_EQ(one_short.nodes.size(), 2u);
}

// The graph's own limits.timeout_ms ends a run that has no budget from its caller, and the
// earlier of the two ends it when both are set.
TEST_F(ExecutorTest, TheGraphsTimeoutEndsTheRun) {
    const std::string graph = std::string(kHeader) + R"(entry: s
exits: [s]
limits: {timeout_ms: 50}
nodes:
  - {id: s, type: sleep, config: {ms: 60000}}
)";
    const auto alone = run(graph);
    EXPECT_EQ(alone.status, RunStatus::failed);
    EXPECT_EQ(alone.error_code, "timeout");

    RunOptions later;
    later.deadline = runtime::Clock::now() + std::chrono::minutes(10);
    const auto both = run(graph, "hi", later);
    EXPECT_EQ(both.status, RunStatus::failed);
    EXPECT_EQ(both.error_code, "timeout");
}

// Trace rows are numbered from 0 in the order nodes ran, and each records how long it took.
TEST_F(ExecutorTest, NodesAreNumberedFromZeroAndTimed) {
    const auto r = run(std::string(kHeader) + R"(entry: s
exits: [z]
nodes:
  - {id: s, type: sleep, config: {ms: 20}}
  - {id: z, type: noop}
edges:
  - {from: s, to: z}
)");
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    ASSERT_EQ(r.nodes.size(), 2u);
    EXPECT_EQ(r.nodes[0].seq, 0);
    EXPECT_EQ(r.nodes[1].seq, 1);
    EXPECT_GE(r.nodes[0].duration_us, 20'000); // slept at least that long
}

TEST_F(ExecutorTest, MaxStepsBoundsTheRun) {
    const auto r = run(std::string(kHeader) + R"(entry: a
exits: [z]
limits: {max_steps: 4}
nodes:
  - {id: a, type: noop, max_visits: 100}
  - {id: z, type: noop}
edges:
  - {from: a, to: a, when: 'true'}
  - {from: a, to: z, when: 'false'}
)");
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.error_code, "limit_exceeded");
    EXPECT_NE(r.error_message.find("max_steps"), std::string::npos);
}

TEST_F(ExecutorTest, FanOutJoinAllMergesEveryBranch) {
    const auto r = run(std::string(kHeader) + R"(entry: start
exits: [end]
nodes:
  - {id: start, type: noop}
  - {id: x, type: append, config: {text: "-x"}}
  - {id: y, type: append, config: {text: "-y"}}
  - {id: end, type: noop, join: all}
edges:
  - {from: start, to: x}
  - {from: start, to: y}
  - {from: x, to: end}
  - {from: y, to: end}
)");
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    EXPECT_EQ(r.answer, "hi-x\n\nhi-y");
    const json::Document out = json::parse(r.output, "output");
    ASSERT_TRUE(out.HasMember("branches"));
    EXPECT_EQ(out["branches"].Size(), 2u);
    EXPECT_EQ(r.nodes.size(), 4u);
}

TEST_F(ExecutorTest, FanOutFirstSuccessTakesTheFirstAndCancelsTheRest) {
    const auto r = run(std::string(kHeader) + R"(entry: start
exits: [end]
nodes:
  - {id: start, type: noop}
  - {id: slow, type: sleep, config: {ms: 60000}}
  - {id: fast, type: append, config: {text: "-fast"}}
  - {id: end, type: noop, join: first_success}
edges:
  - {from: start, to: slow}
  - {from: start, to: fast}
  - {from: slow, to: end}
  - {from: fast, to: end}
)");
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    EXPECT_EQ(r.answer, "hi-fast");
    // The slow branch was cancelled: either mid-sleep, or before it even started.
    for (const auto &n : r.nodes) {
        if (n.node_id == "slow") {
            EXPECT_EQ(n.status, NodeStatus::cancelled);
        }
    }
}

TEST_F(ExecutorTest, AFailingBranchFailsAJoinAll) {
    const auto r = run(std::string(kHeader) + R"(entry: start
exits: [end]
nodes:
  - {id: start, type: noop}
  - {id: ok, type: noop}
  - {id: bad, type: fail, config: {times: -1, status: invalid_argument}}
  - {id: end, type: noop, join: all}
edges:
  - {from: start, to: ok}
  - {from: start, to: bad}
  - {from: ok, to: end}
  - {from: bad, to: end}
)");
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.error_node, "bad");
}

// A fan-out of `n` gauge branches (each reports the most gauges it saw running at once).
std::string gauge_fan_out(size_t n, const std::string &join = "all") {
    std::string yaml =
        std::string(kHeader) + "entry: start\nexits: [end]\nlimits: {max_steps: 1000}\nnodes:\n" +
        "  - {id: start, type: noop}\n  - {id: end, type: noop, join: " + join + "}\n";
    std::string edges = "edges:\n";
    for (size_t i = 0; i < n; ++i) {
        const std::string id = "g" + std::to_string(i);
        yaml += "  - {id: " + id + ", type: gauge, config: {ms: 20}}\n";
        edges += "  - {from: start, to: " + id + "}\n  - {from: " + id + ", to: end}\n";
    }
    return yaml + edges;
}

// Issue 12, item 2: 500 branches once meant 500 threads (and an abort when the system had no
// more). At most max_parallel_branches run at once, on the run's thread and its workers.
TEST_F(ExecutorTest, AWideFanOutRunsOnBoundedWorkers) {
    RunOptions options;
    options.max_parallel_branches = 4;
    const auto r = run(gauge_fan_out(200), "hi", options);
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    const json::Document out = json::parse(r.output, "output");
    ASSERT_EQ(out["branches"].Size(), 200u);
    int most = 0;
    for (const auto &b : out["branches"].GetArray()) {
        most = std::max(most, std::stoi(json::get_string(b, "content").value_or("0")));
    }
    EXPECT_LE(most, 4);
    EXPECT_GE(most, 2); // in parallel, not one after another
    EXPECT_EQ(r.nodes.size(), 202u);
}

TEST_F(ExecutorTest, OneWorkerRunsEveryBranchOnTheRunsThread) {
    RunOptions options;
    options.max_parallel_branches = 1;
    const auto r = run(gauge_fan_out(5), "hi", options);
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    EXPECT_EQ(r.answer, "1\n\n1\n\n1\n\n1\n\n1");
}

// Issue 17, item 1: a branch failing fast does not end a first_success fan-out while another
// can still arrive (~100 ms later).
TEST_F(ExecutorTest, AFailingBranchDoesNotEndAFirstSuccessFanOut) {
    const auto r = run(std::string(kHeader) + R"(entry: start
exits: [end]
nodes:
  - {id: start, type: noop}
  - {id: bad, type: fail, config: {times: -1, status: invalid_argument}}
  - {id: late, type: sleep, config: {ms: 100}}
  - {id: end, type: noop, join: first_success}
edges:
  - {from: start, to: bad}
  - {from: start, to: late}
  - {from: bad, to: end}
  - {from: late, to: end}
)");
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    EXPECT_EQ(r.answer, "hi");
}

TEST_F(ExecutorTest, CancellationStopsARunningNode) {
    RunOptions options;
    // Counted from the run's start, not the test's: building the graph (dlopen, YAML) can take
    // longer than 50 ms under sanitizers, and a run cancelled before it starts runs no node.
    std::thread canceller([this, token = options.cancel] {
        for (int i = 0; i < 30000 && recorder_.starts == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        token.cancel();
    });
    const auto r = run(std::string(kHeader) + R"(entry: s
exits: [s]
nodes:
  - {id: s, type: sleep, config: {ms: 60000}}
)",
                       "hi", options);
    canceller.join();
    EXPECT_EQ(r.status, RunStatus::cancelled);
    ASSERT_EQ(r.nodes.size(), 1u);
    EXPECT_EQ(r.nodes[0].status, NodeStatus::cancelled);
    EXPECT_EQ(recorder_.ends, 1); // a cancelled run is recorded too
}

TEST_F(ExecutorTest, RunBudgetEndsTheRun) {
    RunOptions options;
    options.deadline = runtime::Clock::now() + std::chrono::milliseconds(50);
    const auto r = run(std::string(kHeader) + R"(entry: s
exits: [s]
nodes:
  - {id: s, type: sleep, config: {ms: 60000}}
)",
                       "hi", options);
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.error_code, "timeout");
}

TEST_F(ExecutorTest, BadNodeOutputIsAProtocolErrorNamingTheNode) {
    for (const char *mode : {"not_json", "no_message"}) {
        const auto r = run(std::string(kHeader) +
                           "entry: b\nexits: [b]\nnodes:\n"
                           "  - {id: b, type: bad_json, config: {mode: " +
                           mode + "}}\n");
        EXPECT_EQ(r.status, RunStatus::failed) << mode;
        EXPECT_EQ(r.error_code, "protocol") << mode;
        EXPECT_EQ(r.error_node, "b") << mode;
    }
}

// A node may return only what changes: {"set": {...}} is the input message with those members
// replaced or added. The executor splices plain updates and takes a document for the rest; both
// ways must give these messages.
std::string fixed_node(const std::string &id, const std::string &output,
                       const std::string &more = "") {
    rapidjson::StringBuffer quoted;
    json::Writer w(quoted);
    w.String(output.c_str());
    return "  - {id: " + id + ", type: fixed, config: {output: " + quoted.GetString() + "}" + more +
           "}\n";
}

TEST_F(ExecutorTest, SetUpdatesTheInputMessage) {
    const std::string first = R"({"input":"hi","content":"hi","route":"","attempt":1,"data":{})";
    struct Case {
        std::string output;
        std::string message; // the message after the node
        std::string route;   // the node's route in the trace
    };
    const std::vector<Case> cases = {
        {R"({"set":{"content":"answer"}})",
         R"({"input":"hi","content":"answer","route":"","attempt":1,"data":{}})", ""},
        {R"({"set":{}})", first + "}", ""},
        {R"({ "set" : { "content" : "a" , "extra" : {"x":[1,"]}"]} } , "route" : "math" })",
         R"({"input":"hi","content":"a","route":"math","attempt":1,"data":{},"extra":{"x":[1,"]}"]}})",
         "math"},
        {R"({"set":{"route":"code","data":{"k":"v"}}})",
         R"({"input":"hi","content":"hi","route":"code","attempt":1,"data":{"k":"v"}})", "code"},
        {R"({"set":{"content":"x","route":"inner"},"route":"outer"})",
         R"({"input":"hi","content":"x","route":"outer","attempt":1,"data":{}})", "outer"},
        {R"({"set":{"route":7}})",
         R"({"input":"hi","content":"hi","route":7,"attempt":1,"data":{}})", ""},
        {R"({"set":{"content":null,"q":"\"\\\u00e9"}})",
         R"({"input":"hi","content":null,"route":"","attempt":1,"data":{},"q":"\"\\é"})", ""},
        // The document's way: attempt is the executor's, repeated and escaped names.
        {R"({"set":{"attempt":5,"content":"y"}})",
         R"({"input":"hi","content":"y","route":"","attempt":1,"data":{}})", ""},
        {R"({"set":{"a":1,"a":2}})",
         R"({"input":"hi","content":"hi","route":"","attempt":1,"data":{},"a":2})", ""},
        {R"({"set":{"c\u006fntent":"esc"}})",
         R"({"input":"hi","content":"esc","route":"","attempt":1,"data":{}})", ""},
        {R"({"set":{"content":"z"},"route":"r","route":"s"})",
         R"({"input":"hi","content":"z","route":"r","attempt":1,"data":{}})", "r"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.output);
        const auto r = run(std::string(kHeader) + "entry: u\nexits: [u]\nnodes:\n" +
                           fixed_node("u", c.output));
        ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
        EXPECT_EQ(json::parse(r.output, "output"), json::parse(c.message, "expected")) << r.output;
        ASSERT_EQ(r.nodes.size(), 1u);
        EXPECT_EQ(r.nodes[0].output, r.output);
        EXPECT_EQ(r.nodes[0].route, c.route);
        const json::Document expected = json::parse(c.message, "expected");
        EXPECT_EQ(r.answer, json::get_string(expected, "content").value_or(""));
    }
}

TEST_F(ExecutorTest, SetWithManyMembersGivesTheSameMessage) {
    // More members than the fast way compares (16) or marks (64) take the document's way.
    for (const int n : {15, 17, 70}) {
        std::string set,
            expected = R"({"input":"hi","content":"c","route":"","attempt":1,"data":{})";
        for (int i = 0; i < n; ++i) {
            const std::string member = "\"k" + std::to_string(i) + "\":" + std::to_string(i);
            set += (i == 0 ? "" : ",") + member;
            expected += "," + member;
        }
        const auto r = run(std::string(kHeader) + "entry: u\nexits: [u]\nnodes:\n" +
                           fixed_node("u", R"({"set":{"content":"c",)" + set + "}}"));
        ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
        EXPECT_EQ(json::parse(r.output, "output"), json::parse(expected + "}", "expected")) << n;
    }
}

TEST_F(ExecutorTest, SetAppliesToWhatThePreviousNodeMadeAndCountsVisits) {
    // u updates what s wrote (data replaced, route routes), then loops on itself: attempt says
    // how often u ran.
    const auto r =
        run(std::string(kHeader) + R"(entry: s
exits: [done]
nodes:
  - {id: s, type: set, config: {fields: {data: {n: 1}, tag: "kept"}}}
)" +
            fixed_node("u", R"({"set":{"data":{"n":2},"content":"from u"},"route":"again"})",
                       ", max_visits: 5") +
            R"(  - {id: done, type: noop}
edges:
  - {from: s, to: u}
  - {from: u, to: u, when: 'route == "again" and attempt < 3'}
  - {from: u, to: done, when: else}
)");
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    ASSERT_EQ(r.nodes.size(), 5u); // s, u x3, done
    for (int visit = 1; visit <= 3; ++visit) {
        EXPECT_EQ(json::parse(r.nodes[static_cast<size_t>(visit)].output, "u's message"),
                  json::parse(R"({"input":"hi","content":"from u","route":"again","attempt":)" +
                                  std::to_string(visit) + R"(,"data":{"n":2},"tag":"kept"})",
                              "expected"))
            << r.nodes[static_cast<size_t>(visit)].output;
    }
    // attempt is the count of the node that produced the message: done ran once.
    EXPECT_EQ(json::parse(r.output, "output"),
              json::parse(R"({"input":"hi","content":"from u","route":"again","attempt":1,)"
                          R"("data":{"n":2},"tag":"kept"})",
                          "expected"))
        << r.output;
    EXPECT_EQ(r.answer, "from u");
}

TEST_F(ExecutorTest, PatchMergesIntoTheMessageAndNullRemoves) {
    // s leaves data.keep, data.gate.old and feedback; u patches inside data (RFC 7386): nested
    // objects merge, null removes, a non-object replaces.
    const auto r =
        run(std::string(kHeader) + R"(entry: s
exits: [u]
nodes:
  - {id: s, type: set, config: {fields: {data: {keep: 1, gate: {old: true, n: 1}, list: [1]}, feedback: "x"}}}
)" +
            fixed_node("u", R"({"patch":{"feedback":null,"data":{"gate":{"n":2,"old":null},)"
                            R"("list":[2],"router":{"route":"m"}}},"route":"pass"})") +
            R"(edges:
  - {from: s, to: u}
)");
    ASSERT_EQ(r.status, RunStatus::succeeded) << r.error_message;
    EXPECT_EQ(json::parse(r.output, "output"),
              json::parse(R"({"input":"hi","content":"hi","route":"pass","attempt":1,)"
                          R"("data":{"keep":1,"gate":{"n":2},"list":[2],"router":{"route":"m"}}})",
                          "expected"))
        << r.output;
}

TEST_F(ExecutorTest, MalformedSetOutputIsAProtocolErrorSayingWhy) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"set":[1]})", "returned a \"set\" that is not an object"},
        {R"({"set":"content"})", "returned a \"set\" that is not an object"},
        {R"({"set":{},"message":{}})",
         "returned more than one of \"message\", \"set\" and \"patch\" (one of them)"},
        {R"({"set":{},"patch":{}})",
         "returned more than one of \"message\", \"set\" and \"patch\" (one of them)"},
        {R"({"patch":[]})", "returned a \"patch\" that is not an object"},
        {R"({"route":"x"})", "returned no \"message\", \"set\" or \"patch\" object"},
        {R"({"set":{},"route":5})", "returned a non-string route"},
        {R"({"set":{"content":"x"})", "returned output that is not a JSON object"},
    };
    for (const auto &[output, message] : cases) {
        SCOPED_TRACE(output);
        const auto r =
            run(std::string(kHeader) + "entry: u\nexits: [u]\nnodes:\n" + fixed_node("u", output));
        EXPECT_EQ(r.status, RunStatus::failed);
        EXPECT_EQ(r.error_code, "protocol");
        EXPECT_EQ(r.error_node, "u");
        EXPECT_THAT(r.error_message, ::testing::HasSubstr("node u (fixed) " + message));
    }
}

TEST_F(ExecutorTest, ANodeThatThrowsFailsTheRunCleanly) {
    const auto r = run(std::string(kHeader) + "entry: t\nexits: [t]\nnodes:\n"
                                              "  - {id: t, type: throw}\n");
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.error_node, "t");
    EXPECT_FALSE(r.error_message.empty());
}

TEST_F(ExecutorTest, AnExceptionThroughTheCAbiNamesTheNodeAndThePlugin) {
    const auto r = run(std::string(kHeader) + "entry: t\nexits: [t]\nnodes:\n"
                                              "  - {id: t, type: raw_throw}\n");
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.error_node, "t");
    EXPECT_EQ(r.error_code, "plugin");
    EXPECT_EQ(r.error_message,
              "node t (raw_throw) failed: node t process: plugin org.tinyllm.test.raw-nodes let a "
              "C++ exception cross the C ABI (a bug in the plugin): boom");
    // The node has its row in the trace, failed like any node that fails.
    ASSERT_EQ(r.nodes.size(), 1u);
    EXPECT_EQ(r.nodes[0].node_id, "t");
    EXPECT_EQ(r.nodes[0].error, "node t process: plugin org.tinyllm.test.raw-nodes let a C++ "
                                "exception cross the C ABI (a bug in the plugin): boom");
}

TEST_F(ExecutorTest, AnExceptionThroughCreateNamesTheNodeAndThePlugin) {
    const std::optional<Error> e = error_of([&] {
        run(std::string(kHeader) + "entry: t\nexits: [t]\nnodes:\n"
                                   "  - {id: t, type: raw_throw_create}\n");
    });
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->code(), ErrorCode::plugin);
    EXPECT_THAT(e->what(),
                ::testing::HasSubstr("graph.yaml:6:5: node t create: plugin "
                                     "org.tinyllm.test.raw-nodes let a C++ exception "
                                     "cross the C ABI (a bug in the plugin): create: boom"));
}

TEST_F(ExecutorTest, DeadEndIsAClearError) {
    const auto r = run(std::string(kHeader) + R"(entry: r
exits: [m]
nodes:
  - {id: r, type: route_by, config: {field: content}}
  - {id: m, type: noop}
edges:
  - {from: r, to: m, when: 'route == "math"'}
)",
                       "poetry");
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_NE(r.error_message.find("dead end at node r"), std::string::npos) << r.error_message;
}

TEST_F(ExecutorTest, ManyRunsExecuteConcurrentlyOnOneExecutor) {
    graph_ = build_text(dir_, std::string(kHeader) + R"(entry: a
exits: [c]
nodes:
  - {id: a, type: append, config: {text: "-a"}}
  - {id: b, type: route_by, config: {field: content}}
  - {id: c, type: append, config: {text: "-c"}}
edges:
  - {from: a, to: b}
  - {from: b, to: c}
)",
                        BuildMode::run);
    const Executor executor(*graph_);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                const std::string input = "t" + std::to_string(t) + "i" + std::to_string(i);
                RunOptions options;
                const auto r = executor.run(input, options);
                if (r.status == RunStatus::succeeded && r.answer == input + "-a-c" &&
                    r.nodes.size() == 3) {
                    ++ok;
                }
            }
        });
    }
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(ok, 200);
}

} // namespace
} // namespace tinyllm::graph::test
