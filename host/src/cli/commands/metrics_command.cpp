// tinyllm metrics show [--node ID] [--graph G] [--version V] [--since WHEN | --last N] [--json]:
// the metrics per node kept in the run store (RunStore::metrics), as a table with a one-line
// trend per metric, or as JSON.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/terminal.hpp"
#include "cli/time_arg.hpp"
#include "store/latency_histogram.hpp"
#include "store/metrics_json.hpp"
#include "tinyllm/wall_clock.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>

namespace tinyllm::cli {
namespace {

using store::MetricsReport;
using store::NodeMetrics;
using store::metrics::Counters;

constexpr int64_t kMinuteMs = 60'000;

// ---- --since -------------------------------------------------------------------------------

// The window's start. A duration counts back from the end of the current minute, so that
// "--since 1h" is exactly the last 60 whole minutes, the current one included.
int64_t since_ms(const std::string &text, int64_t now) {
    if (auto d = duration_ms(text)) {
        if (*d <= 0) bad_since(text);
        return (now - now % kMinuteMs + kMinuteMs) - *d;
    }
    const auto t = iso_time_ms(text);
    if (!t) bad_since(text);
    if (*t > now) throw Error(ErrorCode::usage, "--since " + text + " is in the future");
    return *t;
}

// ---- formatting ----------------------------------------------------------------------------

// "7 d", "1 h", "45 min"; "~29 d" when the span is not a whole number of the unit.
std::string span_text(int64_t ms) {
    constexpr int64_t hour = 60 * kMinuteMs, day = 24 * hour;
    auto text = [&](int64_t unit, const char *name) {
        return (ms % unit == 0 ? "" : "~") + std::to_string((ms + unit / 2) / unit) + " " + name;
    };
    if (ms % day == 0 || ms >= 2 * day) return text(day, "d");
    if (ms % hour == 0 || ms >= 2 * hour) return text(hour, "h");
    return text(kMinuteMs, "min");
}

std::string format(const char *fmt, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, value);
    return buf;
}

std::string percent(std::optional<double> r) {
    return r ? format("%.1f%%", *r * 100) : "-";
}

// Three significant digits: 0.123, 1.23, 12.3, 123, 1234.
std::string ms_text(double ms) {
    if (ms < 1) return format("%.3f", ms);
    if (ms < 10) return format("%.2f", ms);
    if (ms < 100) return format("%.1f", ms);
    return format("%.0f", ms);
}

// A trend: one value per bucket, nullopt where the bucket has none (no requests, no grades).
using Trend = std::vector<std::optional<double>>;

template <class F> Trend trend_of(const NodeMetrics &m, F value) {
    Trend t;
    for (const Counters &c : m.trend)
        t.push_back(value(c));
    return t;
}

// ▁▂▃▄▅▆▇█ from the smallest to the largest value of the trend; a blank where a bucket has no
// value; a flat trend is a row of ▄ (▁ when it is all zero).
std::string sparkline(const Trend &trend) {
    static constexpr const char *kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    double lo = 0, hi = 0;
    bool any = false;
    for (const auto &v : trend) {
        if (!v) continue;
        lo = any ? std::min(lo, *v) : *v;
        hi = any ? std::max(hi, *v) : *v;
        any = true;
    }
    std::string out;
    for (const auto &v : trend) {
        if (!v) {
            out += ' ';
        } else if (hi == lo) {
            out += hi == 0 ? kBars[0] : kBars[3];
        } else {
            out += kBars[std::clamp(static_cast<int>((*v - lo) / (hi - lo) * 7 + 0.5), 0, 7)];
        }
    }
    return out;
}

std::optional<double> count_of(int64_t n) {
    return static_cast<double>(n);
}

// The figures of a node (or of a trend bucket), each with how to show it.
struct Row {
    std::string label;
    std::string value;
    Trend trend;
};

std::string latency_text(const Counters &c, double p) {
    const auto q = store::latency_percentile(c, p);
    if (!q) return "-";
    return (q->overflow ? ">= " : "") + ms_text(q->ms) + " ms";
}

std::optional<double> latency_value(const Counters &c, double p) {
    const auto q = store::latency_percentile(c, p);
    return q ? std::optional<double>(q->ms) : std::nullopt;
}

std::vector<Row> rows_of(const NodeMetrics &m) {
    const Counters &t = m.total;
    std::vector<Row> rows;
    rows.push_back({"requests", std::to_string(t.requests),
                    trend_of(m, [](const Counters &c) { return count_of(c.requests); })});
    rows.push_back(
        {"succeeded",
         std::to_string(t.successes) + "  " + percent(store::rate(t.successes, t.requests)),
         trend_of(m, [](const Counters &c) { return store::rate(c.successes, c.requests); })});
    std::string failed =
        std::to_string(t.failures) + "  " + percent(store::rate(t.failures, t.requests));
    std::string kinds;
    for (const auto &[kind, n] : t.failures_by_kind)
        kinds += (kinds.empty() ? "" : ", ") + kind + " " + std::to_string(n);
    if (!kinds.empty()) failed += "  (" + kinds + ")";
    rows.push_back(
        {"failed", failed, trend_of(m, [](const Counters &c) { return count_of(c.failures); })});
    if (t.cancelled > 0) {
        rows.push_back({"cancelled", std::to_string(t.cancelled),
                        trend_of(m, [](const Counters &c) { return count_of(c.cancelled); })});
    }
    if (t.gate_checks > 0) {
        rows.push_back({"gate passes",
                        std::to_string(t.gate_passes) + " of " + std::to_string(t.gate_checks) +
                            "  " + percent(store::rate(t.gate_passes, t.gate_checks)),
                        trend_of(m, [](const Counters &c) {
                            return store::rate(c.gate_passes, c.gate_checks);
                        })});
    }
    if (t.grades > 0) {
        const auto s = store::score_summary(t);
        std::string score = "-";
        if (s.mean) {
            score = format("%.3f", *s.mean);
            score += s.low ? format("  95%% CI %.3f", *s.low) + format("-%.3f", *s.high)
                           : std::string("  (one score: no interval)");
            score += "  n " + std::to_string(s.n);
        }
        rows.push_back({"judge score", score, trend_of(m, [](const Counters &c) {
                            return store::score_summary(c).mean;
                        })});
        std::string verdicts = std::to_string(t.grade_passes) + " of " + std::to_string(t.grades) +
                               "  " + percent(store::rate(t.grade_passes, t.grades));
        if (t.grade_errors > 0)
            verdicts += "  (" + std::to_string(t.grade_errors) + " judge errors)";
        rows.push_back({"judge passes", verdicts, trend_of(m, [](const Counters &c) {
                            return store::rate(c.grade_passes, c.grades);
                        })});
    }
    for (const auto &[label, p] : {std::pair{"latency p50", 0.5}, std::pair{"latency p95", 0.95},
                                   std::pair{"latency p99", 0.99}}) {
        const double q = p;
        rows.push_back({label, latency_text(t, q),
                        trend_of(m, [q](const Counters &c) { return latency_value(c, q); })});
    }
    rows.push_back({"tokens in", std::to_string(t.prompt_tokens),
                    trend_of(m, [](const Counters &c) { return count_of(c.prompt_tokens); })});
    rows.push_back({"tokens out", std::to_string(t.completion_tokens),
                    trend_of(m, [](const Counters &c) { return count_of(c.completion_tokens); })});
    rows.push_back({"model calls", std::to_string(t.model_calls),
                    trend_of(m, [](const Counters &c) { return count_of(c.model_calls); })});
    rows.push_back({"tool calls", std::to_string(t.tool_calls),
                    trend_of(m, [](const Counters &c) { return count_of(c.tool_calls); })});
    // A bucket without requests has no rate, and no count worth a bar either: blank it, so an
    // idle hour reads as a gap rather than as a zero.
    for (Row &row : rows) {
        for (size_t b = 0; b < row.trend.size(); ++b) {
            if (m.trend[b].requests == 0 && m.trend[b].grades == 0) row.trend[b].reset();
        }
    }
    return rows;
}

std::string node_title(const NodeMetrics &m) {
    std::string title = "graph " + m.graph_id + " · ";
    title += m.node_id.empty()
                 ? "whole run"
                 : "node " + m.node_id + (m.node_type.empty() ? "" : " (" + m.node_type + ")");
    std::string versions;
    for (const auto &v : m.graph_versions)
        versions += (versions.empty() ? "" : ", ") + v;
    return title + "  [version" + (m.graph_versions.size() > 1 ? "s " : " ") + versions + "]";
}

std::string window_title(const MetricsReport &r) {
    if (r.by_runs) {
        std::string t = "Metrics of the last " + std::to_string(r.runs) + " runs, started " +
                        local_time(r.since_ms) + " to " + local_time(r.until_ms);
        if (!r.trend.empty()) {
            t += "; trend: " + std::to_string(r.trend.size()) + " parts of ~" +
                 std::to_string((r.runs + r.trend.size() - 1) / r.trend.size()) + " runs";
        }
        return t;
    }
    std::string t = "Metrics of runs started " + local_time(r.since_ms) + " to " +
                    local_time(r.until_ms) + " (" + span_text(r.until_ms - r.since_ms) + ")";
    if (!r.trend.empty()) {
        const int64_t part = (r.until_ms - r.since_ms) / static_cast<int64_t>(r.trend.size());
        t += "; trend: " + std::to_string(r.trend.size()) + " parts of " + span_text(part);
    }
    return t;
}

void print_table(const MetricsReport &report) {
    const bool color = color_enabled(stdout);
    // The trend only on a terminal: on a pipe the table stays plain text that scripts and
    // logs can read (--json carries the trend as numbers).
    const bool spark = is_terminal(stdout);
    std::cout << paint(window_title(report), Color::bold, color) << "\n";
    for (const NodeMetrics &m : report.nodes) {
        std::cout << "\n" << paint(node_title(m), Color::bold, color) << "\n";
        for (const Row &row : rows_of(m)) {
            std::string line = "  " + row.label;
            line.resize(16, ' ');
            line += row.value;
            if (spark) {
                if (line.size() < 50) line.resize(50, ' ');
                line += "  " + paint(sparkline(row.trend), Color::blue, color);
            }
            std::cout << line << "\n";
        }
    }
}

// ---- the command ---------------------------------------------------------------------------

// A filter that matched nothing is "not found", naming what the window does hold.
void check_found(const MetricsReport &report, const store::MetricsQuery &q) {
    if (!report.nodes.empty()) return;
    const std::string where =
        report.by_runs ? "in the last " + std::to_string(report.runs) + " runs" : "in the window";
    if (q.node_id) {
        std::string seen;
        for (const auto &[graph, node] : report.nodes_seen) {
            if (node.empty()) continue;
            seen += (seen.empty() ? "" : ", ") + (q.graph_id ? node : graph + "/" + node);
        }
        throw Error(ErrorCode::not_found,
                    "node " + *q.node_id + " has no recorded executions " + where +
                        (seen.empty() ? " (no runs in it)" : " (nodes seen: " + seen + ")"));
    }
    if (q.graph_id || q.graph_version) {
        throw Error(ErrorCode::not_found,
                    "no recorded runs" + (q.graph_id ? " of graph " + *q.graph_id : "") +
                        (q.graph_version ? " at version " + *q.graph_version : "") + " " + where);
    }
}

int show(Context &ctx, const store::MetricsQuery &query, bool as_json) {
    const MetricsReport report = ctx.store().metrics(query);
    check_found(report, query);
    if (as_json) {
        std::cout << json::to_pretty_string(store::metrics_json(report, query.last_runs)) << "\n";
        return kExitOk;
    }
    if (report.nodes.empty()) {
        if (report.by_runs) {
            std::cout << "no finished runs recorded in " << ctx.store().path().string() << "\n";
        } else {
            std::cout << window_title(report) << "\nno runs recorded in it ("
                      << ctx.store().path().string() << ")\n";
        }
        return kExitOk;
    }
    print_table(report);
    return kExitOk;
}

} // namespace

