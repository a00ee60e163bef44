// Recording runs: the round trip of a full trace, the computed totals, failed and cancelled
// runs, caller errors, and the recovery of runs left running.
#include "store_test_support.hpp"

namespace tinyllm::store_test {
namespace {

using trace::NodeStatus;
using trace::RunStatus;

// A run with every kind of field: optional model-call fields present and absent, tool calls
// with result and with error, retries, loops, a fan-out branch, a failed node, unicode, an
// embedded NUL and a 1 MB text.
trace::Run full_run() {
    trace::Run run = started_run("r018f00000000aaaaaaaa", 1'700'000'000'000, "research", "v7");
    run.input = "Résumé of 東京 weather ☀️ — \"quoted\" and 'single'";

    trace::NodeExecution plan;
    plan.seq = 0;
    plan.node_id = "plan";
    plan.node_type = "llm";
    plan.started_at_ms = run.started_at_ms + 1;
    plan.duration_us = 250'000;
    plan.input = R"({"role":"user","content":"Résumé of 東京"})";
    plan.output = R"({"role":"assistant","content":"search it"})";
    plan.route = "search";
    trace::ModelCall full;
    full.model = "qwen2.5:0.5b";
    full.backend = "ollama-local";
    full.started_at_ms = plan.started_at_ms;
    full.duration_us = 240'000;
    full.prompt_tokens = 31;
    full.completion_tokens = 7;
    full.load_duration_ns = 1'000'000;
    full.prompt_eval_duration_ns = 20'000'000;
    full.eval_duration_ns = 200'000'000;
    full.total_duration_ns = 235'000'000;
    trace::ModelCall bare; // the server said nothing about tokens or time, and failed
    bare.model = "llama3.2:1b";
    bare.backend = "ollama-remote";
    bare.started_at_ms = plan.started_at_ms + 100;
    bare.duration_us = 5;
    bare.error = "connection refused";
    plan.model_calls = {full, bare};

    trace::NodeExecution search;
    search.seq = 1;
    search.node_id = "search";
    search.node_type = "tool";
    search.attempt = 2;
    search.visit = 3;
    search.branch = "0.1";
    search.started_at_ms = run.started_at_ms + 300;
    search.duration_us = 9'000;
    search.input = R"({"role":"assistant","content":"search it"})";
    search.output = std::string(1 << 20, 'x'); // 1 MB
    trace::ToolCall ok;
    ok.tool = "web_search";
    ok.arguments = R"({"q":"東京 天気"})";
    ok.result = std::string("{\"hits\":[\"a\\u0000b\"]}") + std::string(1, '\0') + "tail";
    ok.started_at_ms = search.started_at_ms;
    ok.duration_us = 8'000;
    trace::ToolCall bad;
    bad.tool = "calculator";
    bad.arguments = R"({"expr":"1/0"})";
    bad.started_at_ms = search.started_at_ms + 8;
    bad.duration_us = 10;
    bad.error = "division by zero";
    search.tool_calls = {ok, bad};

    trace::NodeExecution answer;
    answer.seq = 2;
    answer.node_id = "answer";
    answer.node_type = "llm";
    answer.started_at_ms = run.started_at_ms + 400;
    answer.duration_us = 3'000;
    answer.status = NodeStatus::timed_out;
    answer.input = "{}";
    answer.error = "timed out after 3 ms";
    answer.error_code = "timeout";
    trace::ModelCall tokens_only;
    tokens_only.model = "qwen2.5:0.5b";
    tokens_only.backend = "ollama-local";
    tokens_only.started_at_ms = answer.started_at_ms;
    tokens_only.duration_us = 2'900;
    tokens_only.prompt_tokens = 100;
    answer.model_calls = {tokens_only};

    run.nodes = {plan, search, answer};
    run.status = RunStatus::failed;
    run.error_code = "timeout";
    run.error_message = "node answer timed out after 3 ms";
    run.error_node = "answer";
    run.finished_at_ms = run.started_at_ms + 500;
    return run;
}

struct Totals {
    std::optional<int64_t> duration_ms;
    int64_t node_count = 0;
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
};

Totals totals(const fs::path &path, const std::string &id) {
    auto db = raw(path);
    store::sqlite::Statement s(*db, "SELECT duration_ms, node_count, prompt_tokens, "
                                    "completion_tokens FROM runs WHERE id = ?1");
    s.bind(1, id);
    EXPECT_TRUE(s.step());
    return Totals{s.column_optional_int64(0), s.column_int64(1), s.column_int64(2),
                  s.column_int64(3)};
}

TEST(StoreRecording, FullTraceRoundTrips) {
    TempDir dir;
    auto store = open_store(dir.db());
    const trace::Run run = full_run();
    store->begin_run(run);

    const auto running = store->get(run.id);
    ASSERT_TRUE(running);
    EXPECT_EQ(running->status, RunStatus::running);
    EXPECT_EQ(running->input, run.input);
    EXPECT_EQ(running->finished_at_ms, 0);
    EXPECT_TRUE(running->nodes.empty());

    // Nodes finish out of start order (a fan-out).
    store->add_node(run.id, run.nodes[1]);
    store->add_node(run.id, run.nodes[0]);
    EXPECT_EQ(totals(dir.db(), run.id).node_count, 2); // progress is visible while running
    store->add_node(run.id, run.nodes[2]);
    store->finish_run(run);

    const auto got = store->get(run.id);
    ASSERT_TRUE(got);
    expect_same(*got, run);
    EXPECT_EQ(got->nodes[1].output.size(), 1u << 20);
    EXPECT_EQ(got->nodes[1].tool_calls[0].result, run.nodes[1].tool_calls[0].result); // NUL kept

    const Totals t = totals(dir.db(), run.id);
    EXPECT_EQ(t.duration_ms, 500);
    EXPECT_EQ(t.node_count, 3);
    EXPECT_EQ(t.prompt_tokens, 131);
    EXPECT_EQ(t.completion_tokens, 7);
}

TEST(StoreRecording, EmptyFieldsAreStoredAsNull) {
    TempDir dir;
    auto store = open_store(dir.db());
    trace::Run run = started_run("r1", 1000);
    store->begin_run(run);
    store->add_node(run.id, simple_node(0, 1001));
    finish(run, RunStatus::succeeded, 1100);
    store->finish_run(run);
    auto db = raw(dir.db());
    EXPECT_EQ(db->query_int("SELECT count(*) FROM runs WHERE error_code IS NULL AND "
                            "error_message IS NULL AND error_node IS NULL"),
              1);
    EXPECT_EQ(db->query_int("SELECT count(*) FROM node_executions WHERE error IS NULL AND "
                            "route IS NULL AND error_code IS NULL"),
              1);
    EXPECT_EQ(db->query_int("SELECT count(*) FROM model_calls WHERE load_duration_ns IS NULL "
                            "AND prompt_tokens = 10"),
              1);
}

TEST(StoreRecording, FailedAndCancelledRunsKeepTheirErrors) {
    TempDir dir;
    auto store = open_store(dir.db());

    trace::Run failed = started_run("rfailed", 1000);
    store->begin_run(failed);
    trace::NodeExecution node = simple_node(0, 1001);
    node.status = NodeStatus::failed;
    node.output.clear();
    node.error = "model returned invalid JSON";
    node.error_code = "protocol";
    store->add_node(failed.id, node);
    finish(failed, RunStatus::failed, 1200);
    failed.error_code = "protocol";
    failed.error_message = "node answer: model returned invalid JSON";
    failed.error_node = "answer";
    store->finish_run(failed);

    trace::Run cancelled = started_run("rcancelled", 2000);
    store->begin_run(cancelled);
    finish(cancelled, RunStatus::cancelled, 2050);
    cancelled.error_code = "cancelled";
    cancelled.error_message = "cancelled by the user (Ctrl-C)";
    store->finish_run(cancelled);

    failed.nodes = {node};
    expect_same(*store->get("rfailed"), failed);
    // The code is its own column, so failures can be counted by kind in SQL.
    EXPECT_EQ(raw(dir.db())->query_text("SELECT error_code FROM node_executions WHERE "
                                        "run_id = 'rfailed'"),
              "protocol");
    expect_same(*store->get("rcancelled"), cancelled);
}

TEST(StoreRecording, FinishRunAloneRecordsAWholeRun) {
    TempDir dir;
    auto store = open_store(dir.db());
    trace::Run run = full_run();
    run.id = "rwhole";
    store->finish_run(run); // never begun, no add_node
    expect_same(*store->get("rwhole"), run);
    EXPECT_EQ(totals(dir.db(), run.id).node_count, 3);

    // Nodes already added are not added twice.
    trace::Run partial = full_run();
    partial.id = "rpartial";
    store->begin_run(partial);
    store->add_node(partial.id, partial.nodes[0]);
    store->finish_run(partial);
    expect_same(*store->get("rpartial"), partial);
}

TEST(StoreRecording, RejectsCallerErrors) {
    TempDir dir;
    auto store = open_store(dir.db());
    trace::Run run = started_run("r1", 1000);
    store->begin_run(run);

    auto error = error_of([&] { store->begin_run(run); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);
    EXPECT_THAT(error->what(), HasSubstr("already recorded"));

    error = error_of([&] { store->add_node("nope", simple_node(0, 1)); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::not_found);
    EXPECT_THAT(error->what(), HasSubstr(dir.db().string()));
    EXPECT_THAT(error->what(), HasSubstr("no such run"));

    store->add_node(run.id, simple_node(0, 1001));
    error = error_of([&] { store->add_node(run.id, simple_node(0, 1002)); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);
    EXPECT_THAT(error->what(), HasSubstr("cannot record node 0 (answer) of run r1"));
    EXPECT_THAT(error->what(), HasSubstr("UNIQUE constraint failed"));

    error = error_of([&] { store->finish_run(run); }); // still "running"
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);

    error = error_of([&] { store->begin_run(trace::Run{}); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);

    // A failed write changed nothing: the one node is still there, once.
    EXPECT_EQ(store->get("r1")->nodes.size(), 1u);
}

TEST(StoreRecording, ARunWhoseProcessDiedIsRecoveredAtOpen) {
    TempDir dir;
    const int64_t now = now_ms();
    {
        auto store = open_store(dir.db());
        store->begin_run(started_run("rdead", now - 60'000));
        store->add_node("rdead", simple_node(0, now - 50'000));
        store->begin_run(started_run("ralive", now - 60'000));
    }
    // "rdead" was recorded by a process that no longer exists (no pid is this large);
    // "ralive" by this one, which is alive.
    raw(dir.db())->exec("UPDATE runs SET owner_pid = 2147483000 WHERE id = 'rdead'");

    auto store = open_store(dir.db());
    const auto dead = store->get("rdead");
    ASSERT_TRUE(dead);
    EXPECT_EQ(dead->status, RunStatus::failed);
    EXPECT_EQ(dead->error_code, "internal");
    EXPECT_EQ(dead->error_message, "interrupted (the process ended before the run finished)");
    EXPECT_EQ(dead->finished_at_ms, now - 50'000 + 1); // its last sign of life: the node's end
    EXPECT_EQ(dead->nodes.size(), 1u);                 // what was recorded is kept
    EXPECT_EQ(totals(dir.db(), "rdead").duration_ms, 10'001);
    EXPECT_EQ(store->get("ralive")->status, RunStatus::running);
}

// The crash handler leaves one line per run it could not finish (data/crashes/<run id>); the
// next open fails each such run with that line, and removes the file.
TEST(StoreRecording, ARunTheCrashHandlerReportedIsFailedWithItsLineAtOpen) {
    TempDir dir;
    const int64_t now = now_ms();
    open_store(dir.db())->begin_run(started_run("rcrash", now - 1'000));
    const fs::path crashes = dir.db().parent_path() / "crashes";
    fs::create_directories(crashes);
    std::ofstream(crashes / "rcrash") << "tinyllm: fatal: SIGSEGV in node answer (plugin x)\n";
    std::ofstream(crashes / "rnone") << "\n"; // no such run: nothing to mark, still removed

    auto store = open_store(dir.db());
    const auto run = store->get("rcrash");
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, RunStatus::failed);
    EXPECT_EQ(run->error_code, "plugin");
    EXPECT_EQ(run->error_message, "crashed: SIGSEGV in node answer (plugin x)");
    EXPECT_TRUE(fs::is_empty(crashes));
}

TEST(StoreRecording, AStaleRunIsRecovered) {
    TempDir dir;
    const int64_t now = now_ms();
    auto store = open_store(dir.db());
    store->begin_run(started_run("rold", now - 3'600'000));
    store->begin_run(started_run("rnew", now));
    EXPECT_EQ(store->recover_interrupted(600'000), 1u);
    EXPECT_EQ(store->get("rold")->status, RunStatus::failed);
    EXPECT_EQ(store->get("rold")->error_message, store::RunStore::kInterruptedMessage);
    EXPECT_EQ(store->get("rnew")->status, RunStatus::running);
    EXPECT_EQ(store->recover_interrupted(600'000), 0u);

    // A run wrongly marked interrupted is set right by its finish_run.
    trace::Run old = started_run("rold", now - 3'600'000);
    finish(old, RunStatus::succeeded, now);
    store->finish_run(old);
    expect_same(*store->get("rold"), old);

    // The staleness rule also applies at open.
    store.reset();
    store::StoreOptions options;
    options.path = dir.db();
    options.interrupted_after_ms = 1;
    raw(dir.db())->exec("UPDATE runs SET updated_at_ms = updated_at_ms - 1000 WHERE id = 'rnew'");
    store = store::RunStore::open(options);
    EXPECT_EQ(store->get("rnew")->status, RunStatus::failed);
}

} // namespace
} // namespace tinyllm::store_test
