#include "store/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace tinyllm::store {

std::optional<double> rate(int64_t part, int64_t whole) {
    if (whole <= 0) return std::nullopt;
    return static_cast<double>(part) / static_cast<double>(whole);
}

ScoreSummary score_summary(const metrics::Counters &c) {
    ScoreSummary s;
    s.n = c.scored;
    if (c.scored <= 0) return s;
    const auto n = static_cast<double>(c.scored);
    const double mean = c.score_sum / n;
    s.mean = mean;
    if (c.scored < 2) return s;
    // The sample variance from the sums; rounding can take a zero variance a hair below zero.
    const double variance = std::max((c.score_sumsq - c.score_sum * mean) / (n - 1), 0.0);
    const double half = 1.959963984540054 * std::sqrt(variance / n);
    s.low = std::clamp(mean - half, 0.0, 1.0);
    s.high = std::clamp(mean + half, 0.0, 1.0);
    return s;
}

std::optional<LatencyPercentile> latency_percentile(const metrics::Counters &c, double p) {
    const auto q = c.latency.percentile(p);
    if (!q) return std::nullopt;
    return LatencyPercentile{q->micros / 1000.0, q->overflow};
}

} // namespace tinyllm::store