int run_metrics(Context &ctx, const std::vector<std::string> &args) {
    bool as_json = false;
    std::string node, graph, version, since;
    int64_t last = 0;
    po::options_description desc("Options");
    desc.add_options()("help,h", "show this help")("node", po::value(&node)->value_name("ID"),
                                                   "only node ID")(
        "graph", po::value(&graph)->value_name("ID"), "only runs of graph ID")(
        "version", po::value(&version)->value_name("V"), "only runs of graph version V")(
        "since", po::value(&since)->value_name("WHEN"),
        "runs started since WHEN: a duration back from now (30m, 1h, 7d, 2w) or a time "
        "(2025-06-01, 2025-06-01T14:30, ...Z, ...+02:00; local time without a zone); "
        "default 24h")("last", po::value(&last)->value_name("N"),
                       "instead, the last N finished runs (counted from their traces)")(
        "json", po::bool_switch(&as_json), "print the metrics as JSON, with the trends");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"action"}, ctx.options());
    if (vm.count("help")) {
        print_help("metrics show [--node ID] [--graph ID] [--version V] [--since WHEN | --last N] "
                   "[--json]",
                   "show: per node (and for whole runs), over a window: requests, successes,\n"
                   "  failures by kind, gate pass rate, judge score (mean, 95% interval), latency\n"
                   "  p50/p95/p99, tokens in/out, model and tool calls; on a terminal each with\n"
                   "  its trend over the window. Exit 7 when --node (or --graph/--version)\n"
                   "  matches nothing in the window. See docs/cli.md.",
                   desc);
        return kExitOk;
    }
    const std::string action = positional(vm, "action", "show");
    if (action != "show") {
        throw Error(ErrorCode::usage, "unknown metrics action \"" + action + "\" (see --help)");
    }
    if (vm.count("since") && vm.count("last")) {
        throw Error(ErrorCode::usage,
                    "--since and --last both choose the window: give one of them");
    }
    store::MetricsQuery query;
    if (vm.count("last")) {
        if (last <= 0) throw Error(ErrorCode::usage, "--last takes a number of runs above 0");
        query.last_runs = static_cast<size_t>(last);
    } else if (vm.count("since")) {
        query.since_ms = since_ms(since, now_ms());
    }
    if (vm.count("node")) query.node_id = node;
    if (vm.count("graph")) query.graph_id = graph;
    if (vm.count("version")) query.graph_version = version;
    return show(ctx, query, as_json);
}

} // namespace tinyllm::cli
