// The test node plugin (tests/plugins/test_nodes.cpp) itself: each node does what graph and
// executor tests rely on, called through runtime::Node as the executor calls it.
#include "graph_test_support.hpp"

#include "runtime/call_context.hpp"
#include "runtime/node.hpp"
#include "tinyllm/json.hpp"

#include <gmock/gmock.h>

#include <chrono>
#include <thread>

namespace tinyllm::graph::test {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<runtime::Node> make_node(const std::string &type, const std::string &config,
                                         runtime::HostServices *services = nullptr) {
    const plugin::ComponentRef ref = test_registry().find(TLLM_KIND_NODE, type);
    if (ref.component == nullptr) throw Error(ErrorCode::not_found, "no node type " + type);
    return std::make_unique<runtime::Node>("n", ref, config, services);
}

std::string process(runtime::Node &node, const std::string &message,
                    runtime::CancelToken token = {}) {
    runtime::CallContext call(token, std::nullopt, nullptr);
    return node.process(call, message);
}

TEST(TestNodes, NoopReturnsTheMessage) {
    auto node = make_node("noop", "{}");
    EXPECT_EQ(process(*node, R"({"content":"hi","n":1})"), R"({"message":{"content":"hi","n":1}})");
}

TEST(TestNodes, SetMergesFieldsAndRoutes) {
    auto node = make_node("set", R"({"fields":{"content":"new","extra":[1]},"route":"x"})");
    EXPECT_EQ(process(*node, R"({"content":"old","keep":true})"),
              R"({"message":{"content":"new","keep":true,"extra":[1]},"route":"x"})");
    auto plain = make_node("set", R"({"fields":{"a":1}})");
    EXPECT_EQ(process(*plain, "{}"), R"({"message":{"a":1}})");
}

TEST(TestNodes, RouteByTakesAStringField) {
    auto node = make_node("route_by", R"({"field":"topic"})");
    EXPECT_EQ(process(*node, R"({"topic":"math"})"),
              R"({"message":{"topic":"math"},"route":"math"})");
    EXPECT_EQ(process(*node, R"({"topic":3})"), R"({"message":{"topic":3},"route":""})");
}

TEST(TestNodes, FailFailsTheFirstNCallsWithTheStatus) {
    auto node = make_node("fail", R"({"times":2,"status":"timeout"})");
    for (int i = 1; i <= 2; ++i) {
        const auto e = error_of([&] { process(*node, "{}"); });
        ASSERT_TRUE(e);
        EXPECT_EQ(e->code(), ErrorCode::timeout);
        EXPECT_THAT(e->what(), HasSubstr("fail node: timeout (call " + std::to_string(i) + ")"));
    }
    EXPECT_EQ(process(*node, R"({"a":1})"), R"({"message":{"a":1}})");
    auto always = make_node("fail", R"({"times":-1,"status":"unavailable"})");
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(error_of([&] { process(*always, "{}"); })->code(), ErrorCode::unavailable);
    }
}

TEST(TestNodes, FailCountsAtomicallyAcrossThreads) {
    auto node = make_node("fail", R"({"times":50,"status":"unavailable"})");
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                try {
                    process(*node, "{}");
                } catch (const Error &) {
                    ++failures;
                }
            }
        });
    }
    for (auto &thread : threads)
        thread.join();
    EXPECT_EQ(failures.load(), 50);
}

TEST(TestNodes, SleepReturnsAfterItsTimeOrWhenCancelled) {
    auto quick = make_node("sleep", R"({"ms":10})");
    EXPECT_EQ(process(*quick, R"({"a":1})"), R"({"message":{"a":1}})");
    auto slow = make_node("sleep", R"({"ms":10000})");
    runtime::CancelToken token;
    std::thread canceller([token] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        token.cancel();
    });
    const auto start = std::chrono::steady_clock::now();
    const auto e = error_of([&] { process(*slow, "{}", token); });
    canceller.join();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(TestNodes, ThrowIsAnInternalError) {
    auto node = make_node("throw", "{}");
    const auto e = error_of([&] { process(*node, "{}"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::internal);
    EXPECT_THAT(e->what(), HasSubstr("throw node: boom"));
}

TEST(TestNodes, BadJsonBreaksTheContractOneWayPerMode) {
    EXPECT_EQ(process(*make_node("bad_json", "{}"), "{}"), "{this is not json");
    EXPECT_EQ(process(*make_node("bad_json", R"({"mode":"not_object"})"), "{}"), "[1, 2, 3]");
    EXPECT_EQ(process(*make_node("bad_json", R"({"mode":"no_message"})"), "{}"),
              R"({"route": "x"})");
    EXPECT_EQ(process(*make_node("bad_json", R"({"mode":"message_not_object"})"), "{}"),
              R"({"message": "text"})");
    EXPECT_EQ(process(*make_node("bad_json", R"({"mode":"route_not_string"})"), R"({"a":1})"),
              R"({"message":{"a":1},"route":7})");
}

TEST(TestNodes, AppendAddsToContent) {
    auto node = make_node("append", R"({"text":" [x]"})");
    EXPECT_EQ(process(*node, R"({"content":"q"})"), R"({"message":{"content":"q [x]"}})");
    EXPECT_EQ(process(*node, "{}"), R"({"message":{"content":" [x]"}})");
}

// What the declared-routes tests of the builder rely on.
TEST(TestNodes, RoutesFixedDeclaresItsRoutesAndReturnsItsRoute) {
    auto node = make_node("routes_fixed", R"({"routes":["a","b"],"route":"b"})");
    EXPECT_EQ(node->routes(), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(process(*node, R"({"x":1})"), R"({"set":{},"route":"b"})");
    // No routes configured: not declared (the SDK's empty list), and no route returned.
    auto quiet = make_node("routes_fixed", "{}");
    EXPECT_EQ(quiet->routes(), std::nullopt);
    EXPECT_EQ(process(*quiet, "{}"), R"({"set":{}})");
}

TEST(TestNodes, AskModelCallsTheHostAndKeepsTheAnswer) {
    EchoServices services;
    auto node = make_node("ask_model", R"({"model":"tiny"})", &services);
    EXPECT_EQ(process(*node, R"({"content":"2+2?"})"), R"({"message":{"content":"echo: 2+2?"}})");
    EXPECT_EQ(services.last_request,
              R"({"model":"tiny","messages":[{"role":"user","content":"2+2?"}],"stream":true})");
}

TEST(TestNodes, AskModelWithoutServicesFails) {
    auto node = make_node("ask_model", "{}");
    EXPECT_TRUE(error_of([&] { process(*node, R"({"content":"x"})"); }));
}

// What the activation tests rely on: use_tool does not run unless activate ran first.
TEST(TestNodes, UseToolRefusesToRunBeforeItsActivate) {
    auto node = make_node("use_tool", R"({"tool":"shout"})");
    const auto e = error_of([&] { process(*node, R"({"content":"x"})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::internal);
    EXPECT_THAT(e->what(), HasSubstr("use_tool: process before activate"));
}

TEST(TestNodes, EveryNodeHasAConfigSchema) {
    for (const plugin::ComponentRef &ref : test_registry().of_kind(TLLM_KIND_NODE)) {
        EXPECT_NE(ref.component->config_schema, nullptr) << ref.component->name;
    }
    // test_nodes.cpp's twelve and raw_nodes.cpp's fourteen.
    EXPECT_EQ(test_registry().of_kind(TLLM_KIND_NODE).size(), 27u);
}

} // namespace
} // namespace tinyllm::graph::test
