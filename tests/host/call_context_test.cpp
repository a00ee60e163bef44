// CallContext as a plugin sees it: everything goes through the tllm_call function pointers,
// exactly as a C plugin would call them.
#include "runtime/call_context.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace tinyllm::runtime {
namespace {

using host_test::error_of;
using ::testing::ElementsAre;

// A root call with no deadline, recording its events.
struct RootCall {
    CancelToken token;
    std::vector<std::string> events;
    CallContext ctx{token, std::nullopt, [this](std::string_view e) { events.emplace_back(e); }};
    const tllm_call *raw() const { return ctx.raw(); }
};

TEST(CallContext, RawCallIsFullyBound) {
    RootCall root;
    const tllm_call *c = root.raw();
    EXPECT_EQ(c->struct_size, sizeof(tllm_call));
    EXPECT_NE(c->is_cancelled, nullptr);
    EXPECT_NE(c->remaining_ms, nullptr);
    EXPECT_NE(c->emit, nullptr);
    EXPECT_NE(c->set_output, nullptr);
    EXPECT_NE(c->set_error, nullptr);
}

TEST(CallContext, OutputSetThroughTheCallIsTaken) {
    RootCall root;
    const tllm_call *c = root.raw();
    c->set_output(c, R"({"first":true})");
    c->set_output(c, R"({"second":true})"); // replaces, as the ABI says
    EXPECT_EQ(root.ctx.take_output(TLLM_OK, "chat"), R"({"second":true})");
}

TEST(CallContext, OutputIsCopied) {
    // The plugin may free its buffer right after set_output (the echo plugin does).
    RootCall root;
    std::string buffer = R"({"a":1})";
    root.raw()->set_output(root.raw(), buffer.c_str());
    buffer.assign(buffer.size(), 'x');
    EXPECT_EQ(root.ctx.take_output(TLLM_OK, "chat"), R"({"a":1})");
}

TEST(CallContext, ErrorCarriesThePluginsMessageAndTheMappedCode) {
    const std::vector<std::pair<tllm_status, ErrorCode>> table = {
        {TLLM_ERR_INVALID_ARGUMENT, ErrorCode::invalid_argument},
        {TLLM_ERR_NOT_FOUND, ErrorCode::not_found},
        {TLLM_ERR_UNAVAILABLE, ErrorCode::unavailable},
        {TLLM_ERR_TIMEOUT, ErrorCode::timeout},
        {TLLM_ERR_CANCELLED, ErrorCode::cancelled},
        {TLLM_ERR_PROTOCOL, ErrorCode::protocol},
        {TLLM_ERR_UNSUPPORTED, ErrorCode::unsupported},
        {TLLM_ERR_REMOTE, ErrorCode::remote},
        {TLLM_ERR_INTERNAL, ErrorCode::internal},
        // A code from a newer minor version is internal. 12 stays inside the enum's value range
        // (0..15), so the test itself is not UB for UBSan's enum check.
        {static_cast<tllm_status>(12), ErrorCode::internal},
    };
    for (const auto &[status, code] : table) {
        RootCall root;
        root.raw()->set_error(root.raw(), status, "model \"x\" not found, try pulling it first");
        const auto e = error_of([&] { root.ctx.take_output(status, "chat"); });
        ASSERT_TRUE(e) << status;
        EXPECT_EQ(e->code(), code) << status;
        EXPECT_STREQ(e->what(), "model \"x\" not found, try pulling it first");
    }
}

TEST(CallContext, ErrorWithoutMessageNamesTheCallAndStatus) {
    RootCall root;
    const auto e = error_of([&] { root.ctx.take_output(TLLM_ERR_TIMEOUT, "backend b chat"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::timeout);
    EXPECT_STREQ(e->what(), "backend b chat failed: timeout");
}

TEST(CallContext, FailureWinsOverAnOutputSetBefore) {
    RootCall root;
    root.raw()->set_output(root.raw(), "{}");
    root.raw()->set_error(root.raw(), TLLM_ERR_REMOTE, "model crashed");
    const auto e = error_of([&] { root.ctx.take_output(TLLM_ERR_REMOTE, "chat"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::remote);
}

TEST(CallContext, SuccessWithoutOutputIsAProtocolError) {
    RootCall root;
    const auto e = error_of([&] { root.ctx.take_output(TLLM_OK, "backend b chat"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::protocol);
    EXPECT_STREQ(e->what(), "backend b chat returned success but no output");
}

TEST(CallContext, CancellationIsVisibleThroughTheCall) {
    RootCall root;
    EXPECT_EQ(root.raw()->is_cancelled(root.raw()), 0);
    root.token.cancel();
    EXPECT_NE(root.raw()->is_cancelled(root.raw()), 0);
    EXPECT_TRUE(root.ctx.cancelled());
}

TEST(CancelToken, NeverIsNeverCancelledAndItsChildrenStillAre) {
    const CancelToken never = CancelToken::never();
    never.cancel(); // nothing to cancel: a no-op, not a crash
    EXPECT_FALSE(never.cancelled());
    EXPECT_EQ(never.raw_flag(), nullptr);
    const CancelToken child = never.child();
    EXPECT_NE(child.raw_flag(), nullptr);
    child.cancel();
    EXPECT_TRUE(child.cancelled());
    EXPECT_FALSE(never.cancelled());
}

TEST(CallContext, RemainingTimeFollowsTheDeadline) {
    RootCall none;
    EXPECT_EQ(none.raw()->remaining_ms(none.raw()), -1);

    CallContext past(CancelToken{}, Clock::now() - std::chrono::seconds(5), {});
    EXPECT_EQ(past.raw()->remaining_ms(past.raw()), 0); // never negative: -1 means "none"

    CallContext hour(CancelToken{}, Clock::now() + std::chrono::hours(1), {});
    const int64_t left = hour.raw()->remaining_ms(hour.raw());
    EXPECT_GT(left, 0);
    EXPECT_LE(left, 3'600'000);
}

TEST(CallContext, RemainingTimeRoundsUpSoATimerSetFromItFiresAfterTheDeadline) {
    // 300 us left is 1 ms, not 0: a plugin that times its own wait by remaining_ms then sees
    // is_cancelled when its timer fires, and knows the call ended rather than failed.
    CallContext soon(CancelToken{}, Clock::now() + std::chrono::microseconds(300), {});
    const int64_t left = soon.raw()->remaining_ms(soon.raw());
    if (left == 0) GTEST_SKIP() << "the deadline passed before it was read (a stalled machine)";
    EXPECT_EQ(left, 1);
}

TEST(CallContext, EventsReachTheSinkInOrder) {
    RootCall root;
    root.raw()->emit(root.raw(), R"({"type":"token","content":"a"})");
    root.raw()->emit(root.raw(), nullptr); // ignored, not a crash
    root.raw()->emit(root.raw(), R"({"type":"token","content":"b"})");
    EXPECT_THAT(root.events, ElementsAre(R"({"type":"token","content":"a"})",
                                         R"({"type":"token","content":"b"})"));
}

TEST(CallContext, NoSinkDropsEvents) {
    CallContext ctx(CancelToken{}, std::nullopt, {});
    EXPECT_NO_THROW(ctx.raw()->emit(ctx.raw(), R"({"type":"token","content":"a"})"));
}

TEST(CallContext, SinkExceptionDoesNotReachThePlugin) {
    int calls = 0;
    CallContext ctx(CancelToken{}, std::nullopt, [&](std::string_view) {
        ++calls;
        throw std::runtime_error("stdout closed");
    });
    EXPECT_NO_THROW(ctx.raw()->emit(ctx.raw(), R"({"type":"token","content":"a"})"));
    EXPECT_NO_THROW(ctx.raw()->emit(ctx.raw(), R"({"type":"token","content":"b"})"));
    EXPECT_EQ(calls, 2); // the sink is still tried for later events
}

TEST(ChildCall, InheritsCancellationFromItsParent) {
    RootCall root;
    CallContext child(root.raw());
    CallContext grandchild(child.raw());
    EXPECT_FALSE(child.cancelled());
    root.token.cancel();
    EXPECT_TRUE(child.cancelled());
    EXPECT_NE(child.raw()->is_cancelled(child.raw()), 0);
    EXPECT_NE(grandchild.raw()->is_cancelled(grandchild.raw()), 0);
}

// Parents are always host CallContexts: a plugin can only pass the tllm_call it is running.
TEST(ChildCall, WithoutDeadlinesNoTimeLimitIsReported) {
    RootCall root;
    CallContext child(root.raw());
    EXPECT_EQ(child.raw()->remaining_ms(child.raw()), -1);
}

TEST(ChildCall, RemainingTimeComesDownTheWholeChain) {
    // A child call has no deadline of its own (its constructor takes none), so it reports what
    // its ancestors allow, however deep it sits.
    CallContext expired(CancelToken{}, Clock::now() - std::chrono::seconds(1), {});
    CallContext under_expired(expired.raw());
    CallContext deeper(under_expired.raw());
    EXPECT_EQ(under_expired.raw()->remaining_ms(under_expired.raw()), 0);
    EXPECT_EQ(deeper.raw()->remaining_ms(deeper.raw()), 0);

    CallContext hour(CancelToken{}, Clock::now() + std::chrono::hours(1), {});
    CallContext under_hour(hour.raw());
    const int64_t left = under_hour.raw()->remaining_ms(under_hour.raw());
    EXPECT_GT(left, 0);
    EXPECT_LE(left, 3'600'000);
}

TEST(ChildCall, ForwardsEventsToTheParentsSink) {
    RootCall root;
    CallContext child(root.raw());
    CallContext grandchild(child.raw());
    child.raw()->emit(child.raw(), R"({"type":"token","content":"x"})");
    grandchild.raw()->emit(grandchild.raw(), R"({"type":"thinking","content":"y"})");
    EXPECT_THAT(root.events, ElementsAre(R"({"type":"token","content":"x"})",
                                         R"({"type":"thinking","content":"y"})"));
}

TEST(ChildCall, ParentSinkExceptionDoesNotReachTheChild) {
    CallContext parent(CancelToken{}, std::nullopt,
                       [](std::string_view) { throw std::runtime_error("pipe closed"); });
    CallContext child(parent.raw());
    EXPECT_NO_THROW(child.raw()->emit(child.raw(), R"({"type":"token","content":"x"})"));
}

TEST(ChildCall, HasItsOwnResultSlot) {
    RootCall root;
    CallContext child(root.raw());
    child.raw()->set_output(child.raw(), R"({"child":1})");
    EXPECT_EQ(child.take_output(TLLM_OK, "child"), R"({"child":1})");
    // The parent's slot is untouched: it still has no output.
    const auto e = error_of([&] { root.ctx.take_output(TLLM_OK, "parent"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::protocol);
}

TEST(CancelToken, CopiesShareOneFlag) {
    CancelToken a;
    const CancelToken b = a;
    EXPECT_FALSE(b.cancelled());
    a.cancel();
    EXPECT_TRUE(b.cancelled());
    EXPECT_TRUE(b.raw_flag()->load());
    EXPECT_FALSE(CancelToken{}.cancelled());
}

} // namespace
} // namespace tinyllm::runtime
