// The run store: every run of a graph (succeeded, failed or cancelled) with its full trace, in a
// SQLite database (<data_dir>/runs.db). SQLite because it is embedded, transactional and safe
// for several processes at once in WAL mode: no server to run.
//
// Recording is incremental so that a crash loses little: begin_run when a run starts, add_node as
// each node execution finishes, finish_run at the end. Every write is one transaction; a failed
// write throws Error(io) naming the file and SQLite's reason (nothing is dropped silently).
//
// One RunStore may be used from many threads at once, and several processes (two `tinyllm run`
// in parallel) may each open the same file.
//
// It also keeps what grading needs (grades.hpp: judges' verdicts, evaluations) and the metrics
// per node and graph version (metrics.hpp), rolled up per minute and per hour in the same
// transaction as the write that changes them: a run's end, a grade.
#pragma once

#include "store/grades.hpp"
#include "store/metrics.hpp"
#include "trace/trace.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::store {

namespace sqlite {
class Database;
}

struct StoreOptions {
    std::filesystem::path path; // <data_dir>/runs.db
    // How long a write (or a read) waits for another process's lock before failing.
    int busy_timeout_ms = 5000;
    // At open, a run still "running" with no recorded activity for this long is marked
    // interrupted (see RunStore::open); 0 or less turns that rule off.
    int64_t interrupted_after_ms = 24LL * 60 * 60 * 1000;
};

class RunStore {
public:
    // Open or create the store: creates missing parent directories (mode 0700) and the file
    // (0600: runs hold users' requests), turns on WAL, foreign keys, synchronous=NORMAL and the
    // busy timeout, and migrates the schema. A file that is not a TinyLLM run store, or has a
    // newer schema, is refused with Error(io) and left untouched.
    //
    // Then it marks as failed ("interrupted (the process ended before the run finished)") the
    // runs left "running" by a process that died. A run counts as interrupted when either
    //   - it was recorded on this host by a pid that no longer exists (a crash, kill -9), or
    //   - nothing was recorded for it (start, or a node finishing) for interrupted_after_ms
    //     (other hosts, reused pids).
    // A live run misjudged by the second rule is not lost: its add_node calls still land and
    // its finish_run overwrites the status.
    // Before that, a run whose process crashed in a plugin left the crash handler's line in
    // <dir of the store>/crashes/<run id> (runtime/crash_report.hpp): such a run is marked
    // failed with code "plugin" and that line ("crashed: plugin X crashed (SIGSEGV) in node
    // Y ..."), and the file is removed.
    static std::unique_ptr<RunStore> open(const StoreOptions &options);
    ~RunStore();
    RunStore(const RunStore &) = delete;
    RunStore &operator=(const RunStore &) = delete;

    const std::filesystem::path &path() const noexcept;

    // Record a run as soon as it starts, status running: id, graph_id, graph_version, input,
    // started_at_ms (run.nodes are ignored). An empty id, or an id already recorded, is
    // Error(invalid_argument). Ids come from new_run_id() (run_id.hpp).
    void begin_run(const trace::Run &run);

    // Append one node execution with its model and tool calls, as it finishes. The run must
    // have been begun (else Error(not_found)); a seq already recorded is Error(invalid_argument).
    void add_node(const std::string &run_id, const trace::NodeExecution &node);

    // Record the end: status (not running: Error(invalid_argument)), output, answer, error
    // fields, finished_at_ms; duration, node count and token sums are computed in SQL from the
    // stored rows. Nodes in run.nodes whose seq is not recorded yet are added, and a run never
    // begun is inserted whole, so finish_run alone also records a complete run.
    // In the same transaction, what the run counts (run_metrics.hpp, from the stored rows) is
    // added to the rollups of its start minute and hour. A run that had already ended (marked
    // interrupted, then finished by its live process) has its earlier counts taken back first,
    // so every ended run counts exactly once.
    void finish_run(const trace::Run &run);

