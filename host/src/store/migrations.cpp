#include "store/migrations.hpp"

#include "store/metric_rows.hpp"

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::store::migrations {
namespace {

// v2's data step: the rollups of every run finished before the metrics existed, so that a
// window by time counts them as it counts runs finished from now on (and a run finished again
// later, see finish_run, finds its rollup to take back).
void roll_up_finished_runs(sqlite::Database &db) {
    metric_rows::register_functions(db);
    std::vector<std::string> ids;
    {
        sqlite::Statement s(db, "SELECT id FROM runs WHERE status != 'running' ORDER BY id");
        while (s.step())
            ids.push_back(s.column_text(0));
    }
    for (const std::string &id : ids) {
        if (auto run = metric_rows::read_run(db, id)) metric_rows::apply_run(db, *run, 1);
    }
}

// Migration i takes the schema from version i to i + 1: its SQL, then (when not null) a step in
// C++ for what SQL alone cannot compute, in the same transaction. Append only: a released step
// is never edited, because databases in the field have already run it.
struct Step {
    std::string_view sql;
    void (*after)(sqlite::Database &db);
};

constexpr std::array<Step, 3> kMigrations = {{
    // v1: runs and their full traces, normalised so that metrics, failure forensics, A/B tests
    // of graph versions and pruning can be answered in SQL.
    {R"sql(
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
     nullptr},
    // v2: failures by kind, grades and evaluations, and the metrics kept as runs finish.
    {R"sql(
-- tinyllm::to_string(ErrorCode) of an execution that did not succeed; NULL on success and for
-- the rows written before v2.
ALTER TABLE node_executions ADD COLUMN error_code TEXT;

-- A labelled dataset run through a graph; its examples' grades point at it.
CREATE TABLE evaluations (
    id             TEXT PRIMARY KEY NOT NULL,
    dataset        TEXT NOT NULL,
    dataset_sha256 TEXT NOT NULL,
    graph_id       TEXT NOT NULL,
    graph_version  TEXT NOT NULL,
    judge          TEXT NOT NULL,
    started_at_ms  INTEGER NOT NULL,
    finished_at_ms INTEGER,             -- NULL while running
    status         TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete')),
    example_count  INTEGER NOT NULL,
    settings       TEXT NOT NULL DEFAULT '{}' -- JSON object
);
CREATE INDEX evaluations_by_started ON evaluations(started_at_ms);

-- A judge's verdict on a run's answer (node_id '') or on one node's output.
CREATE TABLE grades (
    id            INTEGER PRIMARY KEY,
    run_id        TEXT REFERENCES runs(id) ON DELETE CASCADE, -- NULL: a text no run produced
    node_id       TEXT NOT NULL DEFAULT '',
    evaluation_id TEXT REFERENCES evaluations(id),
    example_index INTEGER,
    example_id    TEXT,
    judge         TEXT NOT NULL,
    score         REAL CHECK (score IS NULL OR (score >= 0 AND score <= 1)),
    pass          INTEGER CHECK (pass IS NULL OR pass IN (0, 1)),
    error         TEXT,               -- the judge failed: no score, and never a pass
    reasons       TEXT NOT NULL DEFAULT '[]', -- JSON array
    labels        TEXT NOT NULL DEFAULT '{}', -- JSON object
    expected      TEXT,
    created_at_ms INTEGER NOT NULL,
    CHECK (error IS NULL OR (score IS NULL AND (pass IS NULL OR pass = 0)))
);
CREATE INDEX grades_by_run ON grades(run_id, node_id);
CREATE INDEX grades_by_evaluation ON grades(evaluation_id, example_index);
CREATE INDEX grades_by_time ON grades(created_at_ms);

-- Metrics, kept as runs finish (in finish_run's transaction) and as grades are recorded: a
-- window of a week is then a few tens of thousands of rollup rows, not millions of executions.
-- A series is one (graph, version, node); node_id '' is the whole run. The rollups name it by
-- number, which keeps their rows small.
CREATE TABLE metric_series (
    id            INTEGER PRIMARY KEY,
    graph_id      TEXT NOT NULL,
    graph_version TEXT NOT NULL,
    node_id       TEXT NOT NULL,
    node_type     TEXT NOT NULL DEFAULT '',
    UNIQUE (graph_id, graph_version, node_id)
);

-- What the runs started in one minute (span_ms 60000) or one hour (3600000) add up to: every
-- run is added to both, so a window reads whole hours from the hour rows and only its edges
-- from the minute rows. The key leads with the time, not the series: a run's end then changes
-- one or two pages (its minute's and its hour's rows of every series sit together), and a
-- window is one range per granularity. The counters are defined in host/src/store/run_metrics.hpp.
CREATE TABLE metric_rollups (
    span_ms           INTEGER NOT NULL,
    start_ms          INTEGER NOT NULL, -- the minute's or hour's start, epoch ms
    series_id         INTEGER NOT NULL REFERENCES metric_series(id),
    requests          INTEGER NOT NULL DEFAULT 0,
    successes         INTEGER NOT NULL DEFAULT 0,
    failures          INTEGER NOT NULL DEFAULT 0,
    cancelled         INTEGER NOT NULL DEFAULT 0,
    gate_checks       INTEGER NOT NULL DEFAULT 0,
    gate_passes       INTEGER NOT NULL DEFAULT 0,
    grades            INTEGER NOT NULL DEFAULT 0,
    grade_passes      INTEGER NOT NULL DEFAULT 0,
    grade_errors      INTEGER NOT NULL DEFAULT 0,
    scored            INTEGER NOT NULL DEFAULT 0,
    score_sum         REAL NOT NULL DEFAULT 0,
    score_sumsq       REAL NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    model_calls       INTEGER NOT NULL DEFAULT 0,
    tool_calls        INTEGER NOT NULL DEFAULT 0,
    latency           BLOB,             -- host/src/store/latency_histogram.hpp; NULL = empty
    PRIMARY KEY (span_ms, start_ms, series_id)
) WITHOUT ROWID;

-- Failures by kind (the error code), beside their rollup row: a row only where failures
-- happened, and a new error code needs no new column.
CREATE TABLE metric_failures (
    span_ms   INTEGER NOT NULL,
    start_ms  INTEGER NOT NULL,
    series_id INTEGER NOT NULL REFERENCES metric_series(id),
    kind      TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (span_ms, start_ms, series_id, kind)
) WITHOUT ROWID;
)sql",
     roll_up_finished_runs},
    // v3: self-improvement. Every graph that ran, content-addressed, with the one active version
    // per graph; the experiments that test a candidate against it and their graded outcomes;
    // what the expansion machinery did (a rejected candidate, a crashed mutation, a pending
    // trigger). A grade keeps the context it was given, so its run can be replayed and graded
    // again the same way.
    {R"sql(
ALTER TABLE grades ADD COLUMN context TEXT NOT NULL DEFAULT '{}'; -- JSON object

-- The trigger reads one node's hours as each grade is recorded: by series, not by time.
CREATE INDEX metric_rollups_by_series ON metric_rollups(series_id, span_ms, start_ms);

CREATE TABLE graph_versions (
    graph_id      TEXT NOT NULL,
    version       TEXT NOT NULL,        -- semantic version, unique per graph
    hash          TEXT NOT NULL,        -- sha256 of the canonical JSON without `version`
    parent        TEXT,                 -- the version it was made from; NULL for the first
    origin        TEXT NOT NULL CHECK (origin IN ('file', 'mutation', 'ablation')),
    strategy      TEXT NOT NULL DEFAULT '', -- the mutation that made it
    rationale     TEXT NOT NULL DEFAULT '',
    touched_nodes TEXT NOT NULL DEFAULT '[]', -- JSON array
    source        TEXT NOT NULL,        -- the file read, or "mutation NAME"
    definition    TEXT NOT NULL,        -- the graph as YAML, as read or as written for it
    created_at_ms INTEGER NOT NULL,
    retired_at_ms INTEGER,              -- lost an experiment or was pruned: kept, not offered
    PRIMARY KEY (graph_id, version),
    UNIQUE (graph_id, hash)
) WITHOUT ROWID;

CREATE TABLE graph_active (
    graph_id      TEXT PRIMARY KEY NOT NULL,
    version       TEXT NOT NULL,
    changed_at_ms INTEGER NOT NULL,
    file_hash     TEXT NOT NULL DEFAULT '', -- the graph file's content when last read
    FOREIGN KEY (graph_id, version) REFERENCES graph_versions(graph_id, version)
) WITHOUT ROWID;

-- Every change of the active version, in order: why it changed and on what evidence.
CREATE TABLE graph_events (
    id            INTEGER PRIMARY KEY,
    graph_id      TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('file', 'promotion', 'rollback', 'auto_rollback')),
    from_version  TEXT,
    to_version    TEXT NOT NULL,
    experiment_id TEXT,
    reason        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX graph_events_by_graph ON graph_events(graph_id, id);

CREATE TABLE experiments (
    id                TEXT PRIMARY KEY NOT NULL,
    graph_id          TEXT NOT NULL,
    node_id           TEXT NOT NULL,
    strategy          TEXT NOT NULL,
    base_version      TEXT NOT NULL,
    candidate_version TEXT NOT NULL,
    trigger           TEXT NOT NULL,    -- 'threshold', 'manual', 'ablation'
    status            TEXT NOT NULL CHECK (status IN
                        ('offline', 'live', 'paused', 'promoted', 'rejected', 'cancelled')),
    judge             TEXT NOT NULL,
    share             REAL NOT NULL,    -- of live traffic sent to the candidate
    started_at_ms     INTEGER NOT NULL,
    decided_at_ms     INTEGER,
    decision          TEXT NOT NULL DEFAULT '', -- one line: why it ended, or why it is paused
    evidence          TEXT NOT NULL DEFAULT '{}', -- JSON: the tests' figures per phase
    settings          TEXT NOT NULL DEFAULT '{}', -- JSON: expansion.yaml's values it ran with
    FOREIGN KEY (graph_id, base_version) REFERENCES graph_versions(graph_id, version),
    FOREIGN KEY (graph_id, candidate_version) REFERENCES graph_versions(graph_id, version)
);
-- At most one experiment in progress per node: a second one is refused by the database itself.
CREATE UNIQUE INDEX experiments_one_per_node ON experiments(graph_id, node_id)
    WHERE status IN ('offline', 'live', 'paused');
CREATE INDEX experiments_by_started ON experiments(started_at_ms);

-- One graded answer of one arm. Offline phases replay the same input on both arms; live
-- traffic sends each input to one arm (sticky by the input's hash).
CREATE TABLE experiment_outcomes (
    experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    phase         TEXT NOT NULL CHECK (phase IN ('failing', 'regression', 'live')),
    arm           TEXT NOT NULL CHECK (arm IN ('base', 'candidate')),
    seq           INTEGER NOT NULL,     -- order within the phase and arm, from 0
    input_hash    TEXT NOT NULL,
    run_id        TEXT,
    pass          INTEGER CHECK (pass IS NULL OR pass IN (0, 1)), -- NULL: no verdict, not counted
    score         REAL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (experiment_id, phase, arm, seq)
) WITHOUT ROWID;

-- What the expansion machinery noticed or did that is not an experiment: a node over its
-- threshold (pending), a candidate rejected before testing, a mutation that failed.
CREATE TABLE expansion_events (
    id            INTEGER PRIMARY KEY,
    graph_id      TEXT NOT NULL,
    graph_version TEXT NOT NULL,
    node_id       TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN
                    ('pending', 'invalid_candidate', 'mutation_failed', 'no_candidate',
                     'started', 'pruned')),
    strategy      TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT '',
    experiment_id TEXT
);
CREATE INDEX expansion_events_by_node ON expansion_events(graph_id, node_id, id);
)sql",
     nullptr},
}};

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
    int64_t version = 0;
    {
        // One snapshot for the version, the application id and the tables: read one by one, a
        // process creating this store meanwhile made an empty file look like another program's
        // database (version 0 read before its commit, its tables after).
        sqlite::Transaction snapshot(db, sqlite::Transaction::Mode::deferred);
        version = user_version(db);
        check_not_newer(db, version);
        check_ownership(db, version);
        snapshot.commit();
    }
    while (version < latest_version()) {
        sqlite::Transaction transaction(db, sqlite::Transaction::Mode::immediate);
        // Another process may have migrated while this one waited for the lock.
        version = user_version(db);
        check_not_newer(db, version);
        check_ownership(db, version);
        if (version == latest_version()) break; // the transaction rolls back: nothing to do
        const Step &step = kMigrations[static_cast<size_t>(version)];
        db.exec(step.sql);
        if (step.after != nullptr) step.after(db);
        // Both pragmas write the file header inside the transaction: the step and its version
        // number commit together or not at all.
        db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        db.exec("PRAGMA user_version = " + std::to_string(version + 1));
        transaction.commit();
        ++version;
    }
}

} // namespace tinyllm::store::migrations
