// Metrics per node and graph version over a window, as RunStore::metrics answers them (and
// `tinyllm metrics show` prints them): the question (MetricsQuery), the answer (MetricsReport)
// and the figures derived from its counters (rates, the judge score's interval, latency
// percentiles). What each counter counts is defined in run_metrics.hpp.
#pragma once

#include "store/run_metrics.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tinyllm::store {

struct MetricsQuery {
    std::optional<std::string> graph_id;      // absent: every graph
    std::optional<std::string> graph_version; // absent: every version, merged per node
    std::optional<std::string> node_id;       // absent: every node, and the whole run ("")
    // The window by time: [since, until), both widened to whole minutes (since rounded down,
    // until up to the end of its minute). Default: until = now, since = until - 24 h.
    std::optional<int64_t> since_ms;
    std::optional<int64_t> until_ms;
    // > 0: instead, the last N finished runs (by start), counted from their rows; since_ms and
    // until_ms must then be absent (Error(invalid_argument)).
    size_t last_runs = 0;
    // The window cut into this many equal parts for the trend (fewer when the window has fewer
    // minutes, or runs, than that); at least 1.
    int trend_buckets = 24;
};

// One part of the trend: a time range, or (by runs) the runs started in it, oldest first.
struct TrendBucket {
    int64_t start_ms = 0;
    int64_t end_ms = 0; // exclusive by time; by runs, the start of its last run
    size_t runs = 0;    // by runs only
};

struct NodeMetrics {
    std::string graph_id;
    std::string node_id;                     // "" = the whole run
    std::string node_type;                   // the component ("" for the whole run, or unknown)
    std::vector<std::string> graph_versions; // the versions counted here, sorted
    metrics::Counters total;
    std::vector<metrics::Counters> trend; // one per MetricsReport::trend bucket
};

struct MetricsReport {
    bool by_runs = false; // the window is the last N runs
    int64_t since_ms = 0; // by time: [since, until); by runs: the first and last run's start
    int64_t until_ms = 0;
    size_t runs = 0; // by runs: how many were counted (fewer than N when fewer exist)
    std::vector<TrendBucket> trend;
    // Per graph: the whole run first, then its nodes in the order they first appeared in the
    // store. Only nodes with executions or grades in the window.
    std::vector<NodeMetrics> nodes;
    // Every (graph, node) with data in the window, whatever MetricsQuery::node_id says: what a
    // caller names when the node asked for is not among them.
    std::vector<std::pair<std::string, std::string>> nodes_seen;
};

// Derived figures.
std::optional<double> rate(int64_t part, int64_t whole); // nullopt when whole is 0

struct ScoreSummary {
    int64_t n = 0;              // grades with a score
    std::optional<double> mean; // n >= 1
    std::optional<double> low;  // n >= 2: mean -/+ 1.96 s / sqrt(n), s the sample standard
    std::optional<double> high; // deviation (from the sums), clamped to [0, 1]
};
ScoreSummary score_summary(const metrics::Counters &c);

struct LatencyPercentile {
    double ms = 0;         // within LatencyHistogram::kMaxRelativeError of the exact value
    bool overflow = false; // at least this long (past the histogram's last bound)
};
// The nearest-rank percentile p (0.5, 0.95, 0.99) of the counted durations.
std::optional<LatencyPercentile> latency_percentile(const metrics::Counters &c, double p);

} // namespace tinyllm::store
