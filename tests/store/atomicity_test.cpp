// What the store promises when a write fails part-way or races another writer: each record is
// one transaction (all of its rows or none), and recovering interrupted runs never overwrites
// a run that finished meanwhile. Failures are planted with a trigger in the file, the way a
// full disk or a constraint would surface in the middle of a write.
#include "store_test_support.hpp"

#include <thread>

namespace tinyllm::store_test {
namespace {

using trace::RunStatus;

int64_t count(const fs::path &db, const std::string &sql) {
    return raw(db)->query_int(sql);
}

// An abort on the insert of any tool call: the node row and its model calls come first.
void plant_failing_tool_call_insert(const fs::path &db) {
    raw(db)->exec("CREATE TRIGGER planted_failure BEFORE INSERT ON tool_calls "
                  "BEGIN SELECT RAISE(ABORT, 'planted failure'); END");
}

trace::NodeExecution node_with_tool_call(int64_t seq, int64_t started_at_ms) {
    trace::NodeExecution node = simple_node(seq, started_at_ms);
    trace::ToolCall call;
    call.tool = "calculator";
    call.arguments = R"({"expression":"2+2"})";
    call.result = "4";
    call.started_at_ms = started_at_ms;
    call.duration_us = 20;
    node.tool_calls.push_back(call);
    return node;
}

TEST(StoreAtomicity, ANodeWhoseWriteFailsPartWayLeavesNoRow) {
    TempDir dir;
    const int64_t now = now_ms();
    auto store = open_store(dir.db());
    store->begin_run(started_run("r1", now));
    store->add_node("r1", simple_node(0, now));
    plant_failing_tool_call_insert(dir.db());

    const auto error = error_of([&] { store->add_node("r1", node_with_tool_call(1, now + 10)); });
    ASSERT_TRUE(error);
    EXPECT_THAT(error->what(), HasSubstr("cannot record node 1 (answer) of run r1"));
    EXPECT_THAT(error->what(), HasSubstr("planted failure"));

    EXPECT_EQ(count(dir.db(), "SELECT count(*) FROM node_executions WHERE seq = 1"), 0);
    EXPECT_EQ(count(dir.db(), "SELECT count(*) FROM model_calls WHERE node_seq = 1"), 0);
    // The running totals were not bumped for the node that was not recorded.
    EXPECT_EQ(count(dir.db(), "SELECT node_count FROM runs WHERE id = 'r1'"), 1);
    EXPECT_EQ(store->get("r1")->nodes.size(), 1u);

    // The store is usable afterwards: the failed transaction left no lock and no state behind.
    raw(dir.db())->exec("DROP TRIGGER planted_failure");
    store->add_node("r1", node_with_tool_call(1, now + 10));
    EXPECT_EQ(store->get("r1")->nodes.size(), 2u);
}

TEST(StoreAtomicity, ARunWhoseFinishFailsPartWayStaysAsItWas) {
    TempDir dir;
    const int64_t now = now_ms();
    auto store = open_store(dir.db());
    trace::Run run = started_run("r1", now);
    store->begin_run(run);
    plant_failing_tool_call_insert(dir.db());

    run.nodes = {simple_node(0, now), node_with_tool_call(1, now + 10)};
    finish(run, RunStatus::succeeded, now + 20);
    const auto error = error_of([&] { store->finish_run(run); });
    ASSERT_TRUE(error);
    EXPECT_THAT(error->what(), HasSubstr("cannot record the end of run r1"));

    const auto stored = store->get("r1");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, RunStatus::running); // not half finished
    EXPECT_EQ(stored->answer, "");
    EXPECT_TRUE(stored->nodes.empty()); // node 0 came before the failure, and is gone with it
    EXPECT_EQ(count(dir.db(), "SELECT count(*) FROM model_calls"), 0);
    EXPECT_EQ(count(dir.db(), "SELECT count(*) FROM metric_rollups"), 0)
        << "the metrics counted a run that did not end";
}

// Issue 17, item 4: recovery picks the runs to mark, then marks them in a transaction of its
// own. A run that finishes in between must keep its end. The window is opened by another
// connection that holds the write lock while recovery has chosen its runs, and finishes the run
// before letting it go. (On a machine so slow that recovery has not chosen within the wait, the
// run is already finished when it looks, and the test passes without testing the window.)
TEST(StoreAtomicity, RecoveryDoesNotOverwriteARunThatFinishesMeanwhile) {
    TempDir dir;
    const int64_t now = now_ms();
    auto store = open_store(dir.db());
    store->begin_run(started_run("rrace", now - 3'600'000)); // idle for an hour

    auto other = raw(dir.db());
    other->exec("BEGIN IMMEDIATE");
    size_t marked = 99;
    std::thread recovery([&] { marked = store->recover_interrupted(60'000); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    other->exec("UPDATE runs SET status = 'succeeded', answer = '4', finished_at_ms = " +
                std::to_string(now) + " WHERE id = 'rrace'");
    other->exec("COMMIT");
    recovery.join();

    EXPECT_EQ(marked, 0u);
    const auto run = store->get("rrace");
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, RunStatus::succeeded);
    EXPECT_EQ(run->answer, "4");
    EXPECT_EQ(run->error_code, "");
}

} // namespace
} // namespace tinyllm::store_test
