// What one finished run adds to the metrics: counters for the whole run and for each node it
// executed, derived from the run's stored rows (RunFacts). Pure: no SQL here, so the rollup
// written by finish_run, the recount over the last N runs, the benchmark's fixture and the
// tests all count with the same rules:
//
//   - requests: node executions (runs, for the whole run); successes, failures and cancelled
//     split them by status. A timed-out execution is a failure; a cancelled one is neither.
//   - failures by kind: the execution's error_code (tinyllm::to_string(ErrorCode)); without
//     one (rows from before schema v2), "timeout" for a timed-out execution, else "unknown".
//   - gate checks: executions of node type "gate" that decided (succeeded or failed; a
//     cancelled or timed-out gate decided nothing); a pass is a succeeded one whose route is
//     "pass". Each check counts for the gate and for the node whose output it checked: the
//     latest earlier execution in the same branch that is not itself a gate (a gate passes its
//     input on). The whole run counts all of its gates' checks.
//   - latency: each execution's duration_us; for the whole run, finished - started.
//   - tokens, model calls and tool calls: the execution's (the run's: their sums).
//   - grades: not from the run's rows; record_grade adds them (add_grade).
#pragma once

#include "store/latency_histogram.hpp"
#include "trace/trace.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::store::metrics {

// One node execution, as much as the metrics need.
struct NodeFacts {
    int64_t seq = 0;
    std::string node_id;
    std::string node_type;
    std::string branch;
    trace::NodeStatus status = trace::NodeStatus::succeeded;
    std::string error_code;
    std::string route;
    int64_t duration_us = 0;
    int64_t model_calls = 0;
    int64_t tool_calls = 0;
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
};

struct RunFacts {
    std::string run_id;
    std::string graph_id;
    std::string graph_version;
    trace::RunStatus status = trace::RunStatus::running;
    std::string error_code;
    int64_t started_at_ms = 0;
    int64_t finished_at_ms = 0;
    std::vector<NodeFacts> nodes; // by seq
};

// The same from an in-memory trace (the benchmark's fixture and the tests).
RunFacts facts_of(const trace::Run &run);

// A judge's verdict on a run's answer or node, as the metrics count it.
struct GradeFacts {
    std::optional<double> score;
    std::optional<bool> pass;
    bool error = false; // the judge failed: no score, never a pass
};

// Additive counters: a minute's, an hour's, a window's.
struct Counters {
    int64_t requests = 0;
    int64_t successes = 0;
    int64_t failures = 0;
    int64_t cancelled = 0;
    std::map<std::string, int64_t> failures_by_kind;
    int64_t gate_checks = 0;
    int64_t gate_passes = 0;
    int64_t grades = 0;
    int64_t grade_passes = 0;
    int64_t grade_errors = 0;
    int64_t scored = 0; // grades with a score: the n of the score's mean
    double score_sum = 0;
    double score_sumsq = 0;
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    int64_t model_calls = 0;
    int64_t tool_calls = 0;
    LatencyHistogram latency;

    void merge(const Counters &other, int sign = 1);
    void add_grade(const GradeFacts &grade);
};

// The counters one run adds to one series: node_id "" is the whole run.
struct Contribution {
    std::string node_id;
    std::string node_type;
    Counters counters;
};

// The whole run first, then each node id in the order of its first execution. Grades are not
// included.
std::vector<Contribution> contributions(const RunFacts &run);

// The failure kind of an execution that did not succeed (see above).
std::string failure_kind(trace::NodeStatus status, const std::string &error_code);

// Start of the minute (the hour) holding `ms`; a run's metrics all count in its start minute.
inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kHourMs = 3'600'000;
int64_t floor_to(int64_t ms, int64_t span_ms) noexcept;

} // namespace tinyllm::store::metrics
