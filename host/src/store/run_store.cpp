#include "store/run_store.hpp"

#include "store/grade_rows.hpp"
#include "store/metric_rows.hpp"
#include "store/metrics_query.hpp"
#include "store/migrations.hpp"
#include "store/owner.hpp"
#include "store/sqlite.hpp"
#include "store/trace_rows.hpp"

#include "tinyllm/json.hpp"
#include "tinyllm/wall_clock.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <type_traits>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tinyllm::store {
namespace {

namespace fs = std::filesystem;
using sqlite::SqliteError;
using sqlite::Transaction;

constexpr size_t kMaxCandidates = 10; // ids listed in an "ambiguous prefix" error

[[noreturn]] void fail_errno(const std::string &label, const std::string &what) {
    throw Error(ErrorCode::io, label + ": " + what + ": " + std::strerror(errno));
}

// Missing parent directories, created 0700 (one by one: create_directories cannot set a
// mode, and an existing directory's mode is not ours to change).
void create_parent_dirs(const fs::path &file, const std::string &label) {
    std::vector<fs::path> missing;
    std::error_code ec;
    for (fs::path dir = file.parent_path(); !dir.empty() && !fs::exists(dir, ec);
         dir = dir.parent_path()) {
        missing.push_back(dir);
        if (dir == dir.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
            fail_errno(label, "cannot create directory " + it->string());
        }
    }
}

// Create the file 0600 before SQLite does (it would use 0644): runs hold users' requests, and
// SQLite gives its -wal and -shm files the database file's mode. An empty file is a valid empty
// database.
void create_private_file(const fs::path &file, const std::string &label) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return;
    }
    if (errno != EEXIST) fail_errno(label, "cannot create the file");
}

// Mark a run interrupted and, when it was still running, count it: an interrupted run ends
// there (as failed), so its rollup is written in the same transaction as any other end.
bool end_interrupted(sqlite::Database &db, const std::string &id, std::string_view error_code,
                     std::string_view message) {
    if (!rows::mark_interrupted(db, id, error_code, message)) return false;
    if (auto run = metric_rows::read_run(db, id)) metric_rows::apply_run(db, *run, 1);
    return true;
}

// `text` when it is JSON of the `kind` wanted ("" stands for the empty one), else
// Error(invalid_argument) naming `what`.
std::string checked_json(const std::string &label, const std::string &what, const std::string &text,
                         rapidjson::Type kind) {
    const bool array = kind == rapidjson::kArrayType;
    if (text.empty()) return array ? "[]" : "{}";
    json::Document doc;
    if (!json::parse_into(doc, text) || doc.GetType() != kind) {
        throw Error(ErrorCode::invalid_argument,
                    label + ": " + what + " must be a JSON " + (array ? "array" : "object") +
                        ", not " + (text.size() > 60 ? text.substr(0, 57) + "..." : text));
    }
    return text;
}

void check_grade(const std::string &label, const GradeRecord &g) {
    auto refuse = [&](const std::string &why) {
        throw Error(ErrorCode::invalid_argument, label + ": cannot record a grade: " + why);
    };
    if (g.judge.empty()) refuse("no judge named");
    if (g.score && !(std::isfinite(*g.score) && *g.score >= 0.0 && *g.score <= 1.0)) {
        char score[32];
        std::snprintf(score, sizeof score, "%g", *g.score);
        refuse(std::string("score ") + score + " is outside [0, 1]");
    }
    if (!g.error.empty() && (g.score || g.pass.value_or(false))) {
        refuse("a grade whose judge failed has no score and is not a pass");
    }
    if (!g.node_id.empty() && g.run_id.empty()) refuse("node " + g.node_id + " but no run");
    if (g.example_index && *g.example_index < 0) refuse("negative example index");
}

} // namespace

// Threads: one connection per RunStore, behind a mutex. SQLite lets only one writer at a time
// into a database anyway, so connections per thread would not write in parallel: they would
// queue in SQLite's busy handler instead (sleep-and-poll, unfair, ending in SQLITE_BUSY under
// load), and each would need its own prepared statements. A mutex queues writers fairly and
// cheaply, the hot statements are prepared once, and reads (listing, one trace) are rare and
// short. Processes: WAL lets readers run beside the one writer; writers take the lock at BEGIN
// IMMEDIATE, wait for it up to busy_timeout_ms, and the few SQLITE_BUSY cases that SQLite
// returns without waiting are retried within the same budget (with_retry).
struct RunStore::Impl {
    StoreOptions options;
    std::string label; // "run store <path>", starts every error message
    Owner owner = current_owner();
    std::mutex mutex;
    sqlite::Database db;

