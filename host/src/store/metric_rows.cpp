#include "store/metric_rows.hpp"

#include <sqlite3.h>

#include <array>
#include <limits>

namespace tinyllm::store::metric_rows {
namespace {

using metrics::Counters;
using sqlite::Database;
using sqlite::Reset;
using sqlite::Statement;

// The additive columns of metric_rollups, in the order of Counters' fields; the statements
// below are generated from this list so that the upsert, the take-back and the read cannot
// disagree on an order.
constexpr std::array<const char *, 16> kCounters = {
    "requests",      "successes",         "failures",     "cancelled", "gate_checks", "gate_passes",
    "grades",        "grade_passes",      "grade_errors", "scored",    "score_sum",   "score_sumsq",
    "prompt_tokens", "completion_tokens", "model_calls",  "tool_calls"};
constexpr int kFirstCounter = 4;                                // ?4 in the writes
constexpr int kLatencyParam = kFirstCounter + kCounters.size(); // ?20

std::string join_counters(const std::string &pattern) {
    // `pattern` with each "$" replaced by the column name and each "#" by its parameter number.
    std::string out;
    for (size_t i = 0; i < kCounters.size(); ++i) {
        if (i > 0) out += ", ";
        for (char c : pattern) {
            if (c == '$') {
                out += kCounters[i];
            } else if (c == '#') {
                out += std::to_string(kFirstCounter + static_cast<int>(i));
            } else {
                out += c;
            }
        }
    }
    return out;
}

const std::string &upsert_sql() {
    static const std::string sql = "INSERT INTO metric_rollups (series_id, span_ms, start_ms, " +
                                   join_counters("$") + ", latency) VALUES (?1, ?2, ?3, " +
                                   join_counters("?#") + ", ?" + std::to_string(kLatencyParam) +
                                   ") ON CONFLICT (span_ms, start_ms, series_id) DO UPDATE SET " +
                                   join_counters("$ = $ + excluded.$") +
                                   ", latency = tinyllm_latency_merge(latency, excluded.latency)";
    return sql;
}

const std::string &take_back_sql() {
    static const std::string sql = "UPDATE metric_rollups SET " + join_counters("$ = $ - ?#") +
                                   ", latency = tinyllm_latency_merge(latency, ?" +
                                   std::to_string(kLatencyParam) +
                                   ", -1) WHERE span_ms = ?2 AND start_ms = ?3 AND series_id = ?1";
    return sql;
}

const std::string &range_sql() {
    static const std::string sql = "SELECT series_id, " + join_counters("$") +
                                   ", latency FROM metric_rollups WHERE span_ms = ?1 AND "
                                   "start_ms >= ?2 AND start_ms < ?3";
    return sql;
}

// In kCounters' order, as read_counters reads them.
void bind_counters(Statement &s, const Counters &c) {
    int param = kFirstCounter;
    for (int64_t v : {c.requests, c.successes, c.failures, c.cancelled, c.gate_checks,
                      c.gate_passes, c.grades, c.grade_passes, c.grade_errors, c.scored}) {
        s.bind(param++, v);
    }
    s.bind_double(param++, c.score_sum);
    s.bind_double(param++, c.score_sumsq);
    for (int64_t v : {c.prompt_tokens, c.completion_tokens, c.model_calls, c.tool_calls}) {
        s.bind(param++, v);
    }
    if (c.latency.empty()) {
        s.bind_null(kLatencyParam);
    } else {
        s.bind_blob(kLatencyParam, c.latency.encode());
    }
}

// The counters of a range row, whose column 0 is the series id.
void read_counters(const Database &db, const Statement &s, Counters &out) {
    int col = 1;
    for (int64_t *field :
         {&out.requests, &out.successes, &out.failures, &out.cancelled, &out.gate_checks,
          &out.gate_passes, &out.grades, &out.grade_passes, &out.grade_errors, &out.scored}) {
        *field += s.column_int64(col++);
    }
    out.score_sum += s.column_double(col++);
    out.score_sumsq += s.column_double(col++);
    for (int64_t *field :
         {&out.prompt_tokens, &out.completion_tokens, &out.model_calls, &out.tool_calls}) {
        *field += s.column_int64(col++);
    }
    if (!out.latency.merge_encoded(s.column_blob(col))) {
        throw Error(ErrorCode::io, db.label() + ": a latency histogram in metric_rollups is "
                                                "malformed");
    }
}

[[noreturn]] void inconsistent(const Database &db, int64_t series, int64_t span_ms,
                               int64_t start_ms, const std::string &what) {
    throw Error(ErrorCode::io, db.label() + ": cannot take back a run's metrics: " + what +
                                   " of series " + std::to_string(series) + " at " +
                                   std::to_string(start_ms) + " (span " + std::to_string(span_ms) +
                                   " ms) is missing");
}

void add_failures(Database &db, int64_t series, int64_t span_ms, int64_t start_ms,
                  const Counters &counters, int sign) {
    for (const auto &[kind, count] : counters.failures_by_kind) {
        if (count == 0) continue;
        if (sign > 0) {
            Statement &s = db.cached(
                "INSERT INTO metric_failures (series_id, span_ms, start_ms, kind, count) "
                "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (span_ms, start_ms, series_id, kind) "
                "DO UPDATE SET count = count + excluded.count");
            const Reset reset(s);
            s.bind(1, series).bind(2, span_ms).bind(3, start_ms).bind(4, kind).bind(5, count);
            s.run();
            continue;
        }
        Statement &s = db.cached("UPDATE metric_failures SET count = count - ?5 WHERE "
                                 "series_id = ?1 AND span_ms = ?2 AND start_ms = ?3 AND kind = ?4");
        const Reset reset(s);
        s.bind(1, series).bind(2, span_ms).bind(3, start_ms).bind(4, kind).bind(5, count);
        s.run();
        if (db.changes() != 1) inconsistent(db, series, span_ms, start_ms, "failures " + kind);
    }
    if (sign < 0 && !counters.failures_by_kind.empty()) {
        Statement &s = db.cached("DELETE FROM metric_failures WHERE series_id = ?1 AND "
                                 "span_ms = ?2 AND start_ms = ?3 AND count <= 0");
        const Reset reset(s);
        s.bind(1, series).bind(2, span_ms).bind(3, start_ms);
        s.run();
    }
}

// The SQL function. Malformed input or a count going below zero is an SQL error: the write
// fails loudly (its transaction rolls back) instead of storing a wrong histogram.
void latency_merge(sqlite3_context *context, int argc, sqlite3_value **argv) {
    auto bytes = [&](int i) {
        const auto *data = static_cast<const char *>(sqlite3_value_blob(argv[i]));
        return std::string_view(data != nullptr ? data : "",
                                static_cast<size_t>(sqlite3_value_bytes(argv[i])));
    };
    const int sign = argc == 3 ? static_cast<int>(sqlite3_value_int(argv[2])) : 1;
    if ((argc != 2 && argc != 3) || (sign != 1 && sign != -1)) {
        sqlite3_result_error(context, "tinyllm_latency_merge(a, b[, 1 or -1])", -1);
        return;
    }
    const auto merged = metrics::LatencyHistogram::merge_encoded(bytes(0), bytes(1), sign);
    if (!merged) {
        sqlite3_result_error(context,
                             "tinyllm_latency_merge: a malformed latency histogram, or a count "
                             "taken below zero",
                             -1);
        return;
    }
    if (merged->empty()) {
        sqlite3_result_null(context);
    } else {
        sqlite3_result_blob(context, merged->data(), static_cast<int>(merged->size()),
                            SQLITE_TRANSIENT);
    }
}

trace::RunStatus run_status(const Database &db, const std::string &text) {
    if (auto status = trace::parse_run_status(text)) return *status;
    throw Error(ErrorCode::io, db.label() + ": unknown run status \"" + text + "\"");
}

trace::NodeStatus node_status(const Database &db, const std::string &text) {
    if (auto status = trace::parse_node_status(text)) return *status;
    throw Error(ErrorCode::io, db.label() + ": unknown node status \"" + text + "\"");
}

constexpr std::string_view kRunFactColumns =
    "id, graph_id, graph_version, status, error_code, started_at_ms, finished_at_ms";

metrics::RunFacts read_run_row(const Database &db, const Statement &s) {
    metrics::RunFacts run;
    run.run_id = s.column_text(0);
    run.graph_id = s.column_text(1);
    run.graph_version = s.column_text(2);
    run.status = run_status(db, s.column_text(3));
    run.error_code = s.column_text(4);
    run.started_at_ms = s.column_int64(5);
    run.finished_at_ms = s.column_int64(6);
    return run;
}

void load_node_facts(Database &db, metrics::RunFacts &run) {
    // One row per execution; the LEFT JOIN counts its model calls (by the model_calls primary
    // key, in seq order: no sort).
    Statement &s = db.cached(
        "SELECT n.seq, n.node_id, n.node_type, n.branch, n.status, n.error_code, n.route, "
        "n.duration_us, count(m.idx), coalesce(sum(m.prompt_tokens), 0), "
        "coalesce(sum(m.completion_tokens), 0), "
        "(SELECT count(*) FROM tool_calls t WHERE t.run_id = n.run_id AND t.node_seq = n.seq) "
        "FROM node_executions n LEFT JOIN model_calls m "
        "ON m.run_id = n.run_id AND m.node_seq = n.seq "
        "WHERE n.run_id = ?1 GROUP BY n.seq ORDER BY n.seq");
    const Reset reset(s);
    s.bind(1, run.run_id);
    while (s.step()) {
        metrics::NodeFacts n;
        n.seq = s.column_int64(0);
        n.node_id = s.column_text(1);
        n.node_type = s.column_text(2);
        n.branch = s.column_text(3);
        n.status = node_status(db, s.column_text(4));
        n.error_code = s.column_text(5);
        n.route = s.column_text(6);
        n.duration_us = s.column_int64(7);
        n.model_calls = s.column_int64(8);
        n.prompt_tokens = s.column_int64(9);
        n.completion_tokens = s.column_int64(10);
        n.tool_calls = s.column_int64(11);
        run.nodes.push_back(std::move(n));
    }
}

} // namespace

void register_functions(Database &db) {
    const int rc = sqlite3_create_function_v2(db.handle(), "tinyllm_latency_merge", -1,
                                              SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                              nullptr, latency_merge, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) db.fail(rc);
}

std::optional<metrics::RunFacts> read_run(Database &db, std::string_view run_id) {
    std::optional<metrics::RunFacts> run;
    {
        Statement &s =
            db.cached("SELECT " + std::string(kRunFactColumns) + " FROM runs WHERE id = ?1");
        const Reset reset(s);
        s.bind(1, run_id);
        if (!s.step()) return std::nullopt;
        run = read_run_row(db, s);
    }
    load_node_facts(db, *run);
    return run;
}

std::vector<metrics::RunFacts> read_last_runs(Database &db, size_t limit,
                                              const std::optional<std::string> &graph_id,
                                              const std::optional<std::string> &graph_version) {
    std::string sql = "SELECT " + std::string(kRunFactColumns) + " FROM runs WHERE status != ?1";
    if (graph_id) sql += " AND graph_id = ?2";
    if (graph_version) sql += " AND graph_version = ?3";
    sql += " ORDER BY started_at_ms DESC, id DESC LIMIT ?4";
    std::vector<metrics::RunFacts> runs;
    {
        Statement &s = db.cached(sql);
        const Reset reset(s);
        s.bind(1, trace::to_string(trace::RunStatus::running));
        if (graph_id) s.bind(2, *graph_id);
        if (graph_version) s.bind(3, *graph_version);
        const auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
        s.bind(4, static_cast<int64_t>(std::min(limit, max)));
        while (s.step())
            runs.push_back(read_run_row(db, s));
    }
    for (metrics::RunFacts &run : runs)
        load_node_facts(db, run);
    return runs;
}

std::vector<std::pair<std::string, metrics::GradeFacts>> read_grades(Database &db,
                                                                     std::string_view run_id) {
    Statement &s = db.cached("SELECT node_id, score, pass, error FROM grades WHERE run_id = ?1 "
                             "ORDER BY id");
    const Reset reset(s);
    s.bind(1, run_id);
    std::vector<std::pair<std::string, metrics::GradeFacts>> grades;
    while (s.step()) {
        metrics::GradeFacts g;
        g.score = s.column_optional_double(1);
        if (auto pass = s.column_optional_int64(2)) g.pass = *pass != 0;
        g.error = !s.column_is_null(3);
        grades.emplace_back(s.column_text(0), g);
    }
    return grades;
}

int64_t series_id(Database &db, const std::string &graph_id, const std::string &graph_version,
                  const std::string &node_id, const std::string &node_type) {
    std::optional<int64_t> id;
    std::string stored_type;
    {
        Statement &s = db.cached("SELECT id, node_type FROM metric_series WHERE graph_id = ?1 "
                                 "AND graph_version = ?2 AND node_id = ?3");
        const Reset reset(s);
        s.bind(1, graph_id).bind(2, graph_version).bind(3, node_id);
        if (s.step()) {
            id = s.column_int64(0);
            stored_type = s.column_text(1);
        }
    }
    if (!id) {
        Statement &s = db.cached("INSERT INTO metric_series (graph_id, graph_version, node_id, "
                                 "node_type) VALUES (?1, ?2, ?3, ?4)");
        const Reset reset(s);
        s.bind(1, graph_id).bind(2, graph_version).bind(3, node_id).bind(4, node_type);
        s.run();
        return db.last_insert_rowid();
    }
    // A graph edited without a new version can change a node's component: the latest wins.
    if (!node_type.empty() && node_type != stored_type) {
        Statement &s = db.cached("UPDATE metric_series SET node_type = ?2 WHERE id = ?1");
        const Reset reset(s);
        s.bind(1, *id).bind(2, node_type);
        s.run();
    }
    return *id;
}

void add_counters(Database &db, int64_t series, int64_t span_ms, int64_t start_ms,
                  const Counters &counters, int sign) {
    Statement &s = db.cached(sign > 0 ? upsert_sql() : take_back_sql());
    {
        const Reset reset(s);
        s.bind(1, series).bind(2, span_ms).bind(3, start_ms);
        bind_counters(s, counters);
        s.run();
        if (sign < 0 && db.changes() != 1) {
            inconsistent(db, series, span_ms, start_ms, "the rollup");
        }
    }
    add_failures(db, series, span_ms, start_ms, counters, sign);
}

void apply_run(Database &db, const metrics::RunFacts &run, int sign) {
    const int64_t minute = metrics::floor_to(run.started_at_ms, metrics::kMinuteMs);
    const int64_t hour = metrics::floor_to(run.started_at_ms, metrics::kHourMs);
    for (const metrics::Contribution &c : metrics::contributions(run)) {
        const int64_t id = series_id(db, run.graph_id, run.graph_version, c.node_id, c.node_type);
        add_counters(db, id, metrics::kMinuteMs, minute, c.counters, sign);
        add_counters(db, id, metrics::kHourMs, hour, c.counters, sign);
    }
}

void apply_grade(Database &db, const std::string &graph_id, const std::string &graph_version,
                 const std::string &node_id, int64_t started_at_ms,
                 const metrics::GradeFacts &grade) {
    const int64_t minute = metrics::floor_to(started_at_ms, metrics::kMinuteMs);
    Counters counters;
    counters.add_grade(grade);
    const int64_t id = series_id(db, graph_id, graph_version, node_id, "");
    add_counters(db, id, metrics::kMinuteMs, minute, counters, 1);
    add_counters(db, id, metrics::kHourMs, metrics::floor_to(started_at_ms, metrics::kHourMs),
                 counters, 1);
}

std::vector<Series> select_series(Database &db, const std::optional<std::string> &graph_id,
                                  const std::optional<std::string> &graph_version) {
    std::string sql = "SELECT id, graph_id, graph_version, node_id, node_type FROM metric_series";
    const char *where = " WHERE ";
    if (graph_id) {
        sql += where;
        sql += "graph_id = ?1";
        where = " AND ";
    }
    if (graph_version) {
        sql += where;
        sql += "graph_version = ?2";
    }
    sql += " ORDER BY id";
    Statement &s = db.cached(sql);
    const Reset reset(s);
    if (graph_id) s.bind(1, *graph_id);
    if (graph_version) s.bind(2, *graph_version);
    std::vector<Series> out;
    while (s.step()) {
        out.push_back(Series{s.column_int64(0), s.column_text(1), s.column_text(2),
                             s.column_text(3), s.column_text(4)});
    }
    return out;
}

void sum_range(Database &db, int64_t span_ms, int64_t from_ms, int64_t to_ms, RangeTargets &into) {
    if (from_ms >= to_ms) return;
    auto slot = [&](int64_t series) -> Counters * {
        if (series < 0 || static_cast<size_t>(series) >= into.targets.size()) return nullptr;
        into.seen[static_cast<size_t>(series)] = true;
        return into.targets[static_cast<size_t>(series)];
    };
    {
        Statement &s = db.cached(range_sql());
        const Reset reset(s);
        s.bind(1, span_ms).bind(2, from_ms).bind(3, to_ms);
        while (s.step()) {
            // A series not asked for is skipped before its columns are read.
            if (Counters *out = slot(s.column_int64(0))) read_counters(db, s, *out);
        }
    }
    Statement &s = db.cached("SELECT series_id, kind, count FROM metric_failures WHERE "
                             "span_ms = ?1 AND start_ms >= ?2 AND start_ms < ?3");
    const Reset reset(s);
    s.bind(1, span_ms).bind(2, from_ms).bind(3, to_ms);
    while (s.step()) {
        Counters *out = slot(s.column_int64(0));
        const int64_t n = s.column_int64(2);
        if (out != nullptr && n != 0) out->failures_by_kind[s.column_text(1)] += n;
    }
}

} // namespace tinyllm::store::metric_rows
