// The alert rules of config/alerts.yaml evaluated over the server's own metrics. Every few
// seconds the server hands the evaluator what it knows (a copy of the metrics, the backends'
// last check, the run queue); the evaluator keeps each watched series' recent samples, so a
// rate or a quantile covers the rule's window exactly as Prometheus' increase() and
// histogram_quantile() would, and moves each alert through its states:
//
//   inactive --condition--> pending --held `for`--> firing --clear `keep_firing_for`--> resolved
//                              |                      ^  |
//                              +--clear--> inactive   +--+ condition again: still firing
//
// Only firing and resolved are changes anyone is told of (logged, published as a live event,
// POSTed to the webhook); pending alerts show in /tinyllm/v1/alerts and the dashboard.
#pragma once

#include "config/alerts_config.hpp"
#include "serve/metrics.hpp"
#include "tinyllm/prompt_template.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace tinyllm::serve {

// What one evaluation looks at.
struct AlertInputs {
    Metrics::Snapshot metrics;
    bool backends_checked = false; // no check has ended yet: backend_down cannot hold
    bool backends_up = true;
    std::string backends_error;
    int64_t backends_down_since_ms = 0;
    size_t runs_queued = 0;
    size_t max_queued_runs = 0;
};

enum class AlertState { pending, firing, resolved };
std::string_view to_string(AlertState state) noexcept;

struct Alert {
    std::string rule;                               // its rule's name (label alertname)
    std::map<std::string, std::string> labels;      // alertname, the series', the rule's
    std::map<std::string, std::string> annotations; // rendered for the last evaluation
    AlertState state = AlertState::pending;
    double value = 0;            // the last value that held (a share, seconds, ...)
    int64_t active_since_ms = 0; // when the condition began to hold
    int64_t fired_at_ms = 0;     // 0 while pending
    int64_t clear_since_ms = 0;  // firing, its condition clear since (0: it holds)
    int64_t resolved_at_ms = 0;  // resolved only
};

class AlertEvaluator {
public:
    // The rules as loaded (validated: their annotation templates parse). The metrics are taken
    // to have started at zero no earlier than now: a window reaching back before the first
    // evaluation counts from zero.
    explicit AlertEvaluator(std::vector<config::AlertRule> rules);

    // Evaluates every rule at `now_ms` and returns the alerts that fired or resolved in this
    // evaluation, firing ones first. [one thread at a time]
    std::vector<Alert> evaluate(const AlertInputs &inputs, int64_t now_ms);

    // The pending and firing alerts, firing first, then by name. [any thread]
    std::vector<Alert> active() const;
    // How many alerts are firing and how many pending, without copying them. [any thread]
    struct Counts {
        size_t firing = 0;
        size_t pending = 0;
    };
    Counts counts() const;
    // The firing alerts only, for the webhook. [any thread]
    std::vector<Alert> firing() const;
    const std::vector<config::AlertRule> &rules() const noexcept { return rules_; }
    int64_t evaluated_at_ms() const; // 0 before the first evaluation [any thread]

private:
    using Sample = std::vector<double>;
    struct Window {
        std::deque<std::pair<int64_t, Sample>> samples; // oldest first
    };
    // One series' reading in this evaluation: its labels, its value, whether its condition
    // holds (false also when it has too few events to count), and a line about why.
    struct Reading {
        std::map<std::string, std::string> labels;
        double value = 0;
        bool holds = false;
        std::string detail;
    };
    std::vector<Reading> read(size_t rule, const AlertInputs &inputs, int64_t now_ms);
    // Pushes `current` into the series' window and returns its increase over the window.
    Sample increase(size_t rule, const std::string &series, Sample current, int64_t now_ms);
    void render(size_t rule, Alert &alert, const std::string &detail) const;

    std::vector<config::AlertRule> rules_;
    std::vector<std::vector<std::pair<std::string, PromptTemplate>>> annotations_; // per rule
    std::map<std::pair<size_t, std::string>, Window> windows_; // (rule, series) -> samples

    mutable std::mutex mutex_;            // guards the two below
    std::map<std::string, Alert> alerts_; // by rule and labels
    int64_t evaluated_at_ms_ = 0;
};

// Labels or annotations as a JSON object (the API, the events, both webhook payloads).
json::Value string_object(const std::map<std::string, std::string> &map, json::Allocator &a);

// The `q` quantile (0 < q <= 1) of observations counted per bucket (not cumulative; the last
// is +Inf) with these upper bounds, interpolated within a bucket as histogram_quantile does.
// An observation beyond the last bound counts as the last bound. 0 without observations.
double histogram_quantile(double q, std::span<const double> bounds,
                          const std::vector<double> &per_bucket);

} // namespace tinyllm::serve
