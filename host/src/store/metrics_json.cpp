#include "store/metrics_json.hpp"

#include "store/latency_histogram.hpp"

namespace tinyllm::store {
namespace {

using json::Value;
using metrics::Counters;

std::optional<double> count_of(int64_t n) {
    return static_cast<double>(n);
}

std::optional<double> latency_value(const Counters &c, double p) {
    const auto q = latency_percentile(c, p);
    return q ? std::optional<double>(q->ms) : std::nullopt;
}

Value number_or_null(std::optional<double> v) {
    return v ? Value(*v) : Value(rapidjson::kNullType);
}

template <class F> Value trend_json(const NodeMetrics &m, F value, json::Allocator &a) {
    Value arr(rapidjson::kArrayType);
    for (const Counters &c : m.trend)
        arr.PushBack(number_or_null(value(c)), a);
    return arr;
}

Value node_json(const NodeMetrics &m, json::Allocator &a) {
    const Counters &t = m.total;
    Value v(rapidjson::kObjectType);
    v.AddMember("graph", json::string_value(m.graph_id, a), a);
    v.AddMember("node", json::string_value(m.node_id, a), a);
    v.AddMember("scope", json::string_value(m.node_id.empty() ? "run" : "node", a), a);
    v.AddMember("type", json::string_value(m.node_type, a), a);
    Value versions(rapidjson::kArrayType);
    for (const auto &ver : m.graph_versions)
        versions.PushBack(json::string_value(ver, a), a);
    v.AddMember("versions", versions, a);
    v.AddMember("requests", Value(t.requests), a);
    v.AddMember("successes", Value(t.successes), a);
    v.AddMember("failures", Value(t.failures), a);
    v.AddMember("cancelled", Value(t.cancelled), a);
    v.AddMember("success_rate", number_or_null(rate(t.successes, t.requests)), a);
    Value kinds(rapidjson::kObjectType);
    for (const auto &[kind, n] : t.failures_by_kind)
        kinds.AddMember(json::string_value(kind, a), Value(n), a);
    v.AddMember("failures_by_kind", kinds, a);
    Value gate(rapidjson::kObjectType);
    gate.AddMember("checks", Value(t.gate_checks), a);
    gate.AddMember("passes", Value(t.gate_passes), a);
    gate.AddMember("pass_rate", number_or_null(rate(t.gate_passes, t.gate_checks)), a);
    v.AddMember("gate", gate, a);
    const auto s = score_summary(t);
    Value judge(rapidjson::kObjectType);
    judge.AddMember("grades", Value(t.grades), a);
    judge.AddMember("passes", Value(t.grade_passes), a);
    judge.AddMember("errors", Value(t.grade_errors), a);
    judge.AddMember("pass_rate", number_or_null(rate(t.grade_passes, t.grades)), a);
    judge.AddMember("scored", Value(t.scored), a);
    judge.AddMember("score_mean", number_or_null(s.mean), a);
    Value ci(rapidjson::kNullType);
    if (s.low) {
        ci.SetArray();
        ci.PushBack(Value(*s.low), a).PushBack(Value(*s.high), a);
    }
    judge.AddMember("score_ci95", ci, a);
    v.AddMember("judge", judge, a);
    Value latency(rapidjson::kObjectType);
    for (const auto &[name, p] :
         {std::pair{"p50", 0.5}, std::pair{"p95", 0.95}, std::pair{"p99", 0.99}}) {
        const auto q = latency_percentile(t, p);
        latency.AddMember(Value(name, a), number_or_null(q ? std::optional(q->ms) : std::nullopt),
                          a);
        if (q && q->overflow) {
            latency.AddMember(Value((std::string(name) + "_at_least").c_str(), a), Value(true), a);
        }
    }
    latency.AddMember("max_relative_error", Value(metrics::LatencyHistogram::kMaxRelativeError), a);
    v.AddMember("latency_ms", latency, a);
    v.AddMember("prompt_tokens", Value(t.prompt_tokens), a);
    v.AddMember("completion_tokens", Value(t.completion_tokens), a);
    v.AddMember("model_calls", Value(t.model_calls), a);
    v.AddMember("tool_calls", Value(t.tool_calls), a);

    Value trend(rapidjson::kObjectType);
    auto add = [&](const char *name, auto value) {
        trend.AddMember(Value(name, a), trend_json(m, value, a), a);
    };
    add("requests", [](const Counters &c) { return count_of(c.requests); });
    add("successes", [](const Counters &c) { return count_of(c.successes); });
    add("failures", [](const Counters &c) { return count_of(c.failures); });
    add("gate_pass_rate", [](const Counters &c) { return rate(c.gate_passes, c.gate_checks); });
    add("score_mean", [](const Counters &c) { return score_summary(c).mean; });
    add("judge_pass_rate", [](const Counters &c) { return rate(c.grade_passes, c.grades); });
    add("p50_ms", [](const Counters &c) { return latency_value(c, 0.5); });
    add("p95_ms", [](const Counters &c) { return latency_value(c, 0.95); });
    add("p99_ms", [](const Counters &c) { return latency_value(c, 0.99); });
    add("prompt_tokens", [](const Counters &c) { return count_of(c.prompt_tokens); });
    add("completion_tokens", [](const Counters &c) { return count_of(c.completion_tokens); });
    add("model_calls", [](const Counters &c) { return count_of(c.model_calls); });
    add("tool_calls", [](const Counters &c) { return count_of(c.tool_calls); });
    v.AddMember("trend", trend, a);
    return v;
}

} // namespace

json::Document metrics_json(const MetricsReport &report, size_t last) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    Value window(rapidjson::kObjectType);
    window.AddMember("by", json::string_value(report.by_runs ? "runs" : "time", a), a);
    window.AddMember("since_ms", Value(report.since_ms), a);
    window.AddMember("until_ms", Value(report.until_ms), a);
    if (report.by_runs) {
        window.AddMember("last", Value(static_cast<int64_t>(last)), a);
        window.AddMember("runs", Value(static_cast<int64_t>(report.runs)), a);
    }
    doc.AddMember("window", window, a);
    Value trend(rapidjson::kArrayType);
    for (const TrendBucket &b : report.trend) {
        Value bucket(rapidjson::kObjectType);
        bucket.AddMember("start_ms", Value(b.start_ms), a);
        bucket.AddMember("end_ms", Value(b.end_ms), a);
        if (report.by_runs) bucket.AddMember("runs", Value(static_cast<int64_t>(b.runs)), a);
        trend.PushBack(bucket, a);
    }
    doc.AddMember("trend", trend, a);
    Value nodes(rapidjson::kArrayType);
    for (const NodeMetrics &m : report.nodes)
        nodes.PushBack(node_json(m, a), a);
    doc.AddMember("nodes", nodes, a);
    return doc;
}

} // namespace tinyllm::store
