// Latencies as counts in fixed log-spaced buckets, so that percentiles of any window come from
// merged per-minute and per-hour histograms (metric_rollups.latency) instead of from every
// stored duration.
//
// Buckets, in integer microseconds: bucket 0 holds 0; bucket k (1..234) holds the durations d
// with (k-1)/8 <= log2(d) < k/8, i.e. eight buckets per doubling from 1 us up to 2^29.25 us
// (about 10.6 minutes); bucket 235 holds everything longer. A percentile is reported as its
// bucket's geometric midpoint, which is within kMaxRelativeError (2^(1/16) - 1, 4.43 %) of the
// exact nearest-rank percentile of the same durations: both lie in the same bucket, and no
// bucket spans a ratio of 2^(1/8). The overflow bucket has no upper bound: a percentile there
// is reported as its lower bound and flagged.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::store::metrics {

class LatencyHistogram {
public:
    static constexpr int kBucketsPerOctave = 8;
    static constexpr size_t kBuckets = 236;
    static constexpr size_t kOverflow = kBuckets - 1;
    // 2^(1/16) - 1: the bound on |reported - exact| / exact of a percentile below the overflow.
    static constexpr double kMaxRelativeError = 0.04427378242741384;

    static size_t bucket_of(int64_t micros) noexcept;
    // The smallest duration in `bucket`; the overflow bucket's is about 10.6 minutes.
    static int64_t lower_us(size_t bucket) noexcept;
    // The duration a percentile falling in `bucket` is reported as.
    static double representative_us(size_t bucket) noexcept;

    void add(int64_t micros, int64_t count = 1) noexcept;
    // Add (sign 1) or remove (sign -1) another histogram's counts.
    void merge(const LatencyHistogram &other, int sign = 1) noexcept;
    int64_t count() const noexcept { return total_; }
    int64_t count_in(size_t bucket) const noexcept { return counts_[bucket]; }
    bool empty() const noexcept { return total_ == 0; }

    struct Percentile {
        double micros = 0;     // the bucket's representative duration
        bool overflow = false; // at least this long (the overflow bucket)
    };
    // The nearest-rank percentile (p in (0, 1]): the duration of rank ceil(p * count); nullopt
    // when empty.
    std::optional<Percentile> percentile(double p) const noexcept;

    // The stored form: for each non-empty bucket in increasing order, its index (one byte) and
    // its count (unsigned LEB128). A minute's durations fill a few buckets: ~10-30 bytes.
    std::string encode() const;
    // nullopt when `bytes` is not such an encoding (out-of-range or unordered bucket, zero
    // count, truncated varint).
    static std::optional<LatencyHistogram> decode(std::string_view bytes);
    // Add (sign 1) or remove (sign -1) the counts of an encoded histogram in place, without the
    // intermediate histogram decode() builds (the read path merges one per rollup row). False,
    // with this histogram unspecified, when `bytes` is malformed.
    bool merge_encoded(std::string_view bytes, int sign = 1) noexcept;
    // `encoded` plus `delta` times `sign`, both encoded; nullopt when either is malformed or a
    // count would go below zero. The merge the rollup upsert runs in SQL.
    static std::optional<std::string> merge_encoded(std::string_view encoded,
                                                    std::string_view delta, int sign);

private:
    std::array<int64_t, kBuckets> counts_{};
    int64_t total_ = 0;
};

} // namespace tinyllm::store::metrics