    Impl(StoreOptions options_in, std::string label_in)
        : options(std::move(options_in)), label(std::move(label_in)), db(options.path, label) {}

    // Run `body` again while it fails with SQLITE_BUSY, until busy_timeout_ms is spent. `body`
    // must be a whole transaction (or none), so that a retry starts from a clean state.
    template <class F> auto with_retry(F &&body) -> decltype(body()) {
        using namespace std::chrono;
        const auto deadline = steady_clock::now() + milliseconds(options.busy_timeout_ms);
        for (int attempt = 0;; ++attempt) {
            try {
                return body();
            } catch (const SqliteError &e) {
                if (!e.busy() || steady_clock::now() >= deadline) throw;
            }
            std::this_thread::sleep_for(milliseconds(std::min(1 << std::min(attempt, 6), 50)));
        }
    }

    // Run `body` under the mutex, retried when busy; an SQLite failure becomes one line naming
    // the file, what was being done and SQLite's reason.
    template <class F> auto guarded(const std::string &what, F &&body) -> decltype(body()) {
        const std::lock_guard lock(mutex);
        try {
            return with_retry(body);
        } catch (const SqliteError &e) {
            std::string message = label + ": " + what + ": " + e.sqlite_message();
            if (e.busy()) {
                message += " (another process held it for more than " +
                           std::to_string(options.busy_timeout_ms) + " ms)";
            }
            throw Error(e.constraint() ? ErrorCode::invalid_argument : ErrorCode::io, message);
        }
    }

    // `body` in one write transaction.
    template <class F> void write(const std::string &what, F &&body) {
        guarded(what, [&] {
            Transaction transaction(db, Transaction::Mode::immediate);
            body();
            transaction.commit();
        });
    }

    void configure() {
        db.set_busy_timeout(options.busy_timeout_ms);
        // The first statement that reads the file: a file that is not a database fails here.
        const std::string mode = db.query_text("PRAGMA journal_mode = WAL");
        if (mode != "wal") {
            throw Error(ErrorCode::io, label + ": cannot use WAL mode (journal mode stays \"" +
                                           mode + "\"); a run store needs a local file system");
        }
        // Per connection, not stored in the file: set on every open.
        db.exec("PRAGMA foreign_keys = ON");
        // NORMAL in WAL mode: a power cut may lose the last transactions but never corrupts the
        // file, and commits do not wait for fsync (add_node is on the run's path).
        db.exec("PRAGMA synchronous = NORMAL");
        // Before migrating: v2's step writes rollups, which merge histograms with it.
        metric_rows::register_functions(db);
        migrations::migrate(db);
    }

    // Runs to mark interrupted: those whose owner is gone, and those idle for `idle_ms`.
    std::vector<std::string> interrupted(bool by_owner, int64_t idle_ms) {
        const auto running =
            guarded("cannot look for interrupted runs", [&] { return rows::select_running(db); });
        const int64_t now = now_ms();
        std::vector<std::string> ids;
        for (const rows::RunningRun &run : running) {
            const bool idle = idle_ms > 0 && run.updated_at_ms < now - idle_ms;
            if (idle || (by_owner && owner_is_gone(run.owner))) ids.push_back(run.id);
        }
        return ids;
    }

    // The runs the crash handler left a line for (crash_report.hpp): failed as crashed.
    void mark_crashed(const std::filesystem::path &dir) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) return;
        for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
            const std::string id = entry.path().filename().string();
            std::ifstream in(entry.path());
            std::string line;
            std::getline(in, line);
            if (line.rfind("tinyllm: fatal: ", 0) == 0) line.erase(0, 16);
            if (line.empty()) line = "the process crashed";
            write("cannot mark a crashed run", [&] {
                end_interrupted(db, id, to_string(ErrorCode::plugin), "crashed: " + line);
            });
            std::filesystem::remove(entry.path(), ec);
        }
    }

    size_t mark_interrupted(const std::vector<std::string> &ids) {
        if (ids.empty()) return 0; // no write lock taken on the common path
        size_t marked = 0;
        write("cannot mark interrupted runs", [&] {
            marked = 0; // a retried transaction starts over
            for (const std::string &id : ids) {
                // Re-checked in the transaction: the run may have finished meanwhile.
                if (end_interrupted(db, id, to_string(ErrorCode::internal), kInterruptedMessage)) {
                    ++marked;
                }
            }
        });
        return marked;
    }
};

