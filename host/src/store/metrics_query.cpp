#include "store/metrics_query.hpp"

#include "store/metric_rows.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace tinyllm::store::metrics_query {
namespace {

using metrics::Counters;
using metrics::kHourMs;
using metrics::kMinuteMs;
using sqlite::Database;

constexpr int64_t kDayMs = 24 * kHourMs;

// The report's entries by (graph, node), whatever the version, in the order they are wanted.
class Entries {
public:
    explicit Entries(size_t buckets) : buckets_(buckets) {}

    // `order`: where the node sorts within its graph (its series id, or first appearance).
    NodeMetrics &at(const std::string &graph_id, const std::string &node_id,
                    const std::string &node_type, const std::string &version, int64_t order) {
        auto [it, added] = entries_.try_emplace(std::make_pair(graph_id, node_id));
        Entry &e = it->second;
        if (added) {
            e.metrics.graph_id = graph_id;
            e.metrics.node_id = node_id;
            e.metrics.trend.resize(buckets_);
            e.order = order;
        }
        e.order = std::min(e.order, order);
        if (!node_type.empty()) e.metrics.node_type = node_type;
        e.versions.insert(version);
        return e.metrics;
    }

    // The entries with data, whole run first within a graph, each with its total.
    std::vector<NodeMetrics> finish() {
        std::vector<Entry *> kept;
        for (auto &[key, e] : entries_) {
            for (const Counters &c : e.metrics.trend)
                e.metrics.total.merge(c);
            if (e.metrics.total.requests == 0 && e.metrics.total.grades == 0) continue;
            e.metrics.graph_versions.assign(e.versions.begin(), e.versions.end());
            kept.push_back(&e);
        }
        std::sort(kept.begin(), kept.end(), [](const Entry *a, const Entry *b) {
            return std::make_tuple(a->metrics.graph_id, !a->metrics.node_id.empty(), a->order) <
                   std::make_tuple(b->metrics.graph_id, !b->metrics.node_id.empty(), b->order);
        });
        std::vector<NodeMetrics> out;
        for (Entry *e : kept)
            out.push_back(std::move(e->metrics));
        return out;
    }

private:
    struct Entry {
        NodeMetrics metrics;
        std::set<std::string> versions;
        int64_t order = 0;
    };
    size_t buckets_;
    std::map<std::pair<std::string, std::string>, Entry> entries_;
};

int64_t ceil_to(int64_t ms, int64_t span) {
    const int64_t floor = metrics::floor_to(ms, span);
    return floor == ms ? ms : floor + span;
}

// [from, to) of every series from the rollups: whole hours from the hour rows, the minutes
// before the first and after the last whole hour from the minute rows. Both bounds are whole
// minutes.
void sum_window(Database &db, int64_t from, int64_t to, metric_rows::RangeTargets &into) {
    const int64_t first_hour = ceil_to(from, kHourMs);
    const int64_t end_hours = metrics::floor_to(to, kHourMs);
    if (first_hour >= end_hours) {
        metric_rows::sum_range(db, kMinuteMs, from, to, into);
        return;
    }
    metric_rows::sum_range(db, kMinuteMs, from, first_hour, into);
    metric_rows::sum_range(db, kHourMs, first_hour, end_hours, into);
    metric_rows::sum_range(db, kMinuteMs, end_hours, to, into);
}

MetricsReport by_time(Database &db, const MetricsQuery &q, int64_t now_ms) {
    MetricsReport report;
    report.until_ms = metrics::floor_to(q.until_ms.value_or(now_ms), kMinuteMs) + kMinuteMs;
    report.since_ms =
        q.since_ms ? metrics::floor_to(*q.since_ms, kMinuteMs) : report.until_ms - kDayMs;
    if (report.since_ms >= report.until_ms) {
        throw Error(ErrorCode::invalid_argument, "metrics: the window is empty: it starts at " +
                                                     std::to_string(report.since_ms) +
                                                     " ms, not before its end at " +
                                                     std::to_string(report.until_ms) + " ms");
    }
    const int64_t minutes = (report.until_ms - report.since_ms) / kMinuteMs;
    const int64_t k = std::clamp<int64_t>(q.trend_buckets, 1, minutes);
    for (int64_t i = 0; i < k; ++i) {
        report.trend.push_back(TrendBucket{report.since_ms + i * minutes / k * kMinuteMs,
                                           report.since_ms + (i + 1) * minutes / k * kMinuteMs, 0});
    }

    // The series of the graph/version asked for; of those, the node asked for is summed.
    const std::vector<metric_rows::Series> series =
        metric_rows::select_series(db, q.graph_id, q.graph_version);
    int64_t max_id = 0;
    for (const auto &s : series)
        max_id = std::max(max_id, s.id);
    Entries entries(report.trend.size());
    std::vector<NodeMetrics *> wanted(static_cast<size_t>(max_id) + 1, nullptr);
    for (const auto &s : series) {
        if (q.node_id && s.node_id != *q.node_id) continue;
        wanted[static_cast<size_t>(s.id)] =
            &entries.at(s.graph_id, s.node_id, s.node_type, s.graph_version, s.id);
    }
    metric_rows::RangeTargets into;
    into.seen.assign(wanted.size(), false);
    for (size_t b = 0; b < report.trend.size(); ++b) {
        into.targets.assign(wanted.size(), nullptr);
        for (const auto &s : series) {
            if (NodeMetrics *m = wanted[static_cast<size_t>(s.id)]) {
                into.targets[static_cast<size_t>(s.id)] = &m->trend[b];
            }
        }
        sum_window(db, report.trend[b].start_ms, report.trend[b].end_ms, into);
    }
    for (const auto &s : series) {
        const auto seen = std::make_pair(s.graph_id, s.node_id);
        if (into.seen[static_cast<size_t>(s.id)] &&
            std::find(report.nodes_seen.begin(), report.nodes_seen.end(), seen) ==
                report.nodes_seen.end()) {
            report.nodes_seen.push_back(seen);
        }
    }
    report.nodes = entries.finish();
    return report;
}

MetricsReport by_runs(Database &db, const MetricsQuery &q) {
    MetricsReport report;
    report.by_runs = true;
    std::vector<metrics::RunFacts> runs =
        metric_rows::read_last_runs(db, q.last_runs, q.graph_id, q.graph_version);
    std::reverse(runs.begin(), runs.end()); // oldest first: the trend reads left to right
    report.runs = runs.size();
    if (runs.empty()) return report;
    report.since_ms = runs.front().started_at_ms;
    report.until_ms = runs.back().started_at_ms;
    const size_t k =
        std::clamp<size_t>(static_cast<size_t>(std::max(q.trend_buckets, 1)), 1, runs.size());
    report.trend.resize(k);

    Entries entries(k);
    int64_t order = 0; // first appearance, over all the runs
    for (size_t i = 0; i < runs.size(); ++i) {
        const metrics::RunFacts &run = runs[i];
        const size_t b = i * k / runs.size();
        TrendBucket &bucket = report.trend[b];
        if (bucket.runs == 0) bucket.start_ms = run.started_at_ms;
        bucket.end_ms = run.started_at_ms;
        ++bucket.runs;

        std::map<std::string, Counters> by_node;                // this run's, grades included
        std::vector<std::pair<std::string, std::string>> nodes; // (id, type) in order
        for (metrics::Contribution &c : metrics::contributions(run)) {
            nodes.emplace_back(c.node_id, c.node_type);
            by_node[c.node_id] = std::move(c.counters);
        }
        // As record_grade counts them: for the run as a whole, and for the node named.
        for (const auto &[node_id, grade] : metric_rows::read_grades(db, run.run_id)) {
            for (const std::string &id : {std::string(), node_id}) {
                if (by_node.find(id) == by_node.end()) nodes.emplace_back(id, "");
                by_node[id].add_grade(grade);
                if (node_id.empty()) break;
            }
        }
        for (const auto &[node_id, node_type] : nodes) {
            const auto seen = std::make_pair(run.graph_id, node_id);
            if (std::find(report.nodes_seen.begin(), report.nodes_seen.end(), seen) ==
                report.nodes_seen.end()) {
                report.nodes_seen.push_back(seen);
            }
            if (q.node_id && node_id != *q.node_id) continue;
            NodeMetrics &m =
                entries.at(run.graph_id, node_id, node_type, run.graph_version, order++);
            m.trend[b].merge(by_node[node_id]);
        }
    }
    report.nodes = entries.finish();
    return report;
}

} // namespace

MetricsReport run(Database &db, const MetricsQuery &query, int64_t now_ms) {
    if (query.last_runs > 0) {
        if (query.since_ms || query.until_ms) {
            throw Error(ErrorCode::invalid_argument,
                        "metrics: a window is either the last N runs or a time range, not both");
        }
        return by_runs(db, query);
    }
    return by_time(db, query, now_ms);
}

} // namespace tinyllm::store::metrics_query
