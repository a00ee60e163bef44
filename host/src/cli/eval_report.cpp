#include "cli/eval_report.hpp"

#include "cli/terminal.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

namespace tinyllm::cli::eval {
namespace {

// The cascade's stages in the order they run; any other stage a node reports follows them.
constexpr std::array<const char *, 4> kStageOrder = {"rules", "semantic", "model", "default"};

std::string printf_string(const char *format, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, value);
    return buf;
}

std::string percent(std::optional<double> rate) {
    return rate ? printf_string("%.1f%%", *rate * 100) : "-";
}

std::string interval_text(const Proportion &p) {
    const auto ci = p.interval();
    if (!ci) return "-";
    return printf_string("%.1f", ci->low * 100) + "-" + printf_string("%.1f%%", ci->high * 100);
}

std::string score(std::optional<double> v) {
    return v ? printf_string("%.3f", *v) : "-";
}

// Columns padded to their widest cell: the first left-aligned (names), the rest right-aligned
// (numbers), two spaces apart, each line indented by two.
class Table {
public:
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    std::string render() const {
        std::vector<size_t> widths;
        for (const auto &row : rows_) {
            widths.resize(std::max(widths.size(), row.size()), 0);
            for (size_t i = 0; i < row.size(); ++i)
                widths[i] = std::max(widths[i], row[i].size());
        }
        std::string out;
        for (const auto &row : rows_) {
            std::string line = "  ";
            for (size_t i = 0; i < row.size(); ++i) {
                const std::string pad(widths[i] - row[i].size(), ' ');
                line += i == 0 ? row[i] + pad : "  " + pad + row[i];
            }
            while (!line.empty() && line.back() == ' ')
                line.pop_back();
            out += line + "\n";
        }
        return out;
    }

private:
    std::vector<std::vector<std::string>> rows_;
};

StageSummary &stage_entry(std::vector<StageSummary> &stages, const std::string &name) {
    for (auto &s : stages)
        if (s.stage == name) return s;
    stages.push_back({});
    stages.back().stage = name;
    return stages.back();
}

// Known stages first, in cascade order; stages that neither ran nor decided are left out.
std::vector<StageSummary> ordered(std::vector<StageSummary> stages) {
    std::erase_if(stages, [](const StageSummary &s) { return s.ran == 0 && s.decided == 0; });
    const auto rank = [](const StageSummary &s) {
        const auto it = std::find(kStageOrder.begin(), kStageOrder.end(), s.stage);
        return static_cast<size_t>(it - kStageOrder.begin());
    };
    std::stable_sort(stages.begin(), stages.end(),
                     [&](const auto &a, const auto &b) { return rank(a) < rank(b); });
    return stages;
}

std::string heading(const std::string &text, bool color) {
    return paint(text, Color::bold, color) + "\n";
}

std::string accuracy_section(const Report &r, bool color) {
    Table t;
    t.add({"", "correct", "total", "accuracy", "95% CI"});
    const auto row = [&](const char *name, const Proportion &p) {
        t.add({name, std::to_string(p.successes), std::to_string(p.total), percent(p.rate()),
               interval_text(p)});
    };
    row("all", r.accuracy);
    row("clear", r.clear);
    row("ambiguous", r.ambiguous);
    std::string out = heading("Accuracy (errors count as wrong)", color) + t.render();
    return out;
}

std::string routes_section(const Report &r, bool color) {
    Table t;
    t.add({"", "precision", "recall", "F1", "support", "predicted"});
    for (const auto &m : r.per_route) {
        t.add({m.label, score(m.precision), score(m.recall), score(m.f1), std::to_string(m.support),
               std::to_string(m.predicted)});
    }
    t.add({"macro avg", score(r.macro.precision), score(r.macro.recall), score(r.macro.f1)});
    return heading("Routes", color) + t.render();
}

std::string confusion_section(const Report &r, bool color) {
    const ConfusionMatrix &m = r.confusion;
    const bool errors = m.total_errors() > 0;
    Table t;
    std::vector<std::string> header{""};
    for (const auto &c : m.columns())
        header.push_back(c.empty() ? "(none)" : c);
    if (errors) header.push_back("error");
    t.add(std::move(header));
    for (size_t i = 0; i < m.labels().size(); ++i) {
        std::vector<std::string> row{m.labels()[i]};
        for (size_t j = 0; j < m.columns().size(); ++j)
            row.push_back(std::to_string(m.count(i, j)));
        if (errors) row.push_back(std::to_string(m.errors(i)));
        t.add(std::move(row));
    }
    return heading("Confusion (rows: expected, columns: predicted)", color) + t.render();
}

std::string stages_section(const Report &r, bool color) {
    const int64_t answered = r.evaluated - r.errors;
    Table t;
    t.add({"", "decided", "share", "accuracy", "95% CI", "ran", "sure", "unsure", "skipped",
           "failed"});
    std::string failures;
    for (const auto &s : r.stages) {
        const Proportion right{s.correct, s.decided};
        const bool runs = s.stage != "default"; // default decides without running
        const auto ran = [&](int64_t n) { return runs ? std::to_string(n) : std::string("-"); };
        t.add({s.stage, std::to_string(s.decided), percent(Proportion{s.decided, answered}.rate()),
               percent(right.rate()), interval_text(right), ran(s.ran), ran(s.sure), ran(s.unsure),
               ran(s.skipped), ran(s.failed)});
        if (s.failed > 0) {
            failures += "  " + s.stage + " failed on " + std::to_string(s.failed) +
                        (s.failed == 1 ? " request: " : " requests; first: ") + s.first_failure +
                        "\n";
        }
    }
    return heading("Stages (which stage decided, and how often it was right)", color) + t.render() +
           failures;
}

std::string latency_section(const Report &r, bool color) {
    Table t;
    t.add({"", "n", "p50", "p90", "p99", "max"});
    const auto row = [&](const std::string &name, const Percentiles &p) {
        if (p.count == 0) return;
        t.add({name, std::to_string(p.count), format_ms(p.p50), format_ms(p.p90), format_ms(p.p99),
               format_ms(p.max)});
    };
    for (const auto &s : r.stages)
        row(s.stage, s.latency);
    row("node call", r.node_latency);
    return heading("Latency (ms)", color) + t.render();
}

json::Value number_or_null(std::optional<double> v) {
    return v ? json::Value(*v) : json::Value(rapidjson::kNullType);
}

json::Value proportion_json(const Proportion &p, json::Allocator &a) {
    json::Value v(rapidjson::kObjectType);
    v.AddMember("correct", p.successes, a);
    v.AddMember("total", p.total, a);
    v.AddMember("rate", number_or_null(p.rate()), a);
    json::Value ci(rapidjson::kNullType);
    if (const auto i = p.interval()) {
        ci.SetArray();
        ci.PushBack(i->low, a).PushBack(i->high, a);
    }
    v.AddMember("ci95", ci, a);
    return v;
}

json::Value percentiles_json(const Percentiles &p, json::Allocator &a) {
    json::Value v(rapidjson::kObjectType);
    v.AddMember("count", static_cast<uint64_t>(p.count), a);
    if (p.count > 0) {
        v.AddMember("p50", p.p50, a);
        v.AddMember("p90", p.p90, a);
        v.AddMember("p99", p.p99, a);
        v.AddMember("max", p.max, a);
    }
    return v;
}

json::Value strings_json(const std::vector<std::string> &items, json::Allocator &a) {
    json::Value v(rapidjson::kArrayType);
    for (const auto &s : items)
        v.PushBack(json::string_value(s, a), a);
    return v;
}

json::Value confusion_json(const ConfusionMatrix &m, json::Allocator &a) {
    const bool errors = m.total_errors() > 0;
    std::vector<std::string> columns = m.columns();
    if (errors) columns.emplace_back("error");
    json::Value counts(rapidjson::kArrayType);
    for (size_t i = 0; i < m.labels().size(); ++i) {
        json::Value row(rapidjson::kArrayType);
        for (size_t j = 0; j < m.columns().size(); ++j)
            row.PushBack(m.count(i, j), a);
        if (errors) row.PushBack(m.errors(i), a);
        counts.PushBack(row, a);
    }
    json::Value v(rapidjson::kObjectType);
    v.AddMember("rows", strings_json(m.labels(), a), a);
    v.AddMember("columns", strings_json(columns, a), a);
    v.AddMember("counts", counts, a);
    return v;
}

json::Value stage_json(const StageSummary &s, json::Allocator &a) {
    json::Value v(rapidjson::kObjectType);
    v.AddMember("stage", json::string_value(s.stage, a), a);
    v.AddMember("decided", s.decided, a);
    v.AddMember("accuracy", proportion_json({s.correct, s.decided}, a), a);
    v.AddMember("ran", s.ran, a);
    v.AddMember("sure", s.sure, a);
    v.AddMember("unsure", s.unsure, a);
    v.AddMember("skipped", s.skipped, a);
    v.AddMember("failed", s.failed, a);
    if (!s.first_failure.empty()) {
        v.AddMember("first_failure", json::string_value(s.first_failure, a), a);
    }
    v.AddMember("latency_ms", percentiles_json(s.latency, a), a);
    return v;
}

json::Value result_json(const Result &r, json::Allocator &a) {
    const auto string_or_null = [&](const std::string &s) {
        return s.empty() ? json::Value(rapidjson::kNullType) : json::string_value(s, a);
    };
    json::Value v(rapidjson::kObjectType);
    v.AddMember("id", json::string_value(r.id, a), a);
    v.AddMember("line", static_cast<uint64_t>(r.line), a);
    v.AddMember("expected", json::string_value(r.expected, a), a);
    v.AddMember("predicted", json::string_value(r.failed ? "error" : r.predicted, a), a);
    v.AddMember("correct", r.correct(), a);
    v.AddMember("ambiguous", r.ambiguous, a);
    v.AddMember("stage", string_or_null(r.stage), a);
    v.AddMember("confidence", number_or_null(r.confidence), a);
    v.AddMember("ms", r.ms, a);
    v.AddMember("error", string_or_null(r.failed ? r.error : ""), a);
    return v;
}

} // namespace

