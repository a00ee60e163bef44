#include "cli/graph_eval_report.hpp"

#include "cli/eval_stats.hpp"
#include "cli/terminal.hpp"
#include "tinyllm/paired_stats.hpp"

#include <cstdio>
#include <map>

namespace tinyllm::cli::eval {

namespace {

std::string format(const char *fmt, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a);
    return buf;
}

std::string percent(double x) {
    return format("%.1f%%", 100 * x);
}

// "117/133  88.0%  [81.4%, 92.5%]"
std::string proportion_text(int64_t k, int64_t n) {
    const Proportion p{k, n};
    std::string out = std::to_string(k) + "/" + std::to_string(n);
    if (const auto r = p.rate()) out += "  " + percent(*r);
    if (const auto i = p.interval()) out += "  [" + percent(i->low) + ", " + percent(i->high) + "]";
    return out;
}

json::Value proportion_json(int64_t k, int64_t n, json::Allocator &a) {
    const Proportion p{k, n};
    json::Value v(rapidjson::kObjectType);
    v.AddMember("passed", k, a);
    v.AddMember("total", n, a);
    if (const auto r = p.rate()) v.AddMember("rate", *r, a);
    if (const auto i = p.interval()) {
        json::Value ci(rapidjson::kArrayType);
        ci.PushBack(i->low, a).PushBack(i->high, a);
        v.AddMember("interval95", ci, a);
    }
    return v;
}

struct Summary {
    int64_t passed = 0, total = 0, run_failures = 0, judge_errors = 0;
    std::map<std::string, std::pair<int64_t, int64_t>> by_label; // "key=value" -> (passed, total)
    std::map<std::string, int64_t> failures_by_code;
    Percentiles latency; // ms
    int64_t prompt_tokens = 0, completion_tokens = 0, model_calls = 0, tool_calls = 0;
    double model_ms = 0, run_ms = 0;
};

Summary summarize(const GraphEvaluation &ev) {
    Summary s;
    std::vector<double> latencies;
    for (const ExampleResult &r : ev.results) {
        ++s.total;
        if (r.pass) ++s.passed;
        if (r.status != trace::RunStatus::succeeded) {
            ++s.run_failures;
            ++s.failures_by_code[r.error_code.empty() ? "unknown" : r.error_code];
        }
        if (!r.judge_error.empty()) ++s.judge_errors;
        for (const auto &[key, value] : r.labels) {
            auto &[k, n] = s.by_label[key + "=" + value];
            ++n;
            if (r.pass) ++k;
        }
        latencies.push_back(r.run_ms);
        s.prompt_tokens += r.prompt_tokens;
        s.completion_tokens += r.completion_tokens;
        s.model_calls += r.model_calls;
        s.tool_calls += r.tool_calls;
        s.model_ms += r.model_ms;
        s.run_ms += r.run_ms;
    }
    s.latency = percentiles(std::move(latencies));
    return s;
}

// What the graph and the harness add to the model calls' own time, over all runs.
std::optional<double> overhead(const Summary &s) {
    if (s.model_ms <= 0) return std::nullopt;
    return (s.run_ms - s.model_ms) / s.model_ms;
}

std::string seconds(double ms) {
    return ms >= 1000 ? format("%.2f s", ms / 1000) : format("%.0f ms", ms);
}

} // namespace

std::string graph_eval_text(const GraphEvaluation &ev, bool color) {
    const Summary s = summarize(ev);
    std::string out = paint("evaluation " + ev.id, Color::bold, color) + ": graph " + ev.graph_id +
                      " " + ev.graph_version + " on " + ev.settings.dataset + ", judge " +
                      ev.judge + "\n";
    if (ev.interrupted) {
        out += paint("interrupted: " + std::to_string(ev.results.size()) + " of " +
                         std::to_string(ev.example_count) +
                         " examples finished (recorded as "
                         "incomplete)",
                     Color::yellow, color) +
               "\n";
    }
    if (!ev.experiment_id.empty()) {
        out += "experiment  " + ev.experiment_id +
               " live: " + std::to_string(ev.candidate_examples) + " of " +
               std::to_string(ev.results.size()) + " examples ran candidate " +
               ev.candidate_version + " (counted below)\n";
        if (!ev.experiment_outcome.empty()) out += "            " + ev.experiment_outcome + "\n";
    }
    out += "accuracy    " + proportion_text(s.passed, s.total) + "  (95% Wilson)\n";
    for (const auto &[label, kn] : s.by_label)
        out += "  " + label + std::string(label.size() < 26 ? 26 - label.size() : 1, ' ') +
               proportion_text(kn.first, kn.second) + "\n";
    out += "runs        " + std::to_string(s.total - s.run_failures) + " succeeded, " +
           std::to_string(s.run_failures) + " failed";
    if (!s.failures_by_code.empty()) {
        std::string codes;
        for (const auto &[code, n] : s.failures_by_code)
            codes += (codes.empty() ? "" : ", ") + code + " " + std::to_string(n);
        out += " (" + codes + ")";
    }
    out += "; judge errors " + std::to_string(s.judge_errors) + "\n";
    if (s.latency.count > 0) {
        out += "latency     p50 " + seconds(s.latency.p50) + "  p90 " + seconds(s.latency.p90) +
               "  p99 " + seconds(s.latency.p99) + "  max " + seconds(s.latency.max) + " per run\n";
    }
    out += "tokens      in " + std::to_string(s.prompt_tokens) + "  out " +
           std::to_string(s.completion_tokens) + " over " + std::to_string(s.model_calls) +
           " model calls, " + std::to_string(s.tool_calls) + " tool calls\n";
    out += "time        " + seconds(ev.wall_ms) + " at concurrency " +
           std::to_string(ev.settings.concurrency) + "; model calls " + seconds(s.model_ms);
    if (const auto o = overhead(s)) out += ", runs add " + format("%.2f%%", 100 * *o) + " to them";
    out += "\n";
    return out;
}

