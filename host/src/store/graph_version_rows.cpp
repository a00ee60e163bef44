#include "store/graph_version_rows.hpp"

namespace tinyllm::store::graph_version_rows {

namespace {

using sqlite::Database;
using sqlite::Reset;
using sqlite::Statement;

constexpr std::string_view kColumns =
    "graph_id, version, hash, parent, origin, strategy, rationale, touched_nodes, source, "
    "definition, created_at_ms, retired_at_ms";

GraphVersionRecord read_version(const Statement &s) {
    GraphVersionRecord v;
    v.graph_id = s.column_text(0);
    v.version = s.column_text(1);
    v.hash = s.column_text(2);
    v.parent = s.column_text(3);
    v.origin = parse_version_origin(s.column_text(4)).value_or(VersionOrigin::file);
    v.strategy = s.column_text(5);
    v.rationale = s.column_text(6);
    v.touched_nodes = s.column_text(7);
    v.source = s.column_text(8);
    v.definition = s.column_text(9);
    v.created_at_ms = s.column_int64(10);
    v.retired_at_ms = s.column_optional_int64(11);
    return v;
}

std::optional<GraphVersionRecord> select_one(Database &db, std::string_view where,
                                             std::string_view graph_id, std::string_view value) {
    Statement &s = db.cached("SELECT " + std::string(kColumns) +
                             " FROM graph_versions WHERE graph_id = ?1 AND " + std::string(where));
    const Reset reset(s);
    s.bind(1, graph_id).bind(2, value);
    if (!s.step()) return std::nullopt;
    return read_version(s);
}

GraphEventKind parse_kind(const std::string &text) {
    if (text == "promotion") return GraphEventKind::promotion;
    if (text == "rollback") return GraphEventKind::rollback;
    if (text == "auto_rollback") return GraphEventKind::auto_rollback;
    return GraphEventKind::file;
}

} // namespace

void insert_version(Database &db, const GraphVersionRecord &v) {
    Statement &s = db.cached("INSERT INTO graph_versions (" + std::string(kColumns) +
                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    const Reset reset(s);
    s.bind(1, v.graph_id).bind(2, v.version).bind(3, v.hash).bind_nullable(4, v.parent);
    s.bind(5, to_string(v.origin)).bind(6, v.strategy).bind(7, v.rationale);
    s.bind(8, v.touched_nodes.empty() ? std::string_view("[]") : v.touched_nodes);
    s.bind(9, v.source).bind(10, v.definition).bind(11, v.created_at_ms).bind(12, v.retired_at_ms);
    s.run();
}

std::optional<GraphVersionRecord> select_version(Database &db, std::string_view graph_id,
                                                 std::string_view version) {
    return select_one(db, "version = ?2", graph_id, version);
}

std::optional<GraphVersionRecord> select_by_hash(Database &db, std::string_view graph_id,
                                                 std::string_view hash) {
    return select_one(db, "hash = ?2", graph_id, hash);
}

std::vector<GraphVersionRecord> select_by_hash_prefix(Database &db, std::string_view graph_id,
                                                      std::string_view prefix, size_t limit) {
    Statement &s = db.cached("SELECT " + std::string(kColumns) +
                             " FROM graph_versions WHERE graph_id = ?1 AND substr(hash, 1, "
                             "length(?2)) = ?2 ORDER BY created_at_ms, version LIMIT ?3");
    const Reset reset(s);
    s.bind(1, graph_id).bind(2, prefix).bind(3, static_cast<int64_t>(limit));
    std::vector<GraphVersionRecord> out;
    while (s.step())
        out.push_back(read_version(s));
    return out;
}

std::vector<GraphVersionRecord> select_versions(Database &db, std::string_view graph_id) {
    Statement &s = db.cached("SELECT " + std::string(kColumns) +
                             " FROM graph_versions WHERE graph_id = ?1 "
                             "ORDER BY created_at_ms, version");
    const Reset reset(s);
    s.bind(1, graph_id);
    std::vector<GraphVersionRecord> out;
    while (s.step())
        out.push_back(read_version(s));
    return out;
}

std::vector<std::string> version_labels(Database &db, std::string_view graph_id) {
    Statement &s = db.cached("SELECT version FROM graph_versions WHERE graph_id = ?1");
    const Reset reset(s);
    s.bind(1, graph_id);
    std::vector<std::string> out;
    while (s.step())
        out.push_back(s.column_text(0));
    return out;
}

std::vector<std::string> graph_ids(Database &db) {
    Statement &s = db.cached("SELECT DISTINCT graph_id FROM graph_versions ORDER BY graph_id");
    const Reset reset(s);
    std::vector<std::string> out;
    while (s.step())
        out.push_back(s.column_text(0));
    return out;
}

void retire(Database &db, std::string_view graph_id, std::string_view version, int64_t at_ms) {
    Statement &s = db.cached("UPDATE graph_versions SET retired_at_ms = ?3 "
                             "WHERE graph_id = ?1 AND version = ?2 AND retired_at_ms IS NULL");
    const Reset reset(s);
    s.bind(1, graph_id).bind(2, version).bind(3, at_ms);
    s.run();
}

std::optional<std::string> active_version(Database &db, std::string_view graph_id) {
    Statement &s = db.cached("SELECT version FROM graph_active WHERE graph_id = ?1");
    const Reset reset(s);
    s.bind(1, graph_id);
    if (!s.step()) return std::nullopt;
    return s.column_text(0);
}

std::string file_hash(Database &db, std::string_view graph_id) {
    Statement &s = db.cached("SELECT file_hash FROM graph_active WHERE graph_id = ?1");
    const Reset reset(s);
    s.bind(1, graph_id);
    return s.step() ? s.column_text(0) : std::string();
}

void set_file_hash(Database &db, std::string_view graph_id, std::string_view hash) {
    Statement &s = db.cached("UPDATE graph_active SET file_hash = ?2 WHERE graph_id = ?1");
    const Reset reset(s);
    s.bind(1, graph_id).bind(2, hash);
    s.run();
}

void activate(Database &db, GraphEvent event) {
    event.from_version = active_version(db, event.graph_id).value_or("");
    {
        Statement &s = db.cached(
            "INSERT INTO graph_active (graph_id, version, changed_at_ms) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (graph_id) DO UPDATE SET version = excluded.version, "
            "changed_at_ms = excluded.changed_at_ms");
        const Reset reset(s);
        s.bind(1, event.graph_id).bind(2, event.to_version).bind(3, event.at_ms);
        s.run();
    }
    Statement &s = db.cached("INSERT INTO graph_events (graph_id, at_ms, kind, from_version, "
                             "to_version, experiment_id, reason) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    const Reset reset(s);
    s.bind(1, event.graph_id).bind(2, event.at_ms).bind(3, to_string(event.kind));
    s.bind_nullable(4, event.from_version).bind(5, event.to_version);
    s.bind_nullable(6, event.experiment_id).bind(7, event.reason);
    s.run();
}

std::vector<GraphEvent> select_events(Database &db, std::string_view graph_id) {
    Statement &s = db.cached("SELECT id, graph_id, at_ms, kind, from_version, to_version, "
                             "experiment_id, reason FROM graph_events WHERE graph_id = ?1 "
                             "ORDER BY id");
    const Reset reset(s);
    s.bind(1, graph_id);
    std::vector<GraphEvent> out;
    while (s.step()) {
        GraphEvent e;
        e.id = s.column_int64(0);
        e.graph_id = s.column_text(1);
        e.at_ms = s.column_int64(2);
        e.kind = parse_kind(s.column_text(3));
        e.from_version = s.column_text(4);
        e.to_version = s.column_text(5);
        e.experiment_id = s.column_text(6);
        e.reason = s.column_text(7);
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace tinyllm::store::graph_version_rows
