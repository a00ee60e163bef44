// Migrating a run store written by schema v1 (before grades and metrics): its runs stay
// readable, its finished runs are rolled up into the metrics by the migration, and runs recorded
// afterwards keep their nodes' error codes.
#include "store_test_support.hpp"

#include "store/migrations.hpp"

namespace tinyllm::store_test {
namespace {

using trace::NodeStatus;
using trace::RunStatus;

// Schema v1 as released (host/src/store/migrations.cpp), frozen here: the test must keep
// building the old file even after the code moves on.
constexpr const char *kSchemaV1 = R"sql(
CREATE TABLE runs (
    id TEXT PRIMARY KEY NOT NULL, graph_id TEXT NOT NULL, graph_version TEXT NOT NULL,
    status TEXT NOT NULL, input TEXT NOT NULL, output TEXT, answer TEXT, error_code TEXT,
    error_message TEXT, error_node TEXT, started_at_ms INTEGER NOT NULL, finished_at_ms INTEGER,
    duration_ms INTEGER, node_count INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
    updated_at_ms INTEGER NOT NULL, owner_host TEXT NOT NULL, owner_pid INTEGER NOT NULL);
CREATE INDEX runs_by_started ON runs(started_at_ms);
CREATE INDEX runs_by_status ON runs(status, started_at_ms);
CREATE INDEX runs_by_graph ON runs(graph_id, graph_version);
CREATE TABLE node_executions (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
    node_id TEXT NOT NULL, node_type TEXT NOT NULL, attempt INTEGER NOT NULL,
    visit INTEGER NOT NULL, branch TEXT NOT NULL, started_at_ms INTEGER NOT NULL,
    duration_us INTEGER NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL, output TEXT,
    route TEXT, error TEXT, PRIMARY KEY (run_id, seq));
CREATE INDEX node_executions_by_node ON node_executions(node_id, status);
CREATE TABLE model_calls (
    run_id TEXT NOT NULL, node_seq INTEGER NOT NULL, idx INTEGER NOT NULL, model TEXT NOT NULL,
    backend TEXT NOT NULL, started_at_ms INTEGER NOT NULL, duration_us INTEGER NOT NULL,
    prompt_tokens INTEGER, completion_tokens INTEGER, load_duration_ns INTEGER,
    prompt_eval_duration_ns INTEGER, eval_duration_ns INTEGER, total_duration_ns INTEGER,
    error TEXT, PRIMARY KEY (run_id, node_seq, idx),
    FOREIGN KEY (run_id, node_seq) REFERENCES node_executions(run_id, seq) ON DELETE CASCADE);
CREATE INDEX model_calls_by_model ON model_calls(model, started_at_ms);
CREATE TABLE tool_calls (
    run_id TEXT NOT NULL, node_seq INTEGER NOT NULL, idx INTEGER NOT NULL, tool TEXT NOT NULL,
    arguments TEXT NOT NULL, result TEXT, started_at_ms INTEGER NOT NULL,
    duration_us INTEGER NOT NULL, error TEXT, PRIMARY KEY (run_id, node_seq, idx),
    FOREIGN KEY (run_id, node_seq) REFERENCES node_executions(run_id, seq) ON DELETE CASCADE);
CREATE INDEX tool_calls_by_tool ON tool_calls(tool, started_at_ms);
)sql";

constexpr int64_t kT = 1'700'000'000'000;

void write_v1_store(const fs::path &path) {
    fs::create_directories(path.parent_path());
    auto db = raw(path);
    db->exec("PRAGMA journal_mode = WAL");
    db->exec(kSchemaV1);
    db->exec("PRAGMA application_id = " + std::to_string(store::migrations::kApplicationId));
    db->exec("PRAGMA user_version = 1");
    const std::string t = std::to_string(kT);
    db->exec(
        // A run that succeeded: a model node, then a gate that passed it.
        "INSERT INTO runs VALUES ('r-ok', 'default', '1.0.0', 'succeeded', 'hi', '{}', 'hello', "
        "NULL, NULL, NULL, " +
        t + ", " + t + " + 40, 40, 2, 12, 3, " + t +
        " + 40, 'h', 1);"
        "INSERT INTO node_executions VALUES ('r-ok', 0, 'general', 'model', 1, 1, '', " +
        t +
        ", 30000, 'succeeded', '{}', '{}', NULL, NULL);"
        "INSERT INTO node_executions VALUES ('r-ok', 1, 'general_check', 'gate', 1, 1, '', " +
        t +
        " + 31, 500, 'succeeded', '{}', '{}', 'pass', NULL);"
        "INSERT INTO model_calls VALUES ('r-ok', 0, 0, 'qwen', 'local', " +
        t +
        ", 29000, 12, 3, NULL, NULL, NULL, NULL, NULL);"
        // A run that failed in its model node (v1 kept no error code on the node).
        "INSERT INTO runs VALUES ('r-failed', 'default', '1.0.0', 'failed', 'hi', NULL, NULL, "
        "'unavailable', 'node general failed', 'general', " +
        t + " + 1000, " + t + " + 1010, 10, 1, 0, 0, " + t +
        " + 1010, 'h', 1);"
        "INSERT INTO node_executions VALUES ('r-failed', 0, 'general', 'model', 1, 1, '', " +
        t +
        " + 1000, 9000, 'failed', '{}', NULL, NULL, 'connection refused');"
        // A run still running (a process on another host): not counted until it ends.
        "INSERT INTO runs VALUES ('r-running', 'default', '1.0.0', 'running', 'hi', NULL, NULL, "
        "NULL, NULL, NULL, " +
        t + " + 2000, NULL, NULL, 0, 0, 0, " + t + " + 2000, 'elsewhere', 1);");
}

TEST(StoreMigration, AVersion1StoreKeepsItsRunsAndGainsTheirMetrics) {
    TempDir dir;
    write_v1_store(dir.db());
    store::StoreOptions options;
    options.path = dir.db();
    options.interrupted_after_ms = 0; // keep r-running running
    auto store = store::RunStore::open(options);
    EXPECT_EQ(raw(dir.db())->query_int("PRAGMA user_version"), store::migrations::latest_version());

    const auto ok = store->get("r-ok");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, RunStatus::succeeded);
    EXPECT_EQ(ok->answer, "hello");
    ASSERT_EQ(ok->nodes.size(), 2u);
    EXPECT_EQ(ok->nodes[1].route, "pass");
    EXPECT_EQ(ok->nodes[0].model_calls.at(0).prompt_tokens, 12);
    const auto failed = store->get("r-failed");
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->error_code, "unavailable");
    ASSERT_EQ(failed->nodes.size(), 1u);
    EXPECT_EQ(failed->nodes[0].error, "connection refused");
    EXPECT_EQ(failed->nodes[0].error_code, ""); // v1 did not know it
    EXPECT_EQ(store->list({}).size(), 3u);

    // The migration rolled the two finished runs up.
    store::MetricsQuery q;
    q.since_ms = 0;
    const auto report = store->metrics(q);
    ASSERT_EQ(report.nodes.size(), 3u);
    const auto &whole = report.nodes[0];
    EXPECT_EQ(whole.node_id, "");
    EXPECT_EQ(whole.total.requests, 2);
    EXPECT_EQ(whole.total.successes, 1);
    EXPECT_EQ(whole.total.failures_by_kind, (std::map<std::string, int64_t>{{"unavailable", 1}}));
    EXPECT_EQ(whole.total.prompt_tokens, 12);
    EXPECT_EQ(whole.total.gate_passes, 1);
    const auto &general = report.nodes[1];
    EXPECT_EQ(general.node_id, "general");
    EXPECT_EQ(general.total.requests, 2);
    EXPECT_EQ(general.total.failures_by_kind, (std::map<std::string, int64_t>{{"unknown", 1}}));
    EXPECT_EQ(general.total.gate_checks, 1);
    EXPECT_EQ(report.nodes[2].node_id, "general_check");

    // When the running run ends, it is counted like any other; a new node keeps its code.
    trace::Run run = *store->get("r-running");
    trace::NodeExecution node = simple_node(0, kT + 2001);
    node.status = NodeStatus::timed_out;
    node.error = "timed out";
    node.error_code = "timeout";
    node.output.clear();
    run.nodes = {node};
    run.status = RunStatus::failed;
    run.error_code = "timeout";
    run.finished_at_ms = kT + 2100;
    store->finish_run(run);
    EXPECT_EQ(store->get("r-running")->nodes.at(0).error_code, "timeout");
    EXPECT_EQ(store->metrics(q).nodes[0].total.requests, 3);
}

TEST(StoreMigration, AStoreFromANewerTinyllmIsStillRefused) {
    TempDir dir;
    open_store(dir.db());
    raw(dir.db())->exec("PRAGMA user_version = " +
                        std::to_string(store::migrations::latest_version() + 1));
    const auto error = error_of([&] { open_store(dir.db()); });
    ASSERT_TRUE(error);
    EXPECT_THAT(error->what(),
                HasSubstr("knows up to " + std::to_string(store::migrations::latest_version())));
}

} // namespace
} // namespace tinyllm::store_test
