// The latency model: streamed answers arrive as token events paced by time to first token and
// per-token time (scaled by time_scale), Ollama-style counts and durations are reported, and a
// cancelled or expired call stops within a few milliseconds.
#include "latency.hpp"
#include "sim_support.hpp"

#include <chrono>
#include <thread>

namespace tinyllm::sim::test {
namespace {

using Clock = std::chrono::steady_clock;
using tinyllm::testing::TestCall;

// One slow model: 200 ms to the first token, 100 ms per token, then `time_scale`.
std::string slow_config(double time_scale) {
    return R"({"time_scale":)" + std::to_string(time_scale) +
           R"(,"datasets":["code.jsonl"],"models":{"slow":{"size":"3b","default_accuracy":1,)"
           R"("latency":{"first_token_ms":200,"per_token_ms":100}}}})";
}

const Example &a_code_example(const Simulator &sim) {
    return *examples_of(sim, "code").front();
}

TEST(SimStreaming, TokensStreamAndTheCountsAndDurationsFollowTheLatencyModel) {
    const Simulator sim = simulator(slow_config(0));
    const Example &e = a_code_example(sim);
    TestCall call;
    const json::Document r = chat(sim, chat_request("slow", {{"user", e.input}}, true), &call);
    const std::string answer = content_of(r);
    std::string streamed;
    for (const std::string &piece : call.contents("token"))
        streamed += piece;
    EXPECT_EQ(streamed, answer);
    EXPECT_GT(call.contents("token").size(), 5u);
    const int64_t tokens = r["eval_count"].GetInt64();
    EXPECT_EQ(tokens, estimate_tokens(answer));
    EXPECT_EQ(r["prompt_eval_count"].GetInt64(), estimate_tokens(e.input) + 4);
    // Durations are the simulated ones, in nanoseconds, even with time_scale 0.
    EXPECT_EQ(r["prompt_eval_duration"].GetInt64(), 200'000'000);
    EXPECT_EQ(r["eval_duration"].GetInt64(), tokens * 100'000'000);
    EXPECT_EQ(r["total_duration"].GetInt64(), 200'000'000 + tokens * 100'000'000);
    EXPECT_EQ(r["load_duration"].GetInt64(), 0);
    EXPECT_TRUE(r["done"].GetBool());
    EXPECT_TRUE(r["simulated"].GetBool());
}

TEST(SimStreaming, NotStreamedMeansNoTokenEvents) {
    const Simulator sim = simulator(slow_config(0));
    TestCall call;
    chat(sim, chat_request("slow", {{"user", a_code_example(sim).input}}, false), &call);
    EXPECT_TRUE(call.events().empty());
}

TEST(SimStreaming, SleepingFollowsTheTimeScale) {
    // 1/100 of the simulated time: 2 ms to the first token, 1 ms per token.
    const Simulator sim = simulator(slow_config(0.01));
    const Example &e = a_code_example(sim);
    const auto start = Clock::now();
    const json::Document r = chat(sim, chat_request("slow", {{"user", e.input}}, true));
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    const double simulated_ms = static_cast<double>(r["total_duration"].GetInt64()) / 1e6;
    EXPECT_GE(ms, simulated_ms * 0.01 * 0.95);
    EXPECT_LT(ms, simulated_ms * 0.01 + 200); // generous: a loaded CI machine
}

TEST(SimStreaming, ACancelledCallStopsPromptly) {
    const Simulator sim = simulator(slow_config(1)); // seconds of simulated writing
    TestCall call;
    std::thread canceller([&] {
        call.wait_for_events(1, std::chrono::seconds(5)); // the first token is out
        call.cancel();
    });
    const auto start = Clock::now();
    const tllm_status status = call.run([&](sdk::Call &c) {
        return sim.chat(c, chat_request("slow", {{"user", a_code_example(sim).input}}, true));
    });
    const auto took = Clock::now() - start;
    canceller.join();
    EXPECT_EQ(status, TLLM_ERR_CANCELLED);
    EXPECT_LT(took, std::chrono::milliseconds(200 + 150)); // the first token, then 5 ms polls
    EXPECT_FALSE(call.has_output());
}

TEST(SimStreaming, ADeadlineEndsTheCallWithATimeout) {
    const Simulator sim = simulator(slow_config(1));
    TestCall call;
    call.set_remaining_ms(0);
    EXPECT_EQ(call.run([&](sdk::Call &c) {
        return sim.chat(c, chat_request("slow", {{"user", a_code_example(sim).input}}, false));
    }),
              TLLM_ERR_TIMEOUT);
    EXPECT_NE(call.error().find("deadline"), std::string::npos) << call.error();
}

TEST(SimStreaming, DefaultLatencyGrowsWithSize) {
    const std::string config = R"({"time_scale":0,"datasets":["general.jsonl"],"models":{)"
                               R"("small":{"size":"0.5b"},"big":{"size":"3b"}}})";
    const Simulator sim = simulator(config);
    const std::string question = "What is the capital of France?";
    const json::Document small = chat(sim, ask("small", question));
    const json::Document big = chat(sim, ask("big", question));
    EXPECT_EQ(small["prompt_eval_duration"].GetInt64(), 70'000'000); // 40 + 60 * 0.5
    EXPECT_EQ(big["prompt_eval_duration"].GetInt64(), 220'000'000);  // 40 + 60 * 3
    EXPECT_LT(small["total_duration"].GetInt64(), big["total_duration"].GetInt64());
}

TEST(SimStreaming, TokenEstimatesAreAboutFourThirdsOfTheWords) {
    EXPECT_EQ(estimate_tokens(""), 0);
    EXPECT_EQ(estimate_tokens("  \n"), 0);
    EXPECT_EQ(estimate_tokens("one"), 2);           // ceil(1.3)
    EXPECT_EQ(estimate_tokens("one two three"), 4); // ceil(3.9)
    EXPECT_EQ(estimate_tokens("a b c d e f g h i j"), 13);
    const std::vector<std::string_view> pieces = stream_pieces("17 * 23 = 391\nThe end.");
    EXPECT_EQ(pieces,
              (std::vector<std::string_view>{"17", " *", " 23", " =", " 391", "\nThe", " end."}));
}

} // namespace
} // namespace tinyllm::sim::test
