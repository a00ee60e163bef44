// The backoff before retrying a request Ollama refused as busy (retry.hpp): full jitter under a
// ceiling that doubles per retry and stops at max_delay. Drawn from a seeded generator, so the
// figures are the same on every run; the sample sizes make "the largest draw comes within 10 %
// of the ceiling" certain for any seed (the chance of missing is 0.9^2000).
#include "retry.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using tinyllm::ollama::RetryPolicy;
using namespace std::chrono_literals;

struct Spread {
    int64_t min = INT64_MAX;
    int64_t max = INT64_MIN;
};

Spread draws(const RetryPolicy &policy, int retry, int count = 2000) {
    std::mt19937_64 rng(17);
    Spread s;
    for (int i = 0; i < count; ++i) {
        const int64_t d = policy.delay(retry, rng).count();
        s.min = std::min(s.min, d);
        s.max = std::max(s.max, d);
    }
    return s;
}

RetryPolicy policy(std::chrono::milliseconds base, std::chrono::milliseconds max) {
    RetryPolicy p;
    p.base_delay = base;
    p.max_delay = max;
    return p;
}

TEST(RetryBackoff, TheCeilingDoublesPerRetryFromTheBaseDelay) {
    const RetryPolicy p = policy(100ms, 10000ms);
    int64_t ceiling = 100;
    for (int retry = 0; retry < 6; ++retry, ceiling *= 2) {
        const Spread s = draws(p, retry);
        EXPECT_GE(s.min, 0) << "retry " << retry;
        EXPECT_LE(s.max, ceiling) << "retry " << retry;
        EXPECT_GT(s.max, ceiling * 9 / 10) << "retry " << retry << ": the ceiling did not grow";
    }
}

TEST(RetryBackoff, FullJitterReachesDownToZero) {
    // Uniform over [0, ceiling]: clients refused together spread out instead of coming back in
    // a herd, so some draws are near zero even late in the sequence.
    const Spread s = draws(policy(100ms, 10000ms), 5);
    EXPECT_LT(s.min, 3200 / 10);
}

TEST(RetryBackoff, TheCeilingStopsAtTheMaximumDelay) {
    const RetryPolicy p = policy(100ms, 1000ms);
    EXPECT_GT(draws(p, 3).max, 720); // 800 ms ceiling, below the cap
    for (int retry : {4, 5, 10, 62, 63, 1000}) {
        const Spread s = draws(p, retry);
        EXPECT_LE(s.max, 1000) << "retry " << retry;
        EXPECT_GT(s.max, 900) << "retry " << retry;
        EXPECT_GE(s.min, 0) << "retry " << retry << ": the doubling overflowed";
    }
}

TEST(RetryBackoff, AMaximumBelowTheBaseCapsTheFirstRetryToo) {
    const Spread s = draws(policy(500ms, 200ms), 0);
    EXPECT_LE(s.max, 200);
    EXPECT_GT(s.max, 180);
}

TEST(RetryBackoff, ZeroOrNegativeDelaysMeanRetryAtOnce) {
    for (const RetryPolicy &p :
         {policy(0ms, 5000ms), policy(-5ms, 5000ms), policy(100ms, 0ms), policy(100ms, -1ms)}) {
        const Spread s = draws(p, 3, 50);
        EXPECT_EQ(s.min, 0);
        EXPECT_EQ(s.max, 0);
    }
}

TEST(RetryBackoff, OnlyBusyAnswersAreRetried) {
    EXPECT_TRUE(tinyllm::ollama::is_retryable_status(503));
    EXPECT_TRUE(tinyllm::ollama::is_retryable_status(429));
    for (long status : {200L, 400L, 404L, 408L, 500L, 502L, 504L})
        EXPECT_FALSE(tinyllm::ollama::is_retryable_status(status)) << status;
}

} // namespace
