#include "serve/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace tinyllm::serve {

namespace {

// From a cache hit to a slow model's long answer.
constexpr double kBounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                              2.5,   5,    10,    30,   60,  120,  300};
constexpr size_t kBucketCount = sizeof kBounds / sizeof kBounds[0];

// A label value as the format wants it: backslash, double quote and newline escaped.
void append_label_value(std::string &out, std::string_view value) {
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

std::string number(double value) {
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    return buf;
}

void append_labels(std::string &out, const std::vector<const char *> &names,
                   const std::vector<std::string> &values, const char *extra_name = nullptr,
                   const std::string &extra_value = {}) {
    if (names.empty() && extra_name == nullptr) return;
    out += '{';
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += ',';
        out += names[i];
        out += "=\"";
        append_label_value(out, values[i]);
        out += '"';
    }
    if (extra_name != nullptr) {
        if (!names.empty()) out += ',';
        out += extra_name;
        out += "=\"" + extra_value + "\"";
    }
    out += '}';
}

void head(std::string &out, const char *name, const char *help, const char *type) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

} // namespace

std::span<const double> Metrics::bucket_bounds() {
    return kBounds;
}

Metrics::Snapshot Metrics::snapshot() const {
    std::lock_guard lock(mutex_);
    return {.runs = runs_.series,
            .nodes = nodes_.series,
            .rejected = rejected_.series,
            .run_seconds = run_seconds_.series,
            .node_seconds = node_seconds_.series,
            .model_seconds = model_seconds_.series};
}

void Metrics::observe(HistogramFamily &family, const Labels &labels, double seconds) {
    Histogram &h = family.series[labels];
    if (h.buckets.empty()) h.buckets.assign(kBucketCount, 0);
    for (size_t i = 0; i < kBucketCount; ++i) {
        if (seconds <= kBounds[i]) {
            ++h.buckets[i];
            break;
        }
    }
    ++h.count;
    h.sum += seconds;
}

void Metrics::run_ended(std::string_view graph_name, const trace::Run &run) {
    const std::string graph(graph_name);
    std::lock_guard lock(mutex_);
    runs_.series[{graph, run.graph_version, std::string(trace::to_string(run.status))}] += 1;
    if (run.finished_at_ms >= run.started_at_ms) {
        observe(run_seconds_, {graph},
                static_cast<double>(run.finished_at_ms - run.started_at_ms) / 1e3);
    }
    for (const trace::NodeExecution &node : run.nodes) {
        nodes_.series[{graph, node.node_id, std::string(trace::to_string(node.status))}] += 1;
        observe(node_seconds_, {graph, node.node_id}, static_cast<double>(node.duration_us) / 1e6);
        if (!node.route.empty()) routes_.series[{graph, node.node_id, node.route}] += 1;
        // A gate's verdict is its route (pass, retry, escalate, or its fail route); a gate with
        // nothing left to try fails the node instead.
        if (node.node_type == "gate") {
            const std::string outcome = node.status == trace::NodeStatus::failed ? "fail"
                                        : node.route.empty()
                                            ? std::string(trace::to_string(node.status))
                                            : node.route;
            gates_.series[{graph, node.node_id, outcome}] += 1;
        }
        for (const trace::ModelCall &call : node.model_calls) {
            model_calls_.series[{call.model, call.error.empty() ? "ok" : "error"}] += 1;
            observe(model_seconds_, {call.model}, static_cast<double>(call.duration_us) / 1e6);
            tokens_.series[{call.model, "prompt"}] +=
                static_cast<double>(call.prompt_tokens.value_or(0));
            tokens_.series[{call.model, "completion"}] +=
                static_cast<double>(call.completion_tokens.value_or(0));
        }
        for (const trace::ToolCall &call : node.tool_calls)
            tool_calls_.series[{call.tool, call.error.empty() ? "ok" : "error"}] += 1;
    }
}

void Metrics::rejected(std::string_view api, std::string_view reason) {
    std::lock_guard lock(mutex_);
    rejected_.series[{std::string(api), std::string(reason)}] += 1;
}

void Metrics::answered(std::string_view api, int status) {
    std::lock_guard lock(mutex_);
    answers_.series[{std::string(api), std::to_string(status)}] += 1;
}

std::string Metrics::render(const std::vector<Gauge> &gauges) const {
    std::string out;
    std::lock_guard lock(mutex_);
    const auto counters = [&out](const char *name, const char *help,
                                 const std::vector<const char *> &labels,
                                 const CounterFamily &family) {
        head(out, name, help, "counter");
        for (const auto &[values, value] : family.series) {
            out += name;
            append_labels(out, labels, values);
            out += ' ' + number(value) + '\n';
        }
    };
    const auto histograms = [&out](const char *name, const char *help,
                                   const std::vector<const char *> &labels,
                                   const HistogramFamily &family) {
        head(out, name, help, "histogram");
        const std::string bucket = std::string(name) + "_bucket";
        for (const auto &[values, h] : family.series) {
            uint64_t cumulative = 0;
            for (size_t i = 0; i < kBucketCount; ++i) {
                cumulative += h.buckets[i];
                out += bucket;
                append_labels(out, labels, values, "le", number(kBounds[i]));
                out += ' ' + std::to_string(cumulative) + '\n';
            }
            out += bucket;
            append_labels(out, labels, values, "le", "+Inf");
            out += ' ' + std::to_string(h.count) + '\n';
            out += std::string(name) + "_sum";
            append_labels(out, labels, values);
            out += ' ' + number(h.sum) + '\n';
            out += std::string(name) + "_count";
            append_labels(out, labels, values);
            out += ' ' + std::to_string(h.count) + '\n';
        }
    };
    counters("tinyllm_http_requests_total",
             "Requests answered, by the API their path belongs to and the status of the answer.",
             {"api", "code"}, answers_);
    counters("tinyllm_runs_total", "Graph runs by graph, version and how they ended.",
             {"graph", "version", "status"}, runs_);
    counters("tinyllm_requests_rejected_total",
             "Requests refused before a run: the run queue was full.", {"api", "reason"},
             rejected_);
    histograms("tinyllm_run_duration_seconds", "Wall time of a graph run.", {"graph"},
               run_seconds_);
    counters("tinyllm_node_executions_total",
             "Node executions (retries and loops each counted) by how they ended.",
             {"graph", "node", "status"}, nodes_);
    histograms("tinyllm_node_duration_seconds", "Wall time of one node execution.",
               {"graph", "node"}, node_seconds_);
    counters("tinyllm_route_decisions_total",
             "Routes nodes chose: a router's specialist, a gate's verdict.",
             {"graph", "node", "route"}, routes_);
    counters("tinyllm_gate_decisions_total",
             "Quality gates' verdicts: pass, retry, escalate, or fail (the run's answer refused).",
             {"graph", "node", "outcome"}, gates_);
    counters("tinyllm_model_calls_total", "Model calls by model and outcome.", {"model", "outcome"},
             model_calls_);
    histograms("tinyllm_model_call_duration_seconds",
               "Wall time of a model call, as the host measured it.", {"model"}, model_seconds_);
    counters("tinyllm_model_tokens_total", "Tokens the model server counted, by kind.",
             {"model", "kind"}, tokens_);
    counters("tinyllm_tool_calls_total", "Tool calls by tool and outcome.", {"tool", "outcome"},
             tool_calls_);
    for (const Gauge &g : gauges) {
        head(out, g.name.c_str(), g.help.c_str(), "gauge");
        out += g.name + ' ' + number(g.value) + '\n';
    }
    return out;
}

} // namespace tinyllm::serve
