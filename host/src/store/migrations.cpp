#include "store/migrations.hpp"

#include <array>
#include <string>
#include <string_view>

namespace tinyllm::store::migrations {
namespace {

// Migration i takes the schema from version i to i + 1. Append only: a released step is never
// edited, because databases in the field have already run it.
constexpr std::array<std::string_view, 1> kMigrations = {
    // v1: runs and their full traces, normalised so that metrics, failure forensics, A/B tests
    // of graph versions and pruning can be answered in SQL.
    R"sql(
CREATE TABLE runs (
    id                TEXT PRIMARY KEY NOT NULL,
    graph_id          TEXT NOT NULL,
    graph_version     TEXT NOT NULL,
    status            TEXT NOT NULL,      -- trace::to_string(RunStatus)
    input             TEXT NOT NULL,
    output            TEXT,               -- NULL unless succeeded
    answer            TEXT,
    error_code        TEXT,               -- tinyllm::to_string(ErrorCode); NULL on success
    error_message     TEXT,
    error_node        TEXT,
    started_at_ms     INTEGER NOT NULL,   -- Unix epoch ms
    finished_at_ms    INTEGER,            -- NULL while running
    duration_ms       INTEGER,            -- finished - started, set when finished
    node_count        INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0, -- sums over the run's model calls
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    -- Who is running it and its last sign of life: how runs left "running" by a process that
    -- died are told from live ones (RunStore::open).
    updated_at_ms     INTEGER NOT NULL,
    owner_host        TEXT NOT NULL,
    owner_pid         INTEGER NOT NULL
);
CREATE INDEX runs_by_started ON runs(started_at_ms);
CREATE INDEX runs_by_status ON runs(status, started_at_ms);
CREATE INDEX runs_by_graph ON runs(graph_id, graph_version);

CREATE TABLE node_executions (
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,     -- order of start within the run, from 0
    node_id       TEXT NOT NULL,
    node_type     TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    visit         INTEGER NOT NULL,
    branch        TEXT NOT NULL,        -- '' on the main path
    started_at_ms INTEGER NOT NULL,
    duration_us   INTEGER NOT NULL,
    status        TEXT NOT NULL,        -- trace::to_string(NodeStatus)
    input         TEXT NOT NULL,
    output        TEXT,
    route         TEXT,
    error         TEXT,
    PRIMARY KEY (run_id, seq)
);
-- "Which node fails most", and pruning ("which nodes never run").
CREATE INDEX node_executions_by_node ON node_executions(node_id, status);

CREATE TABLE model_calls (
    run_id                  TEXT NOT NULL,
    node_seq                INTEGER NOT NULL,
    idx                     INTEGER NOT NULL, -- order within the node execution
    model                   TEXT NOT NULL,
    backend                 TEXT NOT NULL,
    started_at_ms           INTEGER NOT NULL,
    duration_us             INTEGER NOT NULL,
    prompt_tokens           INTEGER,          -- NULL when the server did not say
    completion_tokens       INTEGER,
    load_duration_ns        INTEGER,
    prompt_eval_duration_ns INTEGER,
    eval_duration_ns        INTEGER,
    total_duration_ns       INTEGER,
    error                   TEXT,
    PRIMARY KEY (run_id, node_seq, idx),
    FOREIGN KEY (run_id, node_seq) REFERENCES node_executions(run_id, seq) ON DELETE CASCADE
);
-- Latency and token metrics per model.
CREATE INDEX model_calls_by_model ON model_calls(model, started_at_ms);

CREATE TABLE tool_calls (
    run_id        TEXT NOT NULL,
    node_seq      INTEGER NOT NULL,
    idx           INTEGER NOT NULL,
    tool          TEXT NOT NULL,
    arguments     TEXT NOT NULL,
    result        TEXT,                 -- NULL on error
    started_at_ms INTEGER NOT NULL,
    duration_us   INTEGER NOT NULL,
    error         TEXT,
    PRIMARY KEY (run_id, node_seq, idx),
    FOREIGN KEY (run_id, node_seq) REFERENCES node_executions(run_id, seq) ON DELETE CASCADE
);
CREATE INDEX tool_calls_by_tool ON tool_calls(tool, started_at_ms);
)sql",
};

int64_t user_version(sqlite::Database &db) {
    return db.query_int("PRAGMA user_version");
}

[[noreturn]] void not_ours(const sqlite::Database &db, const std::string &why) {
    throw Error(ErrorCode::io, db.label() + ": not a TinyLLM run store (" + why + ")");
}

// Refuse a database that is not ours before changing anything in it. Version 0 is either an
// empty file (ours to initialise) or some other program's database (it has tables).
void check_ownership(sqlite::Database &db, int64_t version) {
    const int64_t application_id = db.query_int("PRAGMA application_id");
    if (version == 0 && application_id == 0) {
        const std::string table = db.query_text(
            "SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            "ORDER BY name LIMIT 1");
        if (!table.empty()) not_ours(db, "it holds other tables, e.g. \"" + table + "\"");
        return;
    }
    if (application_id != kApplicationId) {
        not_ours(db, "application_id is " + std::to_string(application_id) + ", expected " +
                         std::to_string(kApplicationId));
    }
}

void check_not_newer(const sqlite::Database &db, int64_t version) {
    if (version > latest_version()) {
        throw Error(ErrorCode::io, db.label() + " has schema version " + std::to_string(version) +
                                       ", this tinyllm knows up to " +
                                       std::to_string(latest_version()) + ": upgrade tinyllm");
    }
}

} // namespace

int64_t latest_version() noexcept {
    return static_cast<int64_t>(kMigrations.size());
}

void migrate(sqlite::Database &db) {
    int64_t version = user_version(db);
    check_not_newer(db, version);
    check_ownership(db, version);
    while (version < latest_version()) {
        sqlite::Transaction transaction(db, sqlite::Transaction::Mode::immediate);
        // Another process may have migrated while this one waited for the lock.
        version = user_version(db);
        check_not_newer(db, version);
        check_ownership(db, version);
        if (version == latest_version()) break; // the transaction rolls back: nothing to do
        db.exec(kMigrations[static_cast<size_t>(version)]);
        // Both pragmas write the file header inside the transaction: the step and its version
        // number commit together or not at all.
        db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        db.exec("PRAGMA user_version = " + std::to_string(version + 1));
        transaction.commit();
        ++version;
    }
}

} // namespace tinyllm::store::migrations
