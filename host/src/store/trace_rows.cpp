#include "store/trace_rows.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace tinyllm::store::rows {
namespace {

using sqlite::Database;
using sqlite::Reset;
using sqlite::Statement;

// The end of a node execution in ms: the run's last sign of life once the node is recorded.
int64_t node_end_ms(const trace::NodeExecution &node) {
    return node.started_at_ms + node.duration_us / 1000;
}

std::optional<int64_t> finished_at(const trace::Run &run) {
    if (run.finished_at_ms == 0) return std::nullopt; // 0 means "not finished" in the model
    return run.finished_at_ms;
}

trace::RunStatus run_status(const Database &db, const std::string &text) {
    // A status this code does not know can only come from a newer writer; the schema version
    // check prevents that, so failing loudly beats guessing.
    if (auto status = trace::parse_run_status(text)) return *status;
    throw Error(ErrorCode::io, db.label() + ": unknown run status \"" + text + "\"");
}

trace::NodeStatus node_status(const Database &db, const std::string &text) {
    if (auto status = trace::parse_node_status(text)) return *status;
    throw Error(ErrorCode::io, db.label() + ": unknown node status \"" + text + "\"");
}

constexpr std::string_view kRunColumns =
    "id, graph_id, graph_version, status, input, output, answer, error_code, error_message, "
    "error_node, started_at_ms, finished_at_ms";

trace::Run read_run(const Database &db, const Statement &s) {
    trace::Run run;
    run.id = s.column_text(0);
    run.graph_id = s.column_text(1);
    run.graph_version = s.column_text(2);
    run.status = run_status(db, s.column_text(3));
    run.input = s.column_text(4);
    run.output = s.column_text(5);
    run.answer = s.column_text(6);
    run.error_code = s.column_text(7);
    run.error_message = s.column_text(8);
    run.error_node = s.column_text(9);
    run.started_at_ms = s.column_int64(10);
    run.finished_at_ms = s.column_int64(11);
    return run;
}

void insert_model_call(Database &db, std::string_view run_id, int64_t node_seq, int64_t idx,
                       const trace::ModelCall &call) {
    Statement &s =
        db.cached("INSERT INTO model_calls (run_id, node_seq, idx, model, backend, started_at_ms, "
                  "duration_us, prompt_tokens, completion_tokens, load_duration_ns, "
                  "prompt_eval_duration_ns, eval_duration_ns, total_duration_ns, error) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    const Reset reset(s);
    s.bind(1, run_id).bind(2, node_seq).bind(3, idx).bind(4, call.model).bind(5, call.backend);
    s.bind(6, call.started_at_ms).bind(7, call.duration_us);
    s.bind(8, call.prompt_tokens).bind(9, call.completion_tokens);
    s.bind(10, call.load_duration_ns).bind(11, call.prompt_eval_duration_ns);
    s.bind(12, call.eval_duration_ns).bind(13, call.total_duration_ns);
    s.bind_nullable(14, call.error);
    s.run();
}

void insert_tool_call(Database &db, std::string_view run_id, int64_t node_seq, int64_t idx,
                      const trace::ToolCall &call) {
    Statement &s =
        db.cached("INSERT INTO tool_calls (run_id, node_seq, idx, tool, arguments, result, "
                  "started_at_ms, duration_us, error) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    const Reset reset(s);
    s.bind(1, run_id).bind(2, node_seq).bind(3, idx).bind(4, call.tool).bind(5, call.arguments);
    s.bind_nullable(6, call.result).bind(7, call.started_at_ms).bind(8, call.duration_us);
    s.bind_nullable(9, call.error);
    s.run();
}

} // namespace

bool run_exists(Database &db, std::string_view run_id) {
    Statement &s = db.cached("SELECT 1 FROM runs WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, run_id);
    return s.step();
}

std::optional<trace::RunStatus> stored_status(Database &db, std::string_view run_id) {
    Statement &s = db.cached("SELECT status FROM runs WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, run_id);
    if (!s.step()) return std::nullopt;
    return run_status(db, s.column_text(0));
}

void insert_run(Database &db, const trace::Run &run, const Owner &owner) {
    Statement &s = db.cached(
        "INSERT INTO runs (id, graph_id, graph_version, status, input, started_at_ms, "
        "updated_at_ms, owner_host, owner_pid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)");
    const Reset reset(s);
    s.bind(1, run.id).bind(2, run.graph_id).bind(3, run.graph_version);
    s.bind(4, trace::to_string(trace::RunStatus::running)).bind(5, run.input);
    s.bind(6, run.started_at_ms).bind(7, owner.host).bind(8, owner.pid);
    s.run();
}

void upsert_finished_run(Database &db, const trace::Run &run, const Owner &owner) {
    // The start fields are kept from begin_run: they describe the run as it began. The final
    // fields are all overwritten, so a run wrongly marked interrupted is set right.
    Statement &s = db.cached(
        "INSERT INTO runs (id, graph_id, graph_version, status, input, output, answer, "
        "error_code, error_message, error_node, started_at_ms, finished_at_ms, updated_at_ms, "
        "owner_host, owner_pid) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
        "coalesce(?12, ?11), ?13, ?14) "
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, output = excluded.output, "
        "answer = excluded.answer, error_code = excluded.error_code, "
        "error_message = excluded.error_message, error_node = excluded.error_node, "
        "finished_at_ms = excluded.finished_at_ms, "
        "updated_at_ms = max(updated_at_ms, excluded.updated_at_ms)");
    const Reset reset(s);
    s.bind(1, run.id).bind(2, run.graph_id).bind(3, run.graph_version);
    s.bind(4, trace::to_string(run.status)).bind(5, run.input);
    s.bind_nullable(6, run.output).bind_nullable(7, run.answer);
    s.bind_nullable(8, run.error_code).bind_nullable(9, run.error_message);
    s.bind_nullable(10, run.error_node);
    s.bind(11, run.started_at_ms).bind(12, finished_at(run));
    s.bind(13, owner.host).bind(14, owner.pid);
    s.run();
}

void update_run_totals(Database &db, std::string_view run_id) {
    Statement &s =
        db.cached("UPDATE runs SET "
                  "duration_ms = finished_at_ms - started_at_ms, "
                  "node_count = (SELECT count(*) FROM node_executions WHERE run_id = ?1), "
                  "prompt_tokens = "
                  "(SELECT coalesce(sum(prompt_tokens), 0) FROM model_calls WHERE run_id = ?1), "
                  "completion_tokens = "
                  "(SELECT coalesce(sum(completion_tokens), 0) FROM model_calls WHERE run_id = ?1) "
                  "WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, run_id);
    s.run();
}

bool node_exists(Database &db, std::string_view run_id, int64_t seq) {
    Statement &s = db.cached("SELECT 1 FROM node_executions WHERE run_id = ?1 AND seq = ?2");
    const Reset reset(s);
    s.bind(1, run_id).bind(2, seq);
    return s.step();
}

void insert_node(Database &db, std::string_view run_id, const trace::NodeExecution &node) {
    {
        Statement &s = db.cached(
            "INSERT INTO node_executions (run_id, seq, node_id, node_type, attempt, visit, "
            "branch, started_at_ms, duration_us, status, input, output, route, error, error_code) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
        const Reset reset(s);
        s.bind(1, run_id).bind(2, node.seq).bind(3, node.node_id).bind(4, node.node_type);
        s.bind(5, node.attempt).bind(6, node.visit).bind(7, node.branch);
        s.bind(8, node.started_at_ms).bind(9, node.duration_us);
        s.bind(10, trace::to_string(node.status)).bind(11, node.input);
        s.bind_nullable(12, node.output).bind_nullable(13, node.route);
        s.bind_nullable(14, node.error).bind_nullable(15, node.error_code);
        s.run();
    }
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    for (size_t i = 0; i < node.model_calls.size(); ++i) {
        const trace::ModelCall &call = node.model_calls[i];
        insert_model_call(db, run_id, node.seq, static_cast<int64_t>(i), call);
        prompt_tokens += call.prompt_tokens.value_or(0);
        completion_tokens += call.completion_tokens.value_or(0);
    }
    for (size_t i = 0; i < node.tool_calls.size(); ++i) {
        insert_tool_call(db, run_id, node.seq, static_cast<int64_t>(i), node.tool_calls[i]);
    }
    // Running totals, so `runs list` shows a long run's progress; finish_run recomputes them
    // from the rows.
    Statement &s = db.cached(
        "UPDATE runs SET updated_at_ms = max(updated_at_ms, ?2), node_count = node_count + 1, "
        "prompt_tokens = prompt_tokens + ?3, completion_tokens = completion_tokens + ?4 "
        "WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, run_id).bind(2, node_end_ms(node)).bind(3, prompt_tokens);
    s.bind(4, completion_tokens);
    s.run();
}

std::vector<trace::Run> select_runs(Database &db, const RunQuery &query) {
    std::string sql = "SELECT " + std::string(kRunColumns) + " FROM runs";
    // Few shapes (at most 4), each cached; a parameter per filter keeps the index usable.
    const char *where = " WHERE ";
    if (query.status) {
        sql += where;
        sql += "status = ?1";
        where = " AND ";
    }
    if (query.graph_id) {
        sql += where;
        sql += "graph_id = ?2";
    }
    sql += " ORDER BY started_at_ms DESC, id DESC LIMIT ?3";
    Statement &s = db.cached(sql);
    const Reset reset(s);
    if (query.status) s.bind(1, *query.status);
    if (query.graph_id) s.bind(2, *query.graph_id);
    // LIMIT -1 is SQLite's "no limit".
    const auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
    s.bind(3, query.limit == 0 ? int64_t{-1} : static_cast<int64_t>(std::min(query.limit, max)));
    std::vector<trace::Run> runs;
    while (s.step())
        runs.push_back(read_run(db, s));
    return runs;
}

std::optional<trace::Run> select_run(Database &db, std::string_view id) {
    Statement &s = db.cached("SELECT " + std::string(kRunColumns) + " FROM runs WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_run(db, s);
}

std::vector<std::string> ids_with_prefix(Database &db, std::string_view prefix, size_t limit) {
    // A range on the primary key (ids >= prefix and < the next prefix) uses its index, unlike
    // LIKE or GLOB, which would also need their wildcards escaped. The upper bound is the prefix
    // with its last byte incremented; text compares bytewise (BINARY collation).
    std::string upper(prefix);
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff)
        upper.pop_back();
    const bool bounded = !upper.empty();
    if (bounded) upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
    Statement &s = db.cached(bounded ? "SELECT id FROM runs WHERE id >= ?1 AND id < ?2 ORDER BY id "
                                       "LIMIT ?3"
                                     : "SELECT id FROM runs WHERE id >= ?1 ORDER BY id LIMIT ?3");
    const Reset reset(s);
    s.bind(1, prefix);
    if (bounded) s.bind(2, upper);
    s.bind(3, static_cast<int64_t>(limit));
    std::vector<std::string> ids;
    while (s.step()) {
        std::string id = s.column_text(0);
        if (id.compare(0, prefix.size(), prefix) != 0) break; // only when unbounded
        ids.push_back(std::move(id));
    }
    return ids;
}

void load_nodes(Database &db, trace::Run &run) {
    std::map<int64_t, size_t> by_seq; // node seq -> index in run.nodes
    {
        Statement &s = db.cached(
            "SELECT seq, node_id, node_type, attempt, visit, branch, started_at_ms, duration_us, "
            "status, input, output, route, error, error_code FROM node_executions "
            "WHERE run_id = ?1 "
            "ORDER BY seq");
        const Reset reset(s);
        s.bind(1, run.id);
        while (s.step()) {
            trace::NodeExecution node;
            node.seq = s.column_int64(0);
            node.node_id = s.column_text(1);
            node.node_type = s.column_text(2);
            node.attempt = static_cast<int>(s.column_int64(3));
            node.visit = static_cast<int>(s.column_int64(4));
            node.branch = s.column_text(5);
            node.started_at_ms = s.column_int64(6);
            node.duration_us = s.column_int64(7);
            node.status = node_status(db, s.column_text(8));
            node.input = s.column_text(9);
            node.output = s.column_text(10);
            node.route = s.column_text(11);
            node.error = s.column_text(12);
            node.error_code = s.column_text(13);
            by_seq[node.seq] = run.nodes.size();
            run.nodes.push_back(std::move(node));
        }
    }
    {
        Statement &s = db.cached(
            "SELECT node_seq, model, backend, started_at_ms, duration_us, prompt_tokens, "
            "completion_tokens, load_duration_ns, prompt_eval_duration_ns, eval_duration_ns, "
            "total_duration_ns, error FROM model_calls WHERE run_id = ?1 ORDER BY node_seq, idx");
        const Reset reset(s);
        s.bind(1, run.id);
        while (s.step()) {
            trace::ModelCall call;
            call.model = s.column_text(1);
            call.backend = s.column_text(2);
            call.started_at_ms = s.column_int64(3);
            call.duration_us = s.column_int64(4);
            call.prompt_tokens = s.column_optional_int64(5);
            call.completion_tokens = s.column_optional_int64(6);
            call.load_duration_ns = s.column_optional_int64(7);
            call.prompt_eval_duration_ns = s.column_optional_int64(8);
            call.eval_duration_ns = s.column_optional_int64(9);
            call.total_duration_ns = s.column_optional_int64(10);
            call.error = s.column_text(11);
            // The foreign key guarantees the node exists.
            run.nodes[by_seq.at(s.column_int64(0))].model_calls.push_back(std::move(call));
        }
    }
    Statement &s =
        db.cached("SELECT node_seq, tool, arguments, result, started_at_ms, duration_us, error "
                  "FROM tool_calls WHERE run_id = ?1 ORDER BY node_seq, idx");
    const Reset reset(s);
    s.bind(1, run.id);
    while (s.step()) {
        trace::ToolCall call;
        call.tool = s.column_text(1);
        call.arguments = s.column_text(2);
        call.result = s.column_text(3);
        call.started_at_ms = s.column_int64(4);
        call.duration_us = s.column_int64(5);
        call.error = s.column_text(6);
        run.nodes[by_seq.at(s.column_int64(0))].tool_calls.push_back(std::move(call));
    }
}

std::vector<RunningRun> select_running(Database &db) {
    Statement &s = db.cached("SELECT id, owner_host, owner_pid, updated_at_ms FROM runs "
                             "WHERE status = ?1 ORDER BY started_at_ms");
    const Reset reset(s);
    s.bind(1, trace::to_string(trace::RunStatus::running));
    std::vector<RunningRun> running;
    while (s.step()) {
        running.push_back(RunningRun{s.column_text(0), Owner{s.column_text(1), s.column_int64(2)},
                                     s.column_int64(3)});
    }
    return running;
}

bool mark_interrupted(Database &db, std::string_view id, std::string_view error_code,
                      std::string_view message) {
    // Finished at its last sign of life: closer to the truth than "now", and keeps
    // duration_ms meaningful.
    Statement &s = db.cached("UPDATE runs SET status = ?2, error_code = ?3, error_message = ?4, "
                             "finished_at_ms = updated_at_ms WHERE id = ?1 AND status = ?5");
    const Reset reset(s);
    s.bind(1, id).bind(2, trace::to_string(trace::RunStatus::failed)).bind(3, error_code);
    s.bind(4, message).bind(5, trace::to_string(trace::RunStatus::running));
    s.run();
    if (db.changes() == 0) return false;
    update_run_totals(db, id);
    return true;
}

} // namespace tinyllm::store::rows
