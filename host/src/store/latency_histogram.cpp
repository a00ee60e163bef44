#include "store/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace tinyllm::store::metrics {
namespace {

using Bounds = std::array<int64_t, LatencyHistogram::kBuckets>;

// lower[k]: the smallest integer duration of bucket k, ceil(2^((k-1)/8)) for k >= 1. Whole
// octaves are computed with shifts so that powers of two are exact, not rounded by exp2.
const Bounds &lower_bounds() {
    static const Bounds bounds = [] {
        Bounds b{};
        constexpr int per = LatencyHistogram::kBucketsPerOctave;
        for (size_t k = 1; k < b.size(); ++k) {
            const auto j = static_cast<int>(k - 1);
            const auto octave = static_cast<double>(int64_t{1} << (j / per));
            b[k] = j % per == 0 ? static_cast<int64_t>(octave)
                                : static_cast<int64_t>(std::ceil(
                                      octave * std::exp2(static_cast<double>(j % per) / per)));
        }
        return b;
    }();
    return bounds;
}

void put_varint(std::string &out, uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

bool get_varint(std::string_view bytes, size_t &pos, uint64_t &value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= bytes.size()) return false;
        const auto byte = static_cast<unsigned char>(bytes[pos++]);
        value |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return true;
    }
    return false;
}

} // namespace

size_t LatencyHistogram::bucket_of(int64_t micros) noexcept {
    if (micros <= 0) return 0;
    const Bounds &b = lower_bounds();
    return static_cast<size_t>(std::upper_bound(b.begin() + 1, b.end(), micros) - b.begin()) - 1;
}

int64_t LatencyHistogram::lower_us(size_t bucket) noexcept {
    return lower_bounds()[std::min(bucket, kOverflow)];
}

double LatencyHistogram::representative_us(size_t bucket) noexcept {
    if (bucket == 0) return 0;
    const Bounds &b = lower_bounds();
    if (bucket >= kOverflow) return static_cast<double>(b[kOverflow]);
    // The geometric midpoint of the integers the bucket holds: a duration d in it is then
    // within sqrt(hi / lo) of it, and hi / lo < 2^(1/8).
    const auto lo = static_cast<double>(b[bucket]);
    const auto hi = static_cast<double>(std::max(b[bucket + 1] - 1, b[bucket]));
    return std::sqrt(lo * hi);
}

void LatencyHistogram::add(int64_t micros, int64_t count) noexcept {
    counts_[bucket_of(micros)] += count;
    total_ += count;
}

void LatencyHistogram::merge(const LatencyHistogram &other, int sign) noexcept {
    for (size_t i = 0; i < kBuckets; ++i)
        counts_[i] += sign * other.counts_[i];
    total_ += sign * other.total_;
}

std::optional<LatencyHistogram::Percentile> LatencyHistogram::percentile(double p) const noexcept {
    if (total_ <= 0) return std::nullopt;
    // ceil(p * n), less a hair so that 0.95 * 20 (18.999...) is rank 19, not 20.
    const auto rank =
        std::clamp(static_cast<int64_t>(std::ceil(p * static_cast<double>(total_) - 1e-9)),
                   int64_t{1}, total_);
    int64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) return Percentile{representative_us(i), i == kOverflow};
    }
    return Percentile{representative_us(kOverflow), true};
}

std::string LatencyHistogram::encode() const {
    std::string out;
    for (size_t i = 0; i < kBuckets; ++i) {
        if (counts_[i] <= 0) continue;
        out.push_back(static_cast<char>(i));
        put_varint(out, static_cast<uint64_t>(counts_[i]));
    }
    return out;
}

bool LatencyHistogram::merge_encoded(std::string_view bytes, int sign) noexcept {
    size_t pos = 0;
    int previous = -1;
    while (pos < bytes.size()) {
        const int bucket = static_cast<unsigned char>(bytes[pos++]);
        uint64_t count = 0;
        if (bucket <= previous || bucket >= static_cast<int>(kBuckets)) return false;
        if (!get_varint(bytes, pos, count) || count == 0 || count > (uint64_t{1} << 62)) {
            return false;
        }
        counts_[static_cast<size_t>(bucket)] += sign * static_cast<int64_t>(count);
        total_ += sign * static_cast<int64_t>(count);
        previous = bucket;
    }
    return true;
}

std::optional<LatencyHistogram> LatencyHistogram::decode(std::string_view bytes) {
    LatencyHistogram h;
    if (!h.merge_encoded(bytes)) return std::nullopt;
    return h;
}

std::optional<std::string> LatencyHistogram::merge_encoded(std::string_view encoded,
                                                           std::string_view delta, int sign) {
    LatencyHistogram h;
    if (!h.merge_encoded(encoded) || !h.merge_encoded(delta, sign)) return std::nullopt;
    for (int64_t c : h.counts_) {
        if (c < 0) return std::nullopt;
    }
    return h.encode();
}

} // namespace tinyllm::store::metrics