RunStore::RunStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RunStore::~RunStore() = default;

std::unique_ptr<RunStore> RunStore::open(const StoreOptions &options) {
    if (options.path.empty()) {
        throw Error(ErrorCode::invalid_argument, "run store: no database path given");
    }
    const std::string label = "run store " + options.path.string();
    create_parent_dirs(options.path, label);
    create_private_file(options.path, label);
    auto impl = std::make_unique<Impl>(options, label);
    try {
        impl->with_retry([&] { impl->configure(); });
    } catch (const SqliteError &e) {
        if (e.not_a_database()) {
            throw Error(ErrorCode::io, label + ": not a TinyLLM run store: " + e.sqlite_message());
        }
        throw Error(ErrorCode::io, label + ": cannot open: " + e.sqlite_message());
    }
    impl->mark_crashed(options.path.parent_path() / "crashes");
    impl->mark_interrupted(impl->interrupted(true, options.interrupted_after_ms));
    return std::unique_ptr<RunStore>(new RunStore(std::move(impl)));
}

const std::filesystem::path &RunStore::path() const noexcept {
    return impl_->options.path;
}

void RunStore::begin_run(const trace::Run &run) {
    Impl &impl = *impl_;
    if (run.id.empty()) {
        throw Error(ErrorCode::invalid_argument, impl.label + ": cannot record a run without id");
    }
    impl.write("cannot record the start of run " + run.id, [&] {
        if (rows::run_exists(impl.db, run.id)) {
            throw Error(ErrorCode::invalid_argument,
                        impl.label + ": run " + run.id + " is already recorded");
        }
        rows::insert_run(impl.db, run, impl.owner);
    });
}

void RunStore::add_node(const std::string &run_id, const trace::NodeExecution &node) {
    Impl &impl = *impl_;
    const std::string what = "cannot record node " + std::to_string(node.seq) + " (" +
                             node.node_id + ") of run " + run_id;
    impl.write(what, [&] {
        try {
            rows::insert_node(impl.db, run_id, node);
        } catch (const SqliteError &e) {
            if (!e.foreign_key()) throw;
            throw Error(ErrorCode::not_found,
                        impl.label + ": " + what + ": no such run (begin_run first)");
        }
    });
}

void RunStore::finish_run(const trace::Run &run) {
    Impl &impl = *impl_;
    if (run.id.empty()) {
        throw Error(ErrorCode::invalid_argument, impl.label + ": cannot record a run without id");
    }
    if (run.status == trace::RunStatus::running) {
        throw Error(ErrorCode::invalid_argument,
                    impl.label + ": cannot finish run " + run.id + " with status running");
    }
    impl.write("cannot record the end of run " + run.id, [&] {
        const auto before = rows::stored_status(impl.db, run.id);
        if (before && *before != trace::RunStatus::running) {
            if (auto counted = metric_rows::read_run(impl.db, run.id)) {
                metric_rows::apply_run(impl.db, *counted, -1);
            }
        }
        rows::upsert_finished_run(impl.db, run, impl.owner);
        for (const trace::NodeExecution &node : run.nodes) {
            if (!rows::node_exists(impl.db, run.id, node.seq)) {
                rows::insert_node(impl.db, run.id, node);
            }
        }
        rows::update_run_totals(impl.db, run.id);
        if (auto ended = metric_rows::read_run(impl.db, run.id)) {
            metric_rows::apply_run(impl.db, *ended, 1);
        }
    });
}

std::vector<trace::Run> RunStore::list(const ListFilter &filter) const {
    Impl &impl = *impl_;
    rows::RunQuery query;
    query.limit = filter.limit;
    if (filter.status) query.status = trace::to_string(*filter.status);
    if (filter.graph_id) query.graph_id = *filter.graph_id;
    return impl.guarded("cannot list runs", [&] { return rows::select_runs(impl.db, query); });
}