json::Document graph_eval_json(const GraphEvaluation &ev) {
    const Summary s = summarize(ev);
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("id", json::string_value(ev.id, a), a);
    doc.AddMember("graph", json::string_value(ev.graph_id, a), a);
    doc.AddMember("version", json::string_value(ev.graph_version, a), a);
    doc.AddMember("dataset", json::string_value(ev.settings.dataset, a), a);
    doc.AddMember("dataset_sha256", json::string_value(ev.settings.dataset_sha256, a), a);
    doc.AddMember("judge", json::string_value(ev.judge, a), a);
    doc.AddMember("examples", static_cast<uint64_t>(ev.example_count), a);
    doc.AddMember("finished", static_cast<uint64_t>(ev.results.size()), a);
    doc.AddMember("status", json::string_value(ev.interrupted ? "incomplete" : "complete", a), a);
    if (!ev.experiment_id.empty()) {
        json::Value x(rapidjson::kObjectType);
        x.AddMember("id", json::string_value(ev.experiment_id, a), a);
        x.AddMember("candidate_version", json::string_value(ev.candidate_version, a), a);
        x.AddMember("candidate_examples", static_cast<uint64_t>(ev.candidate_examples), a);
        x.AddMember("outcome", json::string_value(ev.experiment_outcome, a), a);
        doc.AddMember("live_experiment", x, a);
    }
    doc.AddMember("accuracy", proportion_json(s.passed, s.total, a), a);
    json::Value labels(rapidjson::kObjectType);
    for (const auto &[label, kn] : s.by_label)
        labels.AddMember(json::string_value(label, a),
                         proportion_json(kn.first, kn.second, a).Move(), a);
    doc.AddMember("by_label", labels, a);
    doc.AddMember("run_failures", s.run_failures, a);
    json::Value codes(rapidjson::kObjectType);
    for (const auto &[code, n] : s.failures_by_code)
        codes.AddMember(json::string_value(code, a), json::Value(n), a);
    doc.AddMember("run_failures_by_code", codes, a);
    doc.AddMember("judge_errors", s.judge_errors, a);
    json::Value latency(rapidjson::kObjectType);
    latency.AddMember("p50", s.latency.p50, a).AddMember("p90", s.latency.p90, a);
    latency.AddMember("p99", s.latency.p99, a).AddMember("max", s.latency.max, a);
    doc.AddMember("latency_ms", latency, a);
    doc.AddMember("prompt_tokens", s.prompt_tokens, a);
    doc.AddMember("completion_tokens", s.completion_tokens, a);
    doc.AddMember("model_calls", s.model_calls, a);
    doc.AddMember("tool_calls", s.tool_calls, a);
    doc.AddMember("model_ms", s.model_ms, a);
    doc.AddMember("run_ms", s.run_ms, a);
    doc.AddMember("wall_ms", ev.wall_ms, a);
    doc.AddMember("concurrency", ev.settings.concurrency, a);
    if (const auto o = overhead(s)) doc.AddMember("overhead", *o, a);
    json::Value results(rapidjson::kArrayType);
    for (const ExampleResult &r : ev.results) {
        json::Value row(rapidjson::kObjectType);
        row.AddMember("index", static_cast<uint64_t>(r.index), a);
        row.AddMember("id", json::string_value(r.id, a), a);
        row.AddMember("run_id", json::string_value(r.run_id, a), a);
        if (!ev.experiment_id.empty())
            row.AddMember("arm", json::Value(r.candidate_arm ? "candidate" : "base", a), a);
        row.AddMember("status", json::string_value(trace::to_string(r.status), a), a);
        row.AddMember("pass", r.pass, a);
        if (r.score) row.AddMember("score", *r.score, a);
        if (!r.judge_error.empty())
            row.AddMember("judge_error", json::string_value(r.judge_error, a), a);
        if (!r.error_message.empty())
            row.AddMember("error", json::string_value(r.error_message, a), a);
        json::Value reasons(rapidjson::kArrayType);
        for (const std::string &line : r.reasons)
            reasons.PushBack(json::string_value(line, a), a);
        row.AddMember("reasons", reasons, a);
        row.AddMember("run_ms", r.run_ms, a);
        results.PushBack(row, a);
    }
    doc.AddMember("results", results, a);
    return doc;
}

