#include "store/grade_rows.hpp"

#include <algorithm>
#include <limits>

namespace tinyllm::store::grade_rows {
namespace {

using sqlite::Database;
using sqlite::Reset;
using sqlite::Statement;

constexpr std::string_view kGradeColumns =
    "id, run_id, node_id, evaluation_id, example_index, example_id, judge, score, pass, error, "
    "reasons, labels, expected, created_at_ms, context";

GradeRecord read_grade(const Statement &s) {
    GradeRecord g;
    g.id = s.column_int64(0);
    g.run_id = s.column_text(1);
    g.node_id = s.column_text(2);
    g.evaluation_id = s.column_text(3);
    g.example_index = s.column_optional_int64(4);
    g.example_id = s.column_text(5);
    g.judge = s.column_text(6);
    g.score = s.column_optional_double(7);
    if (auto pass = s.column_optional_int64(8)) g.pass = *pass != 0;
    g.error = s.column_text(9);
    g.reasons = s.column_text(10);
    g.labels = s.column_text(11);
    if (!s.column_is_null(12)) g.expected = s.column_text(12);
    g.created_at_ms = s.column_int64(13);
    g.context = s.column_text(14);
    return g;
}

constexpr std::string_view kEvaluationColumns =
    "id, dataset, dataset_sha256, graph_id, graph_version, judge, started_at_ms, finished_at_ms, "
    "status, example_count, settings";

EvaluationRecord read_evaluation(const Database &db, const Statement &s) {
    EvaluationRecord e;
    e.id = s.column_text(0);
    e.dataset = s.column_text(1);
    e.dataset_sha256 = s.column_text(2);
    e.graph_id = s.column_text(3);
    e.graph_version = s.column_text(4);
    e.judge = s.column_text(5);
    e.started_at_ms = s.column_int64(6);
    e.finished_at_ms = s.column_int64(7);
    const std::string status = s.column_text(8);
    const auto parsed = parse_evaluation_status(status);
    // The CHECK constraint admits only known names; anything else is a newer writer's.
    if (!parsed) {
        throw Error(ErrorCode::io, db.label() + ": unknown evaluation status \"" + status + "\"");
    }
    e.status = *parsed;
    e.example_count = s.column_int64(9);
    e.settings = s.column_text(10);
    return e;
}

std::vector<GradeRecord> all_grades(Statement &s) {
    std::vector<GradeRecord> out;
    while (s.step())
        out.push_back(read_grade(s));
    return out;
}

} // namespace

int64_t insert_grade(Database &db, const GradeRecord &g) {
    Statement &s =
        db.cached("INSERT INTO grades (run_id, node_id, evaluation_id, example_index, "
                  "example_id, judge, score, pass, error, reasons, labels, expected, "
                  "created_at_ms, context) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    const Reset reset(s);
    s.bind_nullable(1, g.run_id).bind(2, g.node_id).bind_nullable(3, g.evaluation_id);
    s.bind(4, g.example_index).bind_nullable(5, g.example_id).bind(6, g.judge);
    if (g.score) {
        s.bind_double(7, *g.score);
    } else {
        s.bind_null(7);
    }
    if (g.pass) {
        s.bind(8, int64_t{*g.pass ? 1 : 0});
    } else {
        s.bind_null(8);
    }
    s.bind_nullable(9, g.error).bind(10, g.reasons).bind(11, g.labels);
    if (g.expected) {
        s.bind(12, *g.expected);
    } else {
        s.bind_null(12);
    }
    s.bind(13, g.created_at_ms).bind(14, g.context.empty() ? std::string_view("{}") : g.context);
    s.run();
    return db.last_insert_rowid();
}

std::vector<GradeRecord> grades_of_run(Database &db, std::string_view run_id) {
    Statement &s = db.cached("SELECT " + std::string(kGradeColumns) +
                             " FROM grades WHERE run_id = ?1 ORDER BY id");
    const Reset reset(s);
    s.bind(1, run_id);
    return all_grades(s);
}

std::vector<GradeRecord> grades_of_evaluation(Database &db, std::string_view evaluation_id) {
    Statement &s = db.cached("SELECT " + std::string(kGradeColumns) +
                             " FROM grades WHERE evaluation_id = ?1 ORDER BY example_index, id");
    const Reset reset(s);
    s.bind(1, evaluation_id);
    return all_grades(s);
}

bool evaluation_exists(Database &db, std::string_view id) {
    Statement &s = db.cached("SELECT 1 FROM evaluations WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, id);
    return s.step();
}

void insert_evaluation(Database &db, const EvaluationRecord &e) {
    Statement &s = db.cached("INSERT INTO evaluations (id, dataset, dataset_sha256, graph_id, "
                             "graph_version, judge, started_at_ms, finished_at_ms, status, "
                             "example_count, settings) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    const Reset reset(s);
    s.bind(1, e.id).bind(2, e.dataset).bind(3, e.dataset_sha256).bind(4, e.graph_id);
    s.bind(5, e.graph_version).bind(6, e.judge).bind(7, e.started_at_ms);
    s.bind(8, e.finished_at_ms == 0 ? std::nullopt : std::optional<int64_t>(e.finished_at_ms));
    s.bind(9, to_string(e.status)).bind(10, e.example_count).bind(11, e.settings);
    s.run();
}

bool finish_evaluation(Database &db, std::string_view id, EvaluationStatus status,
                       int64_t finished_at_ms) {
    Statement &s =
        db.cached("UPDATE evaluations SET status = ?2, finished_at_ms = ?3 WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, id).bind(2, to_string(status)).bind(3, finished_at_ms);
    s.run();
    return db.changes() > 0;
}

std::optional<EvaluationRecord> select_evaluation(Database &db, std::string_view id) {
    Statement &s =
        db.cached("SELECT " + std::string(kEvaluationColumns) + " FROM evaluations WHERE id = ?1");
    const Reset reset(s);
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_evaluation(db, s);
}

std::vector<std::string> evaluation_ids_with_prefix(Database &db, std::string_view prefix,
                                                    size_t limit) {
    // As rows::ids_with_prefix: a range on the primary key, which LIKE could not use.
    std::string upper(prefix);
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff)
        upper.pop_back();
    const bool bounded = !upper.empty();
    if (bounded) upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
    Statement &s = db.cached(bounded ? "SELECT id FROM evaluations WHERE id >= ?1 AND id < ?2 "
                                       "ORDER BY id LIMIT ?3"
                                     : "SELECT id FROM evaluations WHERE id >= ?1 ORDER BY id "
                                       "LIMIT ?3");
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

std::vector<EvaluationRecord> list_evaluations(Database &db, size_t limit) {
    Statement &s = db.cached("SELECT " + std::string(kEvaluationColumns) +
                             " FROM evaluations ORDER BY started_at_ms DESC, id DESC LIMIT ?1");
    const Reset reset(s);
    const auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
    s.bind(1, limit == 0 ? int64_t{-1} : static_cast<int64_t>(std::min(limit, max)));
    std::vector<EvaluationRecord> out;
    while (s.step())
        out.push_back(read_evaluation(db, s));
    return out;
}

} // namespace tinyllm::store::grade_rows
