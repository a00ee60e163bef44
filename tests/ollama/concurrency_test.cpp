// One client instance serving many calls at once, as the host runs them.
#include "test_call.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace tinyllm::testing;
using tinyllm::ollama::OllamaClient;
namespace json = tinyllm::json;

TEST(Concurrency, EightThreadsChatOnOneInstance) {
    FakeOllama fake;
    fake.set_token_delay(std::chrono::milliseconds(1)); // interleave the streams
    OllamaClient client(config_for(fake));
    constexpr int kThreads = 8;
    constexpr int kCallsPerThread = 4;
    std::atomic<int> ok{0};
    std::vector<std::string> failures(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kCallsPerThread; ++i) {
                TestCall call;
                const std::string req =
                    R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"thread )" +
                    std::to_string(t) + " call " + std::to_string(i) + "\"}]}";
                const tllm_status st = call.run([&](auto &c) {
                    return t % 2 == 0
                               ? client.chat(c, req)
                               : client.generate(c, R"({"model":"qwen2.5:0.5b","prompt":"p"})");
                });
                if (st != TLLM_OK) {
                    failures[t] = call.error();
                    continue;
                }
                const auto out = call.output_json();
                const std::string text =
                    t % 2 == 0 ? json::get_string(out["message"], "content").value_or("")
                               : json::get_string(out, "response").value_or("");
                if (text == kDefaultAnswer && call.contents("token") == default_answer_tokens()) {
                    ++ok;
                } else {
                    failures[t] = "wrong answer: " + call.output();
                }
            }
        });
    }
    for (auto &th : threads)
        th.join();
    for (int t = 0; t < kThreads; ++t)
        EXPECT_EQ(failures[t], "") << "thread " << t;
    EXPECT_EQ(ok.load(), kThreads * kCallsPerThread);
    // Handles (and their connections) were reused rather than opened per call.
    std::set<uint64_t> connections;
    for (const auto &r : fake.requests())
        connections.insert(r.connection_id);
    EXPECT_LE(connections.size(), static_cast<size_t>(kThreads));
}

} // namespace
