// Reading runs back: list (order, limit, filters) and get (by id, by prefix).
#include "store_test_support.hpp"

#include <vector>

namespace tinyllm::store_test {
namespace {

using trace::RunStatus;

std::vector<std::string> ids(const std::vector<trace::Run> &runs) {
    std::vector<std::string> out;
    for (const auto &run : runs)
        out.push_back(run.id);
    return out;
}

class StoreQuery : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(dir_.db());
        // Inserted out of time order; ids deliberately not in time order either.
        record("rc", 3000, "chat", RunStatus::succeeded);
        record("ra", 1000, "chat", RunStatus::failed);
        record("re", 5000, "research", RunStatus::succeeded);
        record("rb", 2000, "research", RunStatus::cancelled);
        record("rd", 4000, "chat", RunStatus::succeeded);
        store_->begin_run(started_run("rf", now_ms(), "chat")); // still running
    }

    void record(const std::string &id, int64_t started_at_ms, const std::string &graph,
                RunStatus status) {
        trace::Run run = started_run(id, started_at_ms, graph);
        store_->begin_run(run);
        store_->add_node(id, simple_node(0, started_at_ms + 1));
        finish(run, status, started_at_ms + 10);
        store_->finish_run(run);
    }

    TempDir dir_;
    std::unique_ptr<store::RunStore> store_;
};

TEST_F(StoreQuery, ListsNewestFirst) {
    const auto runs = store_->list({});
    EXPECT_EQ(ids(runs), (std::vector<std::string>{"rf", "re", "rd", "rc", "rb", "ra"}));
    for (const auto &run : runs)
        EXPECT_TRUE(run.nodes.empty()) << run.id;
    EXPECT_EQ(runs[1].answer, "4");
    EXPECT_EQ(runs[1].finished_at_ms, 5010);
    EXPECT_EQ(runs[0].status, RunStatus::running);
}

// Retention: the ended runs that started before the cut go, with every row that hangs off
// them; a run still running stays whatever its age; the per-minute metrics they counted stay.
TEST_F(StoreQuery, OldRunsAreDeletedWithTheirRowsInBatches) {
    const auto rows = [this](const char *table) {
        auto db = raw(dir_.db());
        store::sqlite::Statement s(*db, std::string("SELECT COUNT(*) FROM ") + table);
        s.step();
        return s.column_int64(0);
    };
    const int64_t rollups = rows("metric_rollups");
    store_->begin_run(started_run("rg", 500, "chat"));  // old, but still running
    EXPECT_EQ(store_->delete_runs_before(3000, 1), 2u); // ra, rb: batches of one
    EXPECT_EQ(ids(store_->list({})), (std::vector<std::string>{"rf", "re", "rd", "rc", "rg"}));
    EXPECT_EQ(rows("node_executions"), 3); // rc, rd, re
    EXPECT_EQ(rows("model_calls"), 3);
    EXPECT_EQ(rows("metric_rollups"), rollups);
    EXPECT_EQ(store_->delete_runs_before(3000), 0u); // nothing more before the cut
    EXPECT_FALSE(store_->get("ra"));
    EXPECT_EQ(store_->delete_runs_before(now_ms() + 1000), 3u); // rf and rg still run
    EXPECT_EQ(ids(store_->list({})), (std::vector<std::string>{"rf", "rg"}));
}

TEST_F(StoreQuery, ListHonoursTheLimit) {
    store::RunStore::ListFilter filter;
    filter.limit = 2;
    EXPECT_EQ(ids(store_->list(filter)), (std::vector<std::string>{"rf", "re"}));
    filter.limit = 0; // no limit
    EXPECT_EQ(store_->list(filter).size(), 6u);
    filter.limit = 100;
    EXPECT_EQ(store_->list(filter).size(), 6u);
}

TEST_F(StoreQuery, ListFiltersByStatusAndGraph) {
    store::RunStore::ListFilter filter;
    filter.status = RunStatus::succeeded;
    EXPECT_EQ(ids(store_->list(filter)), (std::vector<std::string>{"re", "rd", "rc"}));
    filter.graph_id = "chat";
    EXPECT_EQ(ids(store_->list(filter)), (std::vector<std::string>{"rd", "rc"}));
    filter.status.reset();
    EXPECT_EQ(ids(store_->list(filter)), (std::vector<std::string>{"rf", "rd", "rc", "ra"}));
    filter.graph_id = "research";
    filter.status = RunStatus::cancelled;
    EXPECT_EQ(ids(store_->list(filter)), (std::vector<std::string>{"rb"}));
    filter.graph_id = "nope";
    EXPECT_TRUE(store_->list(filter).empty());
}

TEST_F(StoreQuery, GetsByIdAndByUniquePrefix) {
    store_->begin_run(started_run("rx1", now_ms()));
    store_->begin_run(started_run("rx12", now_ms()));
    store_->begin_run(started_run("rx2", now_ms()));

    ASSERT_TRUE(store_->get("rc"));
    EXPECT_EQ(store_->get("rc")->started_at_ms, 3000);
    EXPECT_EQ(store_->get("rc")->nodes.size(), 1u);
    EXPECT_EQ(store_->get("rx1")->id, "rx1"); // exact id wins over being a prefix of rx12
    EXPECT_EQ(store_->get("rx2")->id, "rx2");
    EXPECT_EQ(store_->get("rx12")->id, "rx12");
    EXPECT_FALSE(store_->get("nope"));
    EXPECT_FALSE(store_->get("rz"));
    EXPECT_FALSE(store_->get("rx3"));
}

TEST_F(StoreQuery, AnAmbiguousPrefixListsTheCandidates) {
    const auto error = error_of([&] { store_->get("r"); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);
    EXPECT_THAT(error->what(), HasSubstr("\"r\" is ambiguous"));
    EXPECT_THAT(error->what(), HasSubstr("ra, rb, rc, rd, re, rf"));

    for (int i = 0; i < 12; ++i)
        store_->begin_run(started_run("rm" + std::to_string(i), 1));
    const auto many = error_of([&] { store_->get("rm"); });
    ASSERT_TRUE(many);
    EXPECT_THAT(many->what(), HasSubstr("and more"));

    EXPECT_EQ(error_of([&] { store_->get(""); })->code(), ErrorCode::invalid_argument);
}

TEST_F(StoreQuery, PrefixesAreNotPatterns) {
    // With LIKE or GLOB, "r%" and "r_" would match every run and "r*" too.
    store_->begin_run(started_run("r%_*x", now_ms()));
    store_->begin_run(started_run("r\xff\xff", now_ms())); // a trailing 0xff cannot be incremented
    EXPECT_EQ(store_->get("r%")->id, "r%_*x");
    EXPECT_FALSE(store_->get("r_"));
    EXPECT_FALSE(store_->get("r*"));
    EXPECT_EQ(store_->get("r\xff")->id, "r\xff\xff");
}

} // namespace
} // namespace tinyllm::store_test
