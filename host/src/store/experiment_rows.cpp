#include "store/experiment_rows.hpp"

namespace tinyllm::store::experiment_rows {

namespace {

using sqlite::Database;
using sqlite::Reset;
using sqlite::Statement;

constexpr std::string_view kColumns =
    "id, graph_id, node_id, strategy, base_version, candidate_version, trigger, status, judge, "
    "share, started_at_ms, decided_at_ms, decision, evidence, settings";

ExperimentRecord read_experiment(const Statement &s) {
    ExperimentRecord e;
    e.id = s.column_text(0);
    e.graph_id = s.column_text(1);
    e.node_id = s.column_text(2);
    e.strategy = s.column_text(3);
    e.base_version = s.column_text(4);
    e.candidate_version = s.column_text(5);
    e.trigger = s.column_text(6);
    e.status = parse_experiment_status(s.column_text(7)).value_or(ExperimentStatus::cancelled);
    e.judge = s.column_text(8);
    e.share = s.column_double(9);
    e.started_at_ms = s.column_int64(10);
    e.decided_at_ms = s.column_optional_int64(11);
    e.decision = s.column_text(12);
    e.evidence = s.column_text(13);
    e.settings = s.column_text(14);
    return e;
}

std::string_view or_empty_object(const std::string &text) {
    return text.empty() ? std::string_view("{}") : std::string_view(text);
}

std::vector<ExperimentRecord> read_all(Statement &s) {
    std::vector<ExperimentRecord> out;
    while (s.step())
        out.push_back(read_experiment(s));
    return out;
}

} // namespace

void insert_experiment(Database &db, const ExperimentRecord &e) {
    Statement &s =
        db.cached("INSERT INTO experiments (" + std::string(kColumns) +
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    const Reset reset(s);
    s.bind(1, e.id).bind(2, e.graph_id).bind(3, e.node_id).bind(4, e.strategy);
    s.bind(5, e.base_version).bind(6, e.candidate_version).bind(7, e.trigger);
    s.bind(8, to_string(e.status)).bind(9, e.judge).bind_double(10, e.share);
    s.bind(11, e.started_at_ms).bind(12, e.decided_at_ms).bind(13, e.decision);
    s.bind(14, or_empty_object(e.evidence)).bind(15, or_empty_object(e.settings));
    s.run();
}

std::optional<ExperimentRecord> select_experiment(Database &db, std::string_view id) {
    Statement &s = db.cached("SELECT " + std::string(kColumns) + " FROM experiments WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_experiment(s);
}

bool update_experiment(Database &db, const ExperimentRecord &e) {
    Statement &s = db.cached("UPDATE experiments SET status = ?2, decided_at_ms = ?3, "
                             "decision = ?4, evidence = ?5 WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, e.id).bind(2, to_string(e.status)).bind(3, e.decided_at_ms).bind(4, e.decision);
    s.bind(5, or_empty_object(e.evidence));
    s.run();
    return db.changes() > 0;
}

std::vector<ExperimentRecord> select_experiments(Database &db, std::string_view graph_id,
                                                 size_t limit) {
    Statement &s = db.cached("SELECT " + std::string(kColumns) +
                             " FROM experiments WHERE (?1 = '' OR graph_id = ?1) "
                             "ORDER BY started_at_ms DESC, id DESC LIMIT ?2");
    const Reset reset(s);
    s.bind(1, graph_id).bind(2, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
    return read_all(s);
}

std::vector<ExperimentRecord> select_in_progress(Database &db) {
    Statement &s = db.cached("SELECT " + std::string(kColumns) +
                             " FROM experiments WHERE status IN ('offline', 'live', 'paused') "
                             "ORDER BY started_at_ms, id");
    const Reset reset(s);
    return read_all(s);
}

int64_t insert_outcome(Database &db, const ExperimentOutcome &o) {
    Statement &s = db.cached(
        "INSERT INTO experiment_outcomes (experiment_id, phase, arm, seq, input_hash, run_id, "
        "pass, score, created_at_ms) "
        "SELECT ?1, ?2, ?3, COALESCE(MAX(seq) + 1, 0), ?4, ?5, ?6, ?7, ?8 "
        "FROM experiment_outcomes WHERE experiment_id = ?1 AND phase = ?2 AND arm = ?3 "
        "RETURNING seq");
    const Reset reset(s);
    s.bind(1, o.experiment_id).bind(2, to_string(o.phase));
    s.bind(3, o.candidate ? "candidate" : "base").bind(4, o.input_hash).bind_nullable(5, o.run_id);
    if (o.pass) {
        s.bind(6, int64_t{*o.pass ? 1 : 0});
    } else {
        s.bind_null(6);
    }
    if (o.score) {
        s.bind_double(7, *o.score);
    } else {
        s.bind_null(7);
    }
    s.bind(8, o.created_at_ms);
    const int64_t seq = s.step() ? s.column_int64(0) : 0;
    while (s.step()) {
    }
    return seq;
}

std::vector<ExperimentOutcome> select_outcomes(Database &db, std::string_view experiment_id,
                                               ExperimentPhase phase) {
    Statement &s = db.cached("SELECT arm, seq, input_hash, run_id, pass, score, created_at_ms "
                             "FROM experiment_outcomes WHERE experiment_id = ?1 AND phase = ?2 "
                             "ORDER BY arm, seq");
    const Reset reset(s);
    s.bind(1, experiment_id).bind(2, to_string(phase));
    std::vector<ExperimentOutcome> out;
    while (s.step()) {
        ExperimentOutcome o;
        o.experiment_id = std::string(experiment_id);
        o.phase = phase;
        o.candidate = s.column_text(0) == "candidate";
        o.seq = s.column_int64(1);
        o.input_hash = s.column_text(2);
        o.run_id = s.column_text(3);
        if (auto pass = s.column_optional_int64(4)) o.pass = *pass != 0;
        o.score = s.column_optional_double(5);
        o.created_at_ms = s.column_int64(6);
        out.push_back(std::move(o));
    }
    return out;
}

int64_t insert_event(Database &db, const ExpansionEvent &e) {
    Statement &s = db.cached("INSERT INTO expansion_events (graph_id, graph_version, node_id, "
                             "at_ms, kind, strategy, detail, experiment_id) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    const Reset reset(s);
    s.bind(1, e.graph_id).bind(2, e.graph_version).bind(3, e.node_id).bind(4, e.at_ms);
    s.bind(5, to_string(e.kind)).bind(6, e.strategy).bind(7, e.detail);
    s.bind_nullable(8, e.experiment_id);
    s.run();
    return db.last_insert_rowid();
}

std::vector<ExpansionEvent> select_events(Database &db, std::string_view graph_id, size_t limit) {
    Statement &s = db.cached("SELECT id, graph_id, graph_version, node_id, at_ms, kind, strategy, "
                             "detail, experiment_id FROM expansion_events "
                             "WHERE (?1 = '' OR graph_id = ?1) ORDER BY id DESC LIMIT ?2");
    const Reset reset(s);
    s.bind(1, graph_id).bind(2, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
    std::vector<ExpansionEvent> out;
    while (s.step()) {
        ExpansionEvent e;
        e.id = s.column_int64(0);
        e.graph_id = s.column_text(1);
        e.graph_version = s.column_text(2);
        e.node_id = s.column_text(3);
        e.at_ms = s.column_int64(4);
        e.kind = parse_expansion_event_kind(s.column_text(5)).value_or(ExpansionEventKind::pending);
        e.strategy = s.column_text(6);
        e.detail = s.column_text(7);
        e.experiment_id = s.column_text(8);
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace tinyllm::store::experiment_rows