std::string format_ms(double ms) {
    const char *format = ms < 0.01 ? "%.4f" : ms < 1 ? "%.3f" : ms < 100 ? "%.2f" : "%.0f";
    return printf_string(format, ms);
}

Report summarize(Subject subject, const std::vector<Result> &results) {
    Report r;
    r.confusion = ConfusionMatrix(subject.routes);
    r.subject = std::move(subject);
    std::vector<StageSummary> stages;
    std::map<std::string, std::vector<double>> stage_ms;
    std::vector<double> node_ms;
    for (const Result &x : results) {
        ++r.evaluated;
        const bool right = x.correct();
        r.accuracy.total++;
        r.accuracy.successes += right;
        Proportion &subset = x.ambiguous ? r.ambiguous : r.clear;
        subset.total++;
        subset.successes += right;
        if (x.failed) {
            if (r.errors++ == 0) r.first_error = x.id + ": " + x.error;
            r.confusion.add_error(x.expected);
            continue;
        }
        r.confusion.add(x.expected, x.predicted);
        node_ms.push_back(x.ms);
        if (!x.stage.empty()) {
            StageSummary &decider = stage_entry(stages, x.stage);
            decider.decided++;
            decider.correct += right;
        }
        for (const StageRecord &run : x.stages) {
            StageSummary &s = stage_entry(stages, run.stage);
            s.ran++;
            stage_ms[run.stage].push_back(run.ms);
            if (run.outcome == "sure") s.sure++;
            if (run.outcome == "unsure") s.unsure++;
            if (run.outcome == "skipped") s.skipped++;
            if (run.outcome == "failed" && s.failed++ == 0) {
                s.first_failure = x.id + ": " + run.detail;
            }
        }
    }
    for (auto &s : stages)
        s.latency = percentiles(std::move(stage_ms[s.stage]));
    r.stages = ordered(std::move(stages));
    r.node_latency = percentiles(std::move(node_ms));
    r.per_route = label_metrics(r.confusion);
    r.macro = macro_average(r.per_route);
    return r;
}

