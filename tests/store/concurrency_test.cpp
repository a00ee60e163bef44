// Concurrent writers: many threads on one RunStore, two RunStores on one file (as two
// processes would have), and two real processes. Whatever the interleaving, every row must be
// there; nothing here depends on timing.
#include "store_test_support.hpp"

#include "store/run_id.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

namespace tinyllm::store_test {
namespace {

constexpr int kNodesPerRun = 2;

// One complete run, recorded the way the executor does: begin, a node at a time, finish.
void record_run(store::RunStore &store, const std::string &graph) {
    trace::Run run = started_run(store::new_run_id(), now_ms(), graph);
    store.begin_run(run);
    for (int seq = 0; seq < kNodesPerRun; ++seq) {
        trace::NodeExecution node = simple_node(seq, now_ms());
        trace::ToolCall tool;
        tool.tool = "clock";
        tool.arguments = "{}";
        tool.result = R"({"now":1})";
        node.tool_calls.push_back(tool);
        store.add_node(run.id, node);
    }
    finish(run, trace::RunStatus::succeeded, now_ms());
    store.finish_run(run);
}

// Each of `threads` threads records `runs` runs into its store (round robin over `stores`).
void write_concurrently(const std::vector<store::RunStore *> &stores, int threads, int runs) {
    std::vector<std::thread> workers;
    std::atomic<int> failures{0};
    for (int t = 0; t < threads; ++t) {
        store::RunStore *store = stores[static_cast<size_t>(t) % stores.size()];
        workers.emplace_back([store, runs, t, &failures] {
            try {
                for (int i = 0; i < runs; ++i)
                    record_run(*store, "g" + std::to_string(t));
            } catch (const std::exception &e) {
                ++failures;
                ADD_FAILURE() << "thread " << t << ": " << e.what();
            }
        });
    }
    for (auto &worker : workers)
        worker.join();
    EXPECT_EQ(failures.load(), 0);
}

// Every run complete: its row, its nodes and their calls, its totals.
void expect_all_recorded(const fs::path &path, int64_t runs) {
    auto db = raw(path);
    EXPECT_EQ(db->query_int("SELECT count(*) FROM runs"), runs);
    EXPECT_EQ(db->query_int("SELECT count(*) FROM runs WHERE status = 'succeeded' AND "
                            "node_count = 2 AND prompt_tokens = 20 AND completion_tokens = 10"),
              runs);
    EXPECT_EQ(db->query_int("SELECT count(*) FROM node_executions"), runs * kNodesPerRun);
    EXPECT_EQ(db->query_int("SELECT count(*) FROM model_calls"), runs * kNodesPerRun);
    EXPECT_EQ(db->query_int("SELECT count(*) FROM tool_calls"), runs * kNodesPerRun);
    EXPECT_EQ(db->query_text("PRAGMA integrity_check"), "ok");
}

TEST(StoreConcurrency, ManyThreadsShareOneStore) {
    TempDir dir;
    auto store = open_store(dir.db());
    // A reader runs beside the writers, as `tinyllm runs list` might.
    std::atomic<bool> done{false};
    std::thread reader([&] {
        try {
            while (!done.load()) {
                for (const auto &run : store->list({}))
                    store->get(run.id);
            }
        } catch (const std::exception &e) {
            ADD_FAILURE() << "reader: " << e.what();
        }
    });
    write_concurrently({store.get()}, 8, 50);
    done = true;
    reader.join();

    expect_all_recorded(dir.db(), 8 * 50);
    store::RunStore::ListFilter filter;
    filter.limit = 0;
    filter.graph_id = "g3";
    const auto runs = store->list(filter);
    ASSERT_EQ(runs.size(), 50u);
    EXPECT_EQ(store->get(runs.front().id)->nodes.size(), 2u);
}

TEST(StoreConcurrency, TwoStoresOnOneFile) {
    TempDir dir;
    auto first = open_store(dir.db());
    auto second = open_store(dir.db());
    write_concurrently({first.get(), second.get()}, 8, 25);
    expect_all_recorded(dir.db(), 8 * 25);
    store::RunStore::ListFilter filter;
    filter.limit = 0;
    EXPECT_EQ(first->list(filter).size(), 200u);
    EXPECT_EQ(second->list(filter).size(), 200u);
}

TEST(StoreConcurrency, TwoProcessesOnOneFile) {
    TempDir dir;
    // The child opens its own store after the fork (an SQLite connection must not cross one)
    // and reports through its exit status only.
    const pid_t child = ::fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        int status = 0;
        try {
            auto store = open_store(dir.db());
            for (int i = 0; i < 100; ++i)
                record_run(*store, "child");
        } catch (const std::exception &e) {
            std::fprintf(stderr, "child: %s\n", e.what()); // the parent's test output shows it
            status = 1;
        } catch (...) {
            status = 1;
        }
        ::_exit(status);
    }
    {
        auto store = open_store(dir.db());
        for (int i = 0; i < 100; ++i)
            record_run(*store, "parent");
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    expect_all_recorded(dir.db(), 200);
    EXPECT_EQ(raw(dir.db())->query_int("SELECT count(*) FROM runs WHERE graph_id = 'child'"), 100);
}

TEST(StoreConcurrency, AWriterBlockedTooLongFailsLoudlyAndReadersAreNotBlocked) {
    TempDir dir;
    store::StoreOptions options;
    options.path = dir.db();
    options.busy_timeout_ms = 100;
    auto store = store::RunStore::open(options);
    store->begin_run(started_run("r1", now_ms()));

    // Another "process" holds the write lock, mid-transaction, for the whole test.
    auto other = raw(dir.db());
    other->exec("BEGIN IMMEDIATE");
    other->exec("UPDATE runs SET input = 'uncommitted'");

    const auto error = error_of([&] { store->begin_run(started_run("r2", now_ms())); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::io);
    EXPECT_THAT(error->what(), HasSubstr("run store " + dir.db().string() +
                                         ": cannot record the start of run r2"));
    EXPECT_THAT(error->what(), HasSubstr("database is locked"));

    // WAL: reads see the last commit and do not wait for the writer.
    const auto runs = store->list({});
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].input, "what is 2+2?");
    EXPECT_TRUE(store->get("r1"));

    other->exec("ROLLBACK");
    store->begin_run(started_run("r2", now_ms())); // the lock is free again
    EXPECT_EQ(store->list({}).size(), 2u);
}

} // namespace
} // namespace tinyllm::store_test