    struct ListFilter {
        size_t limit = 20; // 0: no limit
        std::optional<trace::RunStatus> status;
        std::optional<std::string> graph_id;
    };
    // Newest first (by started_at_ms, then id); nodes are not loaded.
    std::vector<trace::Run> list(const ListFilter &filter) const;

    // The full trace (nodes by seq, each with its model and tool calls) of the run whose id is
    // `id_or_prefix`, or else the one run whose id starts with it; nullopt when none does. A
    // prefix shared by several runs is Error(invalid_argument) listing (some of) them.
    std::optional<trace::Run> get(const std::string &id_or_prefix) const;

    // Record a judge's verdict; returns its id. The score, when present, must be a number in
    // [0, 1]; a grade with an error (the judge failed) has no score and is not a pass; reasons
    // must be a JSON array and labels a JSON object ("" for none); node_id needs a run_id;
    // example_index is not negative; a missing judge name is refused: all Error(invalid_argument).
    // A run_id or evaluation_id that is not recorded is Error(not_found). created_at_ms 0 is
    // now. A grade of a run also counts in the metrics of the run's graph and version, for the
    // whole run and for the node it names (when it names one), in the minute and hour the run
    // started, in the same transaction.
    int64_t record_grade(const GradeRecord &grade);
    // By id (the order they were recorded).
    std::vector<GradeRecord> grades_of_run(const std::string &run_id) const;
    // By example index, then id.
    std::vector<GradeRecord> grades_of_evaluation(const std::string &evaluation_id) const;

    // Record an evaluation as it starts. An empty id, an id already recorded, or settings that
    // are not a JSON object ("" for none) is Error(invalid_argument).
    void begin_evaluation(const EvaluationRecord &evaluation);
    // Record its end: status complete or incomplete (running: Error(invalid_argument)); an
    // unknown id is Error(not_found).
    void finish_evaluation(const std::string &id, EvaluationStatus status, int64_t finished_at_ms);
    // The evaluation whose id is `id_or_prefix`, or else the one whose id starts with it;
    // nullopt when none does; a prefix shared by several is Error(invalid_argument).
    std::optional<EvaluationRecord> evaluation(const std::string &id_or_prefix) const;
    // Newest first (by started_at_ms, then id); limit 0 = all.
    std::vector<EvaluationRecord> list_evaluations(size_t limit) const;

    // Metrics per node over a window (metrics.hpp): by time from the rollups, or over the last
    // N finished runs recounted from their rows, in one read snapshot. A query with both is
    // Error(invalid_argument), as is an empty window.
    MetricsReport metrics(const MetricsQuery &query) const;

    // Mark as interrupted the runs still running with no recorded activity for `idle_ms`
    // (regardless of owner). Returns how many were marked. open() applies this with
    // interrupted_after_ms; a caller that knows better (e.g. `tinyllm runs recover`) may call it.
    size_t recover_interrupted(int64_t idle_ms);

    // Deletes the runs that started before `before_ms` and have ended (a run still running is
    // kept), with their node executions, model and tool calls and grades; returns how many.
    // In transactions of at most `batch` runs, so that the runs being recorded meanwhile wait
    // for one batch at most. The per-minute and per-hour metrics they counted stay; the file
    // does not shrink (SQLite reuses the freed pages for the runs to come).
    size_t delete_runs_before(int64_t before_ms, size_t batch = 500);

    // For the stores that keep their tables in this database (graph_store.hpp): `body` in one
    // write transaction, or under the lock for reading, both retried while another process holds
    // the database and with SQLite's failures turned into one Error naming the file and `what`.
    void write_transaction(const std::string &what,
                           const std::function<void(sqlite::Database &)> &body);
    void read(const std::string &what, const std::function<void(sqlite::Database &)> &body) const;

    // The error message given to interrupted runs.
    static constexpr const char *kInterruptedMessage =
        "interrupted (the process ended before the run finished)";

private:
    struct Impl;
    explicit RunStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace tinyllm::store
