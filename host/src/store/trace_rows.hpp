// The mapping between the trace model (trace::Run and what it holds) and the rows of the run
// store's tables: the SQL of each read and write, and which field goes to which column. No
// locking or transactions here: RunStore wraps these calls in both.
#pragma once

#include "store/owner.hpp"
#include "store/sqlite.hpp"
#include "trace/trace.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::store::rows {

// Writes.
bool run_exists(sqlite::Database &db, std::string_view run_id);
// The run's stored status; nullopt when it is not recorded.
std::optional<trace::RunStatus> stored_status(sqlite::Database &db, std::string_view run_id);
void insert_run(sqlite::Database &db, const trace::Run &run, const Owner &owner);
// Insert or, when begun, update the final fields of `run`.
void upsert_finished_run(sqlite::Database &db, const trace::Run &run, const Owner &owner);
// duration_ms, node_count and the token sums, from the stored rows.
void update_run_totals(sqlite::Database &db, std::string_view run_id);
bool node_exists(sqlite::Database &db, std::string_view run_id, int64_t seq);
// The node, its model and tool calls, and the run's progress (last activity, running totals).
void insert_node(sqlite::Database &db, std::string_view run_id, const trace::NodeExecution &node);

// Reads.
struct RunQuery {
    size_t limit = 0; // 0: all
    std::optional<std::string_view> status;
    std::optional<std::string_view> graph_id;
};
std::vector<trace::Run> select_runs(sqlite::Database &db, const RunQuery &query);
std::optional<trace::Run> select_run(sqlite::Database &db, std::string_view id);
// Up to `limit` ids starting with `prefix`, in order.
std::vector<std::string> ids_with_prefix(sqlite::Database &db, std::string_view prefix,
                                         size_t limit);
// Fill run.nodes (by seq) with their model and tool calls (by idx).
void load_nodes(sqlite::Database &db, trace::Run &run);

// Recovery of interrupted runs.
struct RunningRun {
    std::string id;
    Owner owner;
    int64_t updated_at_ms = 0;
};
std::vector<RunningRun> select_running(sqlite::Database &db);
// Mark `id` failed with `message`, finished at its last activity, if it is still running.
// Returns whether it was.
bool mark_interrupted(sqlite::Database &db, std::string_view id, std::string_view error_code,
                      std::string_view message);

} // namespace tinyllm::store::rows
