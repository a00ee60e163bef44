// config/alerts.yaml (optional): the alert rules `tinyllm serve` evaluates over its own metrics
// every few seconds — a node's failure rate, a latency quantile, the backends unreachable, the
// run queue full — with hysteresis (an alert fires after its condition held `for`, resolves
// after it stayed clear `keep_firing_for`), and the webhook firing and resolved alerts are
// POSTed to (Alertmanager's API or its webhook payload). Without the file nothing is evaluated.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

enum class AlertType {
    node_failure_rate, // failed or timed-out executions of a node over all that ended
    run_failure_rate,  // failed runs of a graph over all that ended (cancelled ones left out)
    latency,           // a quantile of run, node or model-call durations
    backend_down,      // the backends failed their last health check
    queue_full,        // runs waiting for a slot fill the queue, or requests were refused
};

enum class LatencyOf { run, node, model_call };

std::string_view to_string(AlertType type) noexcept;
std::string_view to_string(LatencyOf of) noexcept;

struct AlertRule {
    std::string name; // the alert's name (label alertname); unique in the file
    AlertType type = AlertType::backend_down;
    // Which series the rule watches; empty: every one, each its own alert.
    std::string graph;
    std::string node;
    std::string model;
    LatencyOf of = LatencyOf::run; // latency only
    double quantile = 0.95;        // latency only
    // The threshold the value must exceed: a share (failure rates), seconds (latency), a share
    // of max_queued_runs (queue_full). backend_down has none.
    double above = 0;
    int64_t window_ms = 300'000; // rates and quantiles are over this window
    int64_t min_count = 10;      // executions, runs or calls in the window before they count
    int64_t for_ms = 60'000;     // the condition holds this long before the alert fires
    int64_t keep_firing_for_ms = 60'000;       // clear this long before a firing alert resolves
    std::map<std::string, std::string> labels; // added to the alert's own
    std::map<std::string, std::string> annotations; // Mustache: {{value}} {{above}} {{labels.X}}
};

enum class WebhookFormat {
    alertmanager, // Alertmanager's API (POST /api/v2/alerts): the firing alerts, resent each minute
    webhook,      // the payload Alertmanager's webhook_config sends, on each change
};

struct AlertWebhook {
    std::string url;
    WebhookFormat format = WebhookFormat::alertmanager;
    int64_t timeout_ms = 5000;
    // Sent with every POST; a value "env:NAME" is read from that variable when serve starts.
    std::map<std::string, std::string> headers;
};

struct AlertsConfig {
    std::filesystem::path source; // empty when there is no alerts.yaml
    int64_t evaluate_every_ms = 5000;
    std::optional<AlertWebhook> webhook;
    std::vector<AlertRule> rules;
};

std::string_view alerts_schema_text();

// Load and validate `path`; Error(config) naming file:line:column. A missing file: no rules.
AlertsConfig load_alerts_config(const std::filesystem::path &path);

} // namespace tinyllm::config
