// The latency histogram of the metrics: its buckets, the documented percentile error bound
// against exact nearest-rank percentiles, and its stored form (including what it refuses).
#include "store/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace tinyllm::store_test {
namespace {

using store::metrics::LatencyHistogram;

TEST(LatencyHistogram, BucketsAreEightPerDoublingFromOneMicrosecond) {
    EXPECT_EQ(LatencyHistogram::bucket_of(-5), 0u);
    EXPECT_EQ(LatencyHistogram::bucket_of(0), 0u);
    EXPECT_EQ(LatencyHistogram::bucket_of(1), 1u);
    EXPECT_EQ(LatencyHistogram::bucket_of(2), 9u); // log2(2) = 1: 8 buckets later
    EXPECT_EQ(LatencyHistogram::bucket_of(1024), 81u);
    EXPECT_EQ(LatencyHistogram::bucket_of(1023), 80u);
    // The last bounded bucket ends at 2^29.25 us (about 10.6 minutes).
    const int64_t last = LatencyHistogram::lower_us(LatencyHistogram::kOverflow);
    EXPECT_EQ(last, static_cast<int64_t>(std::ceil(std::exp2(29.25))));
    EXPECT_EQ(LatencyHistogram::bucket_of(last), LatencyHistogram::kOverflow);
    EXPECT_EQ(LatencyHistogram::bucket_of(last - 1), LatencyHistogram::kOverflow - 1);
    EXPECT_EQ(LatencyHistogram::bucket_of(int64_t{1} << 40), LatencyHistogram::kOverflow);
    // Every duration up to the overflow lies in [lower, next lower) of its bucket, and those
    // bounds never span more than 2^(1/8).
    for (size_t b = 1; b < LatencyHistogram::kOverflow; ++b) {
        const int64_t lo = LatencyHistogram::lower_us(b);
        const int64_t next = LatencyHistogram::lower_us(b + 1);
        ASSERT_LE(lo, next) << b;
        if (lo == next) continue; // an empty bucket: no integer falls in it
        EXPECT_EQ(LatencyHistogram::bucket_of(lo), b);
        EXPECT_EQ(LatencyHistogram::bucket_of(next - 1), b);
        EXPECT_LT(static_cast<double>(next - 1) / static_cast<double>(lo), std::exp2(0.125)) << b;
    }
}

TEST(LatencyHistogram, EveryDurationIsWithinTheBoundOfItsBucketsValue) {
    // Exhaustively below 100 ms, then sampled: the representative is within the bound.
    auto check = [](int64_t us) {
        const double rep = LatencyHistogram::representative_us(LatencyHistogram::bucket_of(us));
        ASSERT_LE(std::abs(rep - static_cast<double>(us)) / static_cast<double>(us),
                  LatencyHistogram::kMaxRelativeError + 1e-12)
            << us;
    };
    for (int64_t us = 1; us < 100'000; ++us)
        check(us);
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int64_t> any(
        1, LatencyHistogram::lower_us(LatencyHistogram::kOverflow) - 1);
    for (int i = 0; i < 200'000; ++i)
        check(any(rng));
}

// The nearest-rank percentile: the value of rank ceil(p * n).
double exact_percentile(std::vector<int64_t> values, double p) {
    std::sort(values.begin(), values.end());
    const auto n = static_cast<int64_t>(values.size());
    const auto rank = std::clamp<int64_t>(
        static_cast<int64_t>(std::ceil(p * static_cast<double>(n) - 1e-9)), 1, n);
    return static_cast<double>(values[static_cast<size_t>(rank - 1)]);
}

TEST(LatencyHistogram, PercentilesAreWithinTheDocumentedBoundOfExact) {
    std::mt19937_64 rng(42);
    for (int trial = 0; trial < 200; ++trial) {
        // Log-uniform durations from 5 us to 200 s, in samples of 1 to 3000.
        std::uniform_real_distribution<double> log_us(std::log(5.0), std::log(2e8));
        std::uniform_int_distribution<int> size(1, 3000);
        std::vector<int64_t> values(static_cast<size_t>(size(rng)));
        LatencyHistogram h;
        for (int64_t &v : values) {
            v = static_cast<int64_t>(std::exp(log_us(rng)));
            h.add(v);
        }
        ASSERT_EQ(h.count(), static_cast<int64_t>(values.size()));
        for (double p : {0.5, 0.9, 0.95, 0.99, 1.0}) {
            const double exact = exact_percentile(values, p);
            const auto got = h.percentile(p);
            ASSERT_TRUE(got);
            EXPECT_FALSE(got->overflow);
            EXPECT_LE(std::abs(got->micros - exact) / exact,
                      LatencyHistogram::kMaxRelativeError + 1e-12)
                << "p" << p << " of " << values.size() << ": " << got->micros << " vs " << exact;
        }
    }
}

TEST(LatencyHistogram, ARankOnABoundaryIsNotRoundedUp) {
    // 0.95 * 20 is 18.999... in binary: the 19th value, not the 20th.
    LatencyHistogram h;
    for (int i = 1; i <= 19; ++i)
        h.add(1000);
    h.add(1'000'000);
    ASSERT_TRUE(h.percentile(0.95));
    EXPECT_LT(h.percentile(0.95)->micros, 2000);
    EXPECT_GT(h.percentile(1.0)->micros, 900'000);
}

TEST(LatencyHistogram, OverflowIsFlaggedAndEmptyHasNoPercentile) {
    LatencyHistogram h;
    EXPECT_FALSE(h.percentile(0.5));
    h.add(int64_t{3600} * 1'000'000); // an hour
    const auto p = h.percentile(0.5);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->overflow);
    EXPECT_EQ(p->micros,
              static_cast<double>(LatencyHistogram::lower_us(LatencyHistogram::kOverflow)));
}

TEST(LatencyHistogram, EncodesMergesAndTakesBack) {
    LatencyHistogram a;
    a.add(0);
    a.add(150, 3);
    a.add(90'000'000);
    a.add(int64_t{1} << 50, 200); // a count needing two varint bytes, in the overflow bucket
    const std::string bytes = a.encode();
    EXPECT_EQ(bytes.size(), 2u + 2u + 2u + 3u); // index + varint per non-empty bucket
    const auto back = LatencyHistogram::decode(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->count(), a.count());
    for (size_t i = 0; i < LatencyHistogram::kBuckets; ++i)
        EXPECT_EQ(back->count_in(i), a.count_in(i)) << i;

    LatencyHistogram b;
    b.add(150);
    const auto sum = LatencyHistogram::merge_encoded(bytes, b.encode(), 1);
    ASSERT_TRUE(sum);
    const auto summed = LatencyHistogram::decode(*sum);
    ASSERT_TRUE(summed);
    EXPECT_EQ(summed->count_in(LatencyHistogram::bucket_of(150)), 4);
    EXPECT_EQ(LatencyHistogram::merge_encoded(*sum, b.encode(), -1), bytes);
    // Taking back what is not there, or everything: never below zero; empty is "".
    EXPECT_FALSE(LatencyHistogram::merge_encoded(b.encode(), bytes, -1));
    EXPECT_EQ(LatencyHistogram::merge_encoded(bytes, bytes, -1), std::string());
    EXPECT_EQ(LatencyHistogram::merge_encoded("", "", 1), std::string());
}

TEST(LatencyHistogram, RefusesMalformedBytes) {
    EXPECT_FALSE(LatencyHistogram::decode(std::string("\x05", 1)));             // no count
    EXPECT_FALSE(LatencyHistogram::decode(std::string("\x05\x00", 2)));         // zero count
    EXPECT_FALSE(LatencyHistogram::decode(std::string("\x05\x01\x05\x01", 4))); // not increasing
    EXPECT_FALSE(LatencyHistogram::decode(std::string("\xf0\x01", 2)));         // bucket 240
    EXPECT_FALSE(LatencyHistogram::decode(std::string("\x05\x81", 2)));         // truncated varint
    EXPECT_TRUE(LatencyHistogram::decode(std::string("\x05\x81\x01", 3)));
}

} // namespace
} // namespace tinyllm::store_test
