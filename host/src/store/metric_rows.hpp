// The SQL of the metrics: reading a run's facts from its rows, writing what it adds to the
// per-minute and per-hour rollups (metric_series, metric_rollups, metric_failures), and reading
// rollups back by time range. As in trace_rows.hpp, no locking or transactions here: RunStore
// runs each write inside the transaction that records the run's end or the grade, so a rollup
// and the rows it counts commit together or not at all.
#pragma once

#include "store/run_metrics.hpp"
#include "store/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::store::metric_rows {

// tinyllm_latency_merge(a, b[, sign]): the histogram a plus sign (1 or -1) times b, both
// encoded (LatencyHistogram::encode; NULL is empty). The rollup upsert merges with it, so it
// must be registered on every connection that writes (RunStore does so when it opens).
void register_functions(sqlite::Database &db);

// The facts of run `run_id` from its rows; nullopt when there is no such run.
std::optional<metrics::RunFacts> read_run(sqlite::Database &db, std::string_view run_id);
// The last `limit` finished (not running) runs, newest first, optionally of one graph/version.
std::vector<metrics::RunFacts> read_last_runs(sqlite::Database &db, size_t limit,
                                              const std::optional<std::string> &graph_id,
                                              const std::optional<std::string> &graph_version);
// The grades of a run, by node id ("" = its answer).
std::vector<std::pair<std::string, metrics::GradeFacts>> read_grades(sqlite::Database &db,
                                                                     std::string_view run_id);

// Add (sign 1) or take back (sign -1) everything the finished run `run` counts, in the minute
// and the hour it started. Taking back a run that was never added is Error(io) (the rollups
// would be inconsistent).
void apply_run(sqlite::Database &db, const metrics::RunFacts &run, int sign);
// Add one grade to the series (graph, version, node) in the minute and hour `started_at_ms`.
void apply_grade(sqlite::Database &db, const std::string &graph_id,
                 const std::string &graph_version, const std::string &node_id,
                 int64_t started_at_ms, const metrics::GradeFacts &grade);
// Add (or take back) `counters` in the row (span, start, series): the one write of a rollup.
void add_counters(sqlite::Database &db, int64_t series_id, int64_t span_ms, int64_t start_ms,
                  const metrics::Counters &counters, int sign);
// The id of series (graph, version, node), created when new (with `node_type`, which replaces
// a different stored one unless empty). A lookup first: an existing series' row is not written.
int64_t series_id(sqlite::Database &db, const std::string &graph_id,
                  const std::string &graph_version, const std::string &node_id,
                  const std::string &node_type);

// Reads.
struct Series {
    int64_t id = 0;
    std::string graph_id;
    std::string graph_version;
    std::string node_id;
    std::string node_type;
};
// The series matching the filters (all when absent), by id (the order they first appeared in).
std::vector<Series> select_series(sqlite::Database &db, const std::optional<std::string> &graph_id,
                                  const std::optional<std::string> &graph_version);

// Where sum_range puts what it reads, by series id: targets[id] (null: not wanted); seen[id]
// is set for every series with a row in the range, wanted or not. Both are indexed by series
// id and must be large enough for every id the range holds (ids beyond them are ignored).
struct RangeTargets {
    std::vector<metrics::Counters *> targets;
    std::vector<bool> seen;
};
// Add the rollups with `span_ms` starting in [from_ms, to_ms), every series at once (the
// rows of a time range are contiguous in the primary key).
void sum_range(sqlite::Database &db, int64_t span_ms, int64_t from_ms, int64_t to_ms,
               RangeTargets &into);

} // namespace tinyllm::store::metric_rows
