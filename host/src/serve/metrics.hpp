// Prometheus metrics of tinyllm serve, rendered at /metrics in the text exposition format
// (version 0.0.4): what every run did (counted as it ends, from its trace: runs, nodes, model
// and tool calls, router and gate decisions) and what the server is doing now (gauges the
// server reads when scraped). Names follow Prometheus' conventions: tinyllm_..._total for
// counters, _seconds for durations. [any thread]
#pragma once

#include "trace/trace.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::serve {

class Metrics {
public:
    // A run of `graph` (file name) ended: everything its trace says.
    void run_ended(std::string_view graph, const trace::Run &run);
    // A request refused before any run: the queue was full ("busy").
    void rejected(std::string_view api, std::string_view reason);
    // An answer began: to a request of `api` (ollama, openai, tinyllm, metrics, other), with
    // `status` — every request an API read, a graph's, a passed-through one or a refusal.
    void answered(std::string_view api, int status);

    struct Gauge {
        std::string name;
        std::string help;
        double value;
    };
    // Every family, then `gauges`.
    std::string render(const std::vector<Gauge> &gauges) const;

    using Labels = std::vector<std::string>;
    struct Histogram {
        std::vector<uint64_t> buckets; // per upper bound (bucket_bounds), not cumulative
        uint64_t count = 0;
        double sum = 0;
    };
    // The histograms' upper bounds in seconds, ascending; +Inf is implicit.
    static std::span<const double> bucket_bounds();

    // A copy of what alert rules read (serve/alerts), labels as in the families below.
    struct Snapshot {
        std::map<Labels, double> runs;             // graph, version, status
        std::map<Labels, double> nodes;            // graph, node, status
        std::map<Labels, double> rejected;         // api, reason
        std::map<Labels, Histogram> run_seconds;   // graph
        std::map<Labels, Histogram> node_seconds;  // graph, node
        std::map<Labels, Histogram> model_seconds; // model
    };
    Snapshot snapshot() const;

private:
    struct CounterFamily {
        std::map<Labels, double> series;
    };
    struct HistogramFamily {
        std::map<Labels, Histogram> series;
    };
    static void observe(HistogramFamily &family, const Labels &labels, double seconds);

    mutable std::mutex mutex_;
    CounterFamily runs_;            // graph, version, status
    CounterFamily rejected_;        // api, reason
    HistogramFamily run_seconds_;   // graph
    CounterFamily nodes_;           // graph, node, status
    HistogramFamily node_seconds_;  // graph, node
    CounterFamily model_calls_;     // model, outcome
    HistogramFamily model_seconds_; // model
    CounterFamily tokens_;          // model, kind
    CounterFamily tool_calls_;      // tool, outcome
    CounterFamily routes_;          // graph, node, route
    CounterFamily gates_;           // graph, node, outcome
    CounterFamily answers_;         // api, code
};

} // namespace tinyllm::serve