Comparison compare(StoredEvaluation a, StoredEvaluation b) {
    if (a.record.dataset_sha256 != b.record.dataset_sha256) {
        throw Error(ErrorCode::usage, "evaluations " + a.record.id + " and " + b.record.id +
                                          " are of different data (" + a.record.dataset + " and " +
                                          b.record.dataset +
                                          " differ in content): a paired comparison needs the "
                                          "same examples");
    }
    std::map<int64_t, const store::GradeRecord *> by_index;
    for (const store::GradeRecord &g : a.grades)
        if (g.example_index) by_index[*g.example_index] = &g;
    Comparison c;
    std::vector<double> sa, sb;
    for (const store::GradeRecord &g : b.grades) {
        if (!g.example_index) continue;
        const auto it = by_index.find(*g.example_index);
        if (it == by_index.end()) continue;
        const bool pa = it->second->pass.value_or(false);
        const bool pb = g.pass.value_or(false);
        ++c.paired;
        c.a_passes += pa;
        c.b_passes += pb;
        c.a_only += pa && !pb;
        c.b_only += pb && !pa;
        sa.push_back(it->second->score.value_or(0));
        sb.push_back(g.score.value_or(0));
    }
    if (c.paired == 0) {
        throw Error(ErrorCode::usage, "evaluations " + a.record.id + " and " + b.record.id +
                                          " share no graded example");
    }
    const stats::McNemar m = stats::mcnemar(c.a_only, c.b_only);
    c.p_value = m.p_value;
    c.exact = m.exact;
    const auto d = stats::bootstrap_mean_difference(sa, sb);
    c.mean_difference = d->mean;
    c.low = d->low;
    c.high = d->high;
    c.a = std::move(a);
    c.b = std::move(b);
    return c;
}

namespace {

std::string verdict_of(const Comparison &c) {
    if (c.p_value >= 0.05) return "no significant difference in pass rate (p >= 0.05)";
    return std::string(c.b_only > c.a_only ? "B" : "A") + " passes significantly more (p < 0.05)";
}

std::string describe(const StoredEvaluation &e) {
    return e.record.id + " (graph " + e.record.graph_id + " " + e.record.graph_version +
           ", judge " + e.record.judge +
           (e.record.status == store::EvaluationStatus::complete ? "" : ", incomplete") + ")";
}

} // namespace

std::string comparison_text(const Comparison &c, bool color) {
    std::string out = paint("compare", Color::bold, color) + " on " + c.a.record.dataset + ", " +
                      std::to_string(c.paired) + " paired examples\n";
    out += "  A  " + describe(c.a) + "\n  B  " + describe(c.b) + "\n";
    out += "accuracy  A " + proportion_text(c.a_passes, static_cast<int64_t>(c.paired)) + "\n";
    out += "          B " + proportion_text(c.b_passes, static_cast<int64_t>(c.paired)) + "\n";
    out += "McNemar   A only " + std::to_string(c.a_only) + ", B only " + std::to_string(c.b_only) +
           ": p = " + format("%.4g", c.p_value) + (c.exact ? " (exact)" : " (chi-square)") + "\n";
    out += "score     B - A = " + format("%+.3f", c.mean_difference) + ", 95% bootstrap [" +
           format("%+.3f", c.low) + ", " + format("%+.3f", c.high) + "]\n";
    out += paint(verdict_of(c), Color::bold, color) + "\n";
    return out;
}

json::Document comparison_json(const Comparison &c) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("a", json::string_value(c.a.record.id, a), a);
    doc.AddMember("b", json::string_value(c.b.record.id, a), a);
    doc.AddMember("dataset", json::string_value(c.a.record.dataset, a), a);
    doc.AddMember("paired", static_cast<uint64_t>(c.paired), a);
    doc.AddMember("a_accuracy", proportion_json(c.a_passes, static_cast<int64_t>(c.paired), a), a);
    doc.AddMember("b_accuracy", proportion_json(c.b_passes, static_cast<int64_t>(c.paired), a), a);
    json::Value mc(rapidjson::kObjectType);
    mc.AddMember("a_only", c.a_only, a).AddMember("b_only", c.b_only, a);
    mc.AddMember("p_value", c.p_value, a).AddMember("exact", c.exact, a);
    doc.AddMember("mcnemar", mc, a);
    json::Value diff(rapidjson::kObjectType);
    diff.AddMember("mean", c.mean_difference, a);
    json::Value ci(rapidjson::kArrayType);
    ci.PushBack(c.low, a).PushBack(c.high, a);
    diff.AddMember("interval95", ci, a);
    doc.AddMember("score_difference", diff, a);
    doc.AddMember("significant", c.p_value < 0.05, a);
    return doc;
}

} // namespace tinyllm::cli::eval