std::string to_text(const Report &r, bool color) {
    const Subject &s = r.subject;
    std::string out;
    if (!s.stopped.empty()) {
        out += paint("PARTIAL: " + std::to_string(r.evaluated) + " of " +
                         std::to_string(s.requests) + " requests evaluated (" + s.stopped + ")",
                     Color::yellow, color) +
               "\n";
    }
    out += heading("Routing evaluation of node " + s.node + " (" + s.node_type + ") in graph " +
                       s.graph,
                   color);
    out += "  dataset " + s.dataset + ": " + std::to_string(s.requests) + " requests, " +
           std::to_string(r.evaluated) + " evaluated, " + std::to_string(r.errors) +
           (r.errors == 1 ? " error" : " errors") + "\n";
    if (r.errors > 0) out += "  first error: " + r.first_error + "\n";
    out += "\n" + accuracy_section(r, color);
    out += "\n" + routes_section(r, color);
    out += "\n" + confusion_section(r, color);
    if (!r.stages.empty()) out += "\n" + stages_section(r, color);
    out += "\n" + latency_section(r, color);
    return out;
}

json::Document to_json(const Report &r, const std::vector<Result> &results) {
    const Subject &s = r.subject;
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("dataset", json::string_value(s.dataset, a), a);
    doc.AddMember("graph", json::string_value(s.graph, a), a);
    doc.AddMember("node", json::string_value(s.node, a), a);
    doc.AddMember("node_type", json::string_value(s.node_type, a), a);
    doc.AddMember("routes", strings_json(s.routes, a), a);
    doc.AddMember("partial", !s.stopped.empty(), a);
    if (!s.stopped.empty()) doc.AddMember("stopped", json::string_value(s.stopped, a), a);
    doc.AddMember("requests", static_cast<uint64_t>(s.requests), a);
    doc.AddMember("evaluated", r.evaluated, a);
    doc.AddMember("errors", r.errors, a);
    doc.AddMember("accuracy", proportion_json(r.accuracy, a), a);
    doc.AddMember("clear", proportion_json(r.clear, a), a);
    doc.AddMember("ambiguous", proportion_json(r.ambiguous, a), a);
    json::Value per_route(rapidjson::kArrayType);
    for (const auto &m : r.per_route) {
        json::Value v(rapidjson::kObjectType);
        v.AddMember("route", json::string_value(m.label, a), a);
        v.AddMember("precision", number_or_null(m.precision), a);
        v.AddMember("recall", number_or_null(m.recall), a);
        v.AddMember("f1", number_or_null(m.f1), a);
        v.AddMember("support", m.support, a);
        v.AddMember("predicted", m.predicted, a);
        per_route.PushBack(v, a);
    }
    doc.AddMember("per_route", per_route, a);
    json::Value macro(rapidjson::kObjectType);
    macro.AddMember("precision", number_or_null(r.macro.precision), a);
    macro.AddMember("recall", number_or_null(r.macro.recall), a);
    macro.AddMember("f1", number_or_null(r.macro.f1), a);
    doc.AddMember("macro", macro, a);
    doc.AddMember("confusion", confusion_json(r.confusion, a), a);
    json::Value stages(rapidjson::kArrayType);
    for (const auto &st : r.stages)
        stages.PushBack(stage_json(st, a), a);
    doc.AddMember("stages", stages, a);
    json::Value latency(rapidjson::kObjectType);
    latency.AddMember("node", percentiles_json(r.node_latency, a), a);
    doc.AddMember("latency_ms", latency, a);
    json::Value rows(rapidjson::kArrayType);
    for (const Result &x : results)
        rows.PushBack(result_json(x, a), a);
    doc.AddMember("results", rows, a);
    return doc;
}

} // namespace tinyllm::cli::eval
