// The rows of graph_versions, graph_active and graph_events (graph_versions.hpp). As in the other
// *_rows.hpp: no locking or transactions here; RunStore wraps each use in one transaction.
#pragma once

#include "store/graph_versions.hpp"
#include "store/sqlite.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::store::graph_version_rows {

void insert_version(sqlite::Database &db, const GraphVersionRecord &version);
std::optional<GraphVersionRecord> select_version(sqlite::Database &db, std::string_view graph_id,
                                                 std::string_view version);
std::optional<GraphVersionRecord> select_by_hash(sqlite::Database &db, std::string_view graph_id,
                                                 std::string_view hash);
// Versions whose hash starts with `prefix` (at most `limit`).
std::vector<GraphVersionRecord> select_by_hash_prefix(sqlite::Database &db,
                                                      std::string_view graph_id,
                                                      std::string_view prefix, size_t limit);
// Oldest first (by created_at_ms, then version).
std::vector<GraphVersionRecord> select_versions(sqlite::Database &db, std::string_view graph_id);
std::vector<std::string> version_labels(sqlite::Database &db, std::string_view graph_id);
// Graphs with a recorded version, by id.
std::vector<std::string> graph_ids(sqlite::Database &db);
void retire(sqlite::Database &db, std::string_view graph_id, std::string_view version,
            int64_t at_ms);

std::optional<std::string> active_version(sqlite::Database &db, std::string_view graph_id);
// The hash of the graph's file content when it was last read ("" when never).
std::string file_hash(sqlite::Database &db, std::string_view graph_id);
// After activate: the file content that was read.
void set_file_hash(sqlite::Database &db, std::string_view graph_id, std::string_view hash);
// Sets the active version and appends the event; from_version is filled in from the table.
void activate(sqlite::Database &db, GraphEvent event);
// Oldest first.
std::vector<GraphEvent> select_events(sqlite::Database &db, std::string_view graph_id);

} // namespace tinyllm::store::graph_version_rows