std::optional<trace::Run> RunStore::get(const std::string &id_or_prefix) const {
    Impl &impl = *impl_;
    if (id_or_prefix.empty()) {
        throw Error(ErrorCode::invalid_argument, impl.label + ": no run id given");
    }
    return impl.guarded("cannot read run " + id_or_prefix, [&]() -> std::optional<trace::Run> {
        // One snapshot for the run and all its rows, even while another process writes.
        Transaction transaction(impl.db, Transaction::Mode::deferred);
        std::optional<trace::Run> run = rows::select_run(impl.db, id_or_prefix);
        if (!run) {
            const auto ids = rows::ids_with_prefix(impl.db, id_or_prefix, kMaxCandidates + 1);
            if (ids.empty()) return std::nullopt;
            if (ids.size() > 1) {
                std::string message = impl.label + ": run id prefix \"" + id_or_prefix +
                                      "\" is ambiguous; it matches ";
                for (size_t i = 0; i < std::min(ids.size(), kMaxCandidates); ++i) {
                    message += (i == 0 ? "" : ", ") + ids[i];
                }
                if (ids.size() > kMaxCandidates) message += " and more";
                throw Error(ErrorCode::invalid_argument, message);
            }
            run = rows::select_run(impl.db, ids.front());
        }
        if (run) rows::load_nodes(impl.db, *run);
        transaction.commit();
        return run;
    });
}

int64_t RunStore::record_grade(const GradeRecord &grade) {
    Impl &impl = *impl_;
    check_grade(impl.label, grade);
    GradeRecord g = grade;
    g.reasons = checked_json(impl.label, "a grade's reasons", g.reasons, rapidjson::kArrayType);
    g.labels = checked_json(impl.label, "a grade's labels", g.labels, rapidjson::kObjectType);
    g.context = checked_json(impl.label, "a grade's context", g.context, rapidjson::kObjectType);
    if (g.created_at_ms == 0) g.created_at_ms = now_ms();
    int64_t id = 0;
    impl.write("cannot record a grade by " + g.judge, [&] {
        std::optional<trace::Run> run;
        if (!g.run_id.empty()) {
            run = rows::select_run(impl.db, g.run_id);
            if (!run) {
                throw Error(ErrorCode::not_found,
                            impl.label + ": cannot record a grade: no run " + g.run_id);
            }
        }
        if (!g.evaluation_id.empty() && !grade_rows::evaluation_exists(impl.db, g.evaluation_id)) {
            throw Error(ErrorCode::not_found,
                        impl.label + ": cannot record a grade: no evaluation " + g.evaluation_id);
        }
        id = grade_rows::insert_grade(impl.db, g);
        if (run) {
            // A grade of a run counts for the run as a whole and for the node it names (the one
            // that wrote the graded answer), so both show a judge score.
            const metrics::GradeFacts facts{g.score, g.pass, !g.error.empty()};
            metric_rows::apply_grade(impl.db, run->graph_id, run->graph_version, "",
                                     run->started_at_ms, facts);
            if (!g.node_id.empty()) {
                metric_rows::apply_grade(impl.db, run->graph_id, run->graph_version, g.node_id,
                                         run->started_at_ms, facts);
            }
        }
    });
    return id;
}

std::vector<GradeRecord> RunStore::grades_of_run(const std::string &run_id) const {
    Impl &impl = *impl_;
    return impl.guarded("cannot read the grades of run " + run_id,
                        [&] { return grade_rows::grades_of_run(impl.db, run_id); });
}

std::vector<GradeRecord> RunStore::grades_of_evaluation(const std::string &evaluation_id) const {
    Impl &impl = *impl_;
    return impl.guarded("cannot read the grades of evaluation " + evaluation_id,
                        [&] { return grade_rows::grades_of_evaluation(impl.db, evaluation_id); });
}

void RunStore::begin_evaluation(const EvaluationRecord &evaluation) {
    Impl &impl = *impl_;
    if (evaluation.id.empty()) {
        throw Error(ErrorCode::invalid_argument,
                    impl.label + ": cannot record an evaluation without id");
    }
    EvaluationRecord e = evaluation;
    e.settings =
        checked_json(impl.label, "an evaluation's settings", e.settings, rapidjson::kObjectType);
    impl.write("cannot record the start of evaluation " + e.id, [&] {
        if (grade_rows::evaluation_exists(impl.db, e.id)) {
            throw Error(ErrorCode::invalid_argument,
                        impl.label + ": evaluation " + e.id + " is already recorded");
        }
        grade_rows::insert_evaluation(impl.db, e);
    });
}

