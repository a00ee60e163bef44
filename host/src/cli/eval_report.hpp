// The report of `tinyllm eval routing`: per-request results summed up (accuracy, per-route
// scores, confusion, which stage decided, latencies) and printed as text or JSON. Built from
// plain results, so what a report says is tested without calling any node.
#pragma once

#include "cli/eval_stats.hpp"
#include "tinyllm/json.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tinyllm::cli::eval {

// One entry of the router's data.router.stages.
struct StageRecord {
    std::string stage;
    double ms = 0;
    std::string outcome; // sure, unsure, skipped, failed
    std::string detail;
};

// One request's outcome.
struct Result {
    size_t line = 0;
    std::string id;
    std::string expected;
    bool ambiguous = false;
    bool failed = false; // the node call failed: no prediction
    std::string error;   // why, when failed
    std::string predicted;
    std::string stage; // data.router.stage; "" when the node says nothing of stages
    std::optional<double> confidence;
    double ms = 0; // the node call, as the host timed it
    std::vector<StageRecord> stages;

    bool correct() const { return !failed && predicted == expected; }
};

// What was evaluated.
struct Subject {
    std::string dataset;
    std::string graph;
    std::string node;
    std::string node_type;
    std::vector<std::string> routes;
    size_t requests = 0; // in the dataset (more than the results when partial)
    std::string stopped; // why the evaluation stopped early ("" = it did not: not partial)
};

// One stage of the cascade: how often it decided and was right, how its runs ended, how long
// they took (every run, decisive or not). "default" decides without running.
struct StageSummary {
    std::string stage;
    int64_t decided = 0;
    int64_t correct = 0;
    int64_t ran = 0;
    int64_t sure = 0;
    int64_t unsure = 0;
    int64_t skipped = 0;
    int64_t failed = 0;
    std::string first_failure; // "id: detail" of the first failed run
    Percentiles latency;
};

struct Report {
    Subject subject;
    int64_t evaluated = 0;
    int64_t errors = 0;
    std::string first_error; // "id: why"
    Proportion accuracy;     // errors count as wrong
    Proportion clear;
    Proportion ambiguous;
    ConfusionMatrix confusion{{}};
    std::vector<LabelMetrics> per_route;
    MacroAverage macro;
    std::vector<StageSummary> stages; // rules, semantic, model, default, then others
    Percentiles node_latency;         // calls that answered
};

Report summarize(Subject subject, const std::vector<Result> &results);

// The text report, ending with a newline; `color` paints headings and the partial notice.
std::string to_text(const Report &report, bool color);
// The same as one JSON document, with every result under "results".
json::Document to_json(const Report &report, const std::vector<Result> &results);

// "0.0041", "12.35", "812": milliseconds with about three significant digits.
std::string format_ms(double ms);

} // namespace tinyllm::cli::eval