void RunStore::finish_evaluation(const std::string &id, EvaluationStatus status,
                                 int64_t finished_at_ms) {
    Impl &impl = *impl_;
    if (status == EvaluationStatus::running) {
        throw Error(ErrorCode::invalid_argument,
                    impl.label + ": cannot finish evaluation " + id + " with status running");
    }
    impl.write("cannot record the end of evaluation " + id, [&] {
        if (!grade_rows::finish_evaluation(impl.db, id, status, finished_at_ms)) {
            throw Error(ErrorCode::not_found, impl.label + ": no evaluation " + id);
        }
    });
}

std::optional<EvaluationRecord> RunStore::evaluation(const std::string &id_or_prefix) const {
    Impl &impl = *impl_;
    if (id_or_prefix.empty()) {
        throw Error(ErrorCode::invalid_argument, impl.label + ": no evaluation id given");
    }
    return impl.guarded(
        "cannot read evaluation " + id_or_prefix, [&]() -> std::optional<EvaluationRecord> {
            Transaction transaction(impl.db, Transaction::Mode::deferred);
            auto found = grade_rows::select_evaluation(impl.db, id_or_prefix);
            if (!found) {
                const auto ids = grade_rows::evaluation_ids_with_prefix(impl.db, id_or_prefix,
                                                                        kMaxCandidates + 1);
                if (ids.empty()) return std::nullopt;
                if (ids.size() > 1) {
                    std::string message = impl.label + ": evaluation id prefix \"" + id_or_prefix +
                                          "\" is ambiguous; it "
                                          "matches ";
                    for (size_t i = 0; i < std::min(ids.size(), kMaxCandidates); ++i) {
                        message += (i == 0 ? "" : ", ") + ids[i];
                    }
                    if (ids.size() > kMaxCandidates) message += " and more";
                    throw Error(ErrorCode::invalid_argument, message);
                }
                found = grade_rows::select_evaluation(impl.db, ids.front());
            }
            transaction.commit();
            return found;
        });
}

std::vector<EvaluationRecord> RunStore::list_evaluations(size_t limit) const {
    Impl &impl = *impl_;
    return impl.guarded("cannot list evaluations",
                        [&] { return grade_rows::list_evaluations(impl.db, limit); });
}

MetricsReport RunStore::metrics(const MetricsQuery &query) const {
    Impl &impl = *impl_;
    return impl.guarded("cannot read the metrics", [&] {
        // One snapshot: rollups and runs as of one moment, even while others write.
        Transaction transaction(impl.db, Transaction::Mode::deferred);
        MetricsReport report = metrics_query::run(impl.db, query, now_ms());
        transaction.commit();
        return report;
    });
}

size_t RunStore::recover_interrupted(int64_t idle_ms) {
    return impl_->mark_interrupted(impl_->interrupted(false, std::max<int64_t>(idle_ms, 0)));
}

size_t RunStore::delete_runs_before(int64_t before_ms, size_t batch) {
    Impl &impl = *impl_;
    size_t total = 0;
    for (;;) {
        int64_t deleted = 0;
        impl.write("cannot delete old runs", [&] {
            sqlite::Statement s(impl.db, "DELETE FROM runs WHERE id IN (SELECT id FROM runs "
                                         "WHERE started_at_ms < ?1 AND status != 'running' "
                                         "ORDER BY started_at_ms LIMIT ?2)");
            s.bind(1, before_ms).bind(2, static_cast<int64_t>(std::max<size_t>(batch, 1)));
            s.run();
            deleted = impl.db.changes();
        });
        total += static_cast<size_t>(deleted);
        if (static_cast<size_t>(deleted) < std::max<size_t>(batch, 1)) return total;
    }
}

void RunStore::write_transaction(const std::string &what,
                                 const std::function<void(sqlite::Database &)> &body) {
    Impl &impl = *impl_;
    impl.write(what, [&] { body(impl.db); });
}

void RunStore::read(const std::string &what,
                    const std::function<void(sqlite::Database &)> &body) const {
    Impl &impl = *impl_;
    impl.guarded(what, [&] { body(impl.db); });
}

} // namespace tinyllm::store
