// Graph versions and experiments in the run store (store/graph_store.hpp): a file's content
// recorded once and made active when the file changes, labels for a content that reuses a
// declared version, candidates under the next minor version, rollback to a recorded version (and
// the versions listed for one that is not), one experiment per node, a promotion that changes
// the active version in the same transaction, the trigger's counts and node state.
#include "store_test_support.hpp"

#include "store/graph_store.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace tinyllm::store_test {
namespace {

using store::ExperimentRecord;
using store::ExperimentStatus;
using store::GraphVersionRecord;
using testing::HasSubstr;

GraphVersionRecord file_version(const std::string &version, const std::string &hash) {
    GraphVersionRecord v;
    v.graph_id = "default";
    v.version = version;
    v.hash = hash;
    v.source = "graphs/default.yaml";
    v.definition = "id: default\nversion: " + version + "\n";
    return v;
}

GraphVersionRecord candidate(const std::string &parent, const std::string &hash) {
    GraphVersionRecord v = file_version("0.0.0", hash);
    v.origin = store::VersionOrigin::mutation;
    v.parent = parent;
    v.strategy = "escalate_model";
    v.rationale = "a bigger model";
    v.source = "mutation escalate_model";
    return v;
}

ExperimentRecord experiment(const std::string &id, const std::string &node,
                            const std::string &candidate_version) {
    ExperimentRecord x;
    x.id = id;
    x.graph_id = "default";
    x.node_id = node;
    x.strategy = "escalate_model";
    x.base_version = "3.0.0";
    x.candidate_version = candidate_version;
    x.trigger = "manual";
    x.judge = "rules";
    x.share = 0.2;
    return x;
}

class GraphStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        runs_ = open_store(dir_.db());
        graphs_ = std::make_unique<store::GraphStore>(*runs_);
    }
    TempDir dir_;
    std::unique_ptr<store::RunStore> runs_;
    std::unique_ptr<store::GraphStore> graphs_;
};

TEST_F(GraphStoreTest, AFileIsRecordedOnceAndItsEditBecomesActive) {
    EXPECT_EQ(graphs_->register_file_version(file_version("3.0.0", "aaaa1111")).version, "3.0.0");
    EXPECT_EQ(graphs_->register_file_version(file_version("3.0.0", "aaaa1111")).version, "3.0.0");
    EXPECT_EQ(graphs_->versions("default").size(), 1u);
    // Edited without a new version number: a label that says so.
    const auto edited = graphs_->register_file_version(file_version("3.0.0", "bbbb2222ffff"));
    EXPECT_EQ(edited.version, "3.0.0+bbbb2222");
    EXPECT_EQ(edited.parent, "3.0.0");
    EXPECT_EQ(graphs_->active_version("default"), "3.0.0+bbbb2222");
    // Edited back: the known content is active again, nothing new recorded.
    EXPECT_EQ(graphs_->register_file_version(file_version("3.0.0", "aaaa1111")).version, "3.0.0");
    EXPECT_EQ(graphs_->versions("default").size(), 2u);
    EXPECT_EQ(graphs_->events("default").size(), 3u);
}

TEST_F(GraphStoreTest, AnUnchangedFileKeepsWhatARollbackOrPromotionMadeActive) {
    graphs_->register_file_version(file_version("3.0.0", "aaaa1111"));
    const auto c = graphs_->add_candidate_version(candidate("3.0.0", "cccc3333"));
    EXPECT_EQ(c.version, "3.1.0");
    EXPECT_EQ(graphs_->active_version("default"), "3.0.0"); // a candidate is not active
    store::GraphEvent promote;
    promote.graph_id = "default";
    promote.kind = store::GraphEventKind::promotion;
    promote.to_version = "3.1.0";
    graphs_->activate(promote);
    EXPECT_EQ(graphs_->register_file_version(file_version("3.0.0", "aaaa1111")).version, "3.1.0");
    const auto events = graphs_->events("default");
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].from_version, "3.0.0");
    EXPECT_EQ(events[1].to_version, "3.1.0");
}

TEST_F(GraphStoreTest, CandidatesTakeTheNextFreeMinorAndKnownContentIsReused) {
    graphs_->register_file_version(file_version("3.0.0", "aaaa1111"));
    EXPECT_EQ(graphs_->add_candidate_version(candidate("3.0.0", "c1")).version, "3.1.0");
    EXPECT_EQ(graphs_->add_candidate_version(candidate("3.0.0", "c2")).version, "3.2.0");
    EXPECT_EQ(graphs_->add_candidate_version(candidate("3.1.0", "c3")).version, "3.3.0");
    EXPECT_EQ(graphs_->add_candidate_version(candidate("3.0.0", "c1")).version, "3.1.0");
    EXPECT_EQ(graphs_->add_candidate_version(candidate("3.0.0", "aaaa1111")).version, "3.0.0");
    EXPECT_EQ(graphs_->versions("default").size(), 4u);
}

TEST_F(GraphStoreTest, VersionsAreFoundByLabelOrHashPrefix) {
    graphs_->register_file_version(file_version("3.0.0", "aaaa1111"));
    graphs_->add_candidate_version(candidate("3.0.0", "aaaa2222"));
    EXPECT_EQ(graphs_->version("default", "aaaa2")->version, "3.1.0");
    EXPECT_EQ(graphs_->version("default", "3.0.0")->hash, "aaaa1111");
    EXPECT_FALSE(graphs_->version("default", "9.9.9"));
    EXPECT_FALSE(graphs_->version("default", "ab")); // too short to be a hash prefix
    const Error e = *error_of([&] { (void)graphs_->version("default", "aaaa"); });
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
}

TEST_F(GraphStoreTest, ActivatingAnUnknownVersionListsTheRecordedOnes) {
    graphs_->register_file_version(file_version("3.0.0", "aaaa1111"));
    store::GraphEvent rollback;
    rollback.graph_id = "default";
    rollback.kind = store::GraphEventKind::rollback;
    rollback.to_version = "2.0.0";
    const Error e = *error_of([&] { graphs_->activate(rollback); });
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_THAT(e.what(), HasSubstr("no version 2.0.0 (versions: 3.0.0)"));
    EXPECT_EQ(graphs_->active_version("default"), "3.0.0");
}

TEST_F(GraphStoreTest, OneExperimentPerNodeAtATime) {
    graphs_->register_file_version(file_version("3.0.0", "aaaa1111"));
    graphs_->add_candidate_version(candidate("3.0.0", "c1"));
    graphs_->add_candidate_version(candidate("3.0.0", "c2"));
    graphs_->begin_experiment(experiment("x1", "specialist.math", "3.1.0"));
    const Error e =
        *error_of([&] { graphs_->begin_experiment(experiment("x2", "specialist.math", "3.2.0")); });
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_THAT(e.what(), HasSubstr("already has experiment x1 in progress"));
    // Another node is free.
    graphs_->begin_experiment(experiment("x3", "specialist.code", "3.2.0"));
    EXPECT_EQ(graphs_->in_progress().size(), 2u);
}

TEST_F(GraphStoreTest, APromotionDecidesAndActivatesTogetherAndOnlyOnce) {
    graphs_->register_file_version(file_version("3.0.0", "aaaa1111"));
    graphs_->add_candidate_version(candidate("3.0.0", "c1"));
    graphs_->begin_experiment(experiment("x1", "specialist.math", "3.1.0"));
    ExperimentRecord x = *graphs_->experiment("x1");
    x.status = ExperimentStatus::promoted;
    x.decision = "candidate better at 95% confidence";
    EXPECT_TRUE(graphs_->decide_experiment(x));
    EXPECT_EQ(graphs_->active_version("default"), "3.1.0");
    EXPECT_EQ(graphs_->experiment("x")->status, ExperimentStatus::promoted); // by prefix
    // A second decision (another process) changes nothing.
    x.status = ExperimentStatus::rejected;
    EXPECT_FALSE(graphs_->decide_experiment(x));
    EXPECT_EQ(graphs_->experiment("x1")->status, ExperimentStatus::promoted);
    EXPECT_FALSE(graphs_->version("default", "3.1.0")->retired_at_ms);
    const auto events = graphs_->events("default");
    EXPECT_EQ(events.back().kind, store::GraphEventKind::promotion);
    EXPECT_EQ(events.back().experiment_id, "x1");
    // Deciding as "live" is a caller's mistake.
    x.status = ExperimentStatus::live;
    EXPECT_EQ(error_of([&] { graphs_->decide_experiment(x); })->code(),
              ErrorCode::invalid_argument);
}

TEST_F(GraphStoreTest, ARejectionRetiresTheCandidateAndKeepsTheActiveVersion) {
    graphs_->register_file_version(file_version("3.0.0", "aaaa1111"));
    graphs_->add_candidate_version(candidate("3.0.0", "c1"));
    graphs_->begin_experiment(experiment("x1", "specialist.math", "3.1.0"));
    ExperimentRecord x = *graphs_->experiment("x1");
    x.status = ExperimentStatus::rejected;
    EXPECT_TRUE(graphs_->decide_experiment(x));
    EXPECT_EQ(graphs_->active_version("default"), "3.0.0");
    EXPECT_TRUE(graphs_->version("default", "3.1.0")->retired_at_ms);
}

TEST_F(GraphStoreTest, OutcomesAreNumberedPerPhaseAndArm) {
    graphs_->register_file_version(file_version("3.0.0", "aaaa1111"));
    graphs_->add_candidate_version(candidate("3.0.0", "c1"));
    graphs_->begin_experiment(experiment("x1", "specialist.math", "3.1.0"));
    store::ExperimentOutcome o;
    o.experiment_id = "x1";
    o.phase = store::ExperimentPhase::live;
    o.input_hash = "h";
    o.pass = true;
    EXPECT_EQ(graphs_->record_outcome(o), 0);
    EXPECT_EQ(graphs_->record_outcome(o), 1);
    o.candidate = true;
    o.pass.reset(); // no verdict
    EXPECT_EQ(graphs_->record_outcome(o), 0);
    const auto live = graphs_->outcomes("x1", store::ExperimentPhase::live);
    ASSERT_EQ(live.size(), 3u);
    EXPECT_FALSE(live[2].pass);
    EXPECT_TRUE(live[2].candidate);
    EXPECT_TRUE(graphs_->outcomes("x1", store::ExperimentPhase::failing).empty());
}

TEST_F(GraphStoreTest, NodeStateTellsPendingInProgressAndCooldown) {
    graphs_->register_file_version(file_version("3.0.0", "aaaa1111"));
    EXPECT_FALSE(graphs_->node_state("default", "specialist.math").pending);
    store::ExpansionEvent pending;
    pending.graph_id = "default";
    pending.graph_version = "3.0.0";
    pending.node_id = "specialist.math";
    pending.at_ms = 1000;
    pending.kind = store::ExpansionEventKind::pending;
    graphs_->record_event(pending);
    EXPECT_TRUE(graphs_->node_state("default", "specialist.math").pending);
    graphs_->add_candidate_version(candidate("3.0.0", "c1"));
    ExperimentRecord x = experiment("x1", "specialist.math", "3.1.0");
    x.started_at_ms = 2000;
    graphs_->begin_experiment(x);
    EXPECT_TRUE(graphs_->node_state("default", "specialist.math").in_progress);
    x.status = ExperimentStatus::rejected;
    x.decided_at_ms = 3000;
    graphs_->decide_experiment(x);
    const auto state = graphs_->node_state("default", "specialist.math");
    EXPECT_FALSE(state.pending);
    EXPECT_FALSE(state.in_progress);
    EXPECT_EQ(state.last_decided_at_ms, 3000);
}

TEST_F(GraphStoreTest, GradedCountsComeFromTheNodesHourlyRollups) {
    constexpr int64_t kHour = 3'600'000;
    const int64_t start = 1'700'000'000'000 / kHour * kHour;
    for (int i = 0; i < 4; ++i) {
        trace::Run run = started_run("r" + std::to_string(i), start + i * 1000);
        run.nodes.push_back(simple_node(0, start + i * 1000 + 1));
        finish(run, trace::RunStatus::succeeded, start + i * 1000 + 100);
        runs_->finish_run(run);
        store::GradeRecord g;
        g.run_id = run.id;
        g.node_id = run.nodes[0].node_id;
        g.judge = "rules";
        if (i == 3) {
            g.error = "the judge failed";
        } else {
            g.score = i == 0 ? 1.0 : 0.0;
            g.pass = i == 0;
        }
        runs_->record_grade(g);
    }
    const trace::Run any = started_run("x", start);
    const auto g = graphs_->graded_since(any.graph_id, any.graph_version,
                                         simple_node(0, start).node_id, start + 1800 * 1000);
    EXPECT_EQ(g.graded, 3); // the judge's failure is no verdict
    EXPECT_EQ(g.failures, 2);
    EXPECT_EQ(graphs_->graded_since(any.graph_id, any.graph_version, "other", start).graded, 0);
    EXPECT_EQ(graphs_
                  ->graded_since(any.graph_id, any.graph_version, simple_node(0, start).node_id,
                                 start + kHour)
                  .graded,
              0);
}

// kill -9 in the middle of promotions: a child promotes candidate after candidate as fast as it
// can and is killed at a different moment each round; the store reopened afterwards has exactly
// one active version, every promoted experiment has its promotion event and the other way
// round, the active version is the last promotion's, and SQLite's integrity check passes.
TEST(GraphStoreKill, KilledDuringPromotionsLeavesOneActiveVersionAndAConsistentStore) {
    for (int round = 0; round < 5; ++round) {
        TempDir dir;
        {
            auto runs = open_store(dir.db());
            store::GraphStore(*runs).register_file_version(file_version("3.0.0", "base"));
        }
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            auto runs = open_store(dir.db());
            store::GraphStore graphs(*runs);
            for (int i = 0;; ++i) {
                const auto c = graphs.add_candidate_version(candidate(
                    graphs.active_version("default").value_or("3.0.0"), "h" + std::to_string(i)));
                ExperimentRecord x =
                    experiment("x" + std::to_string(i), "specialist.math", c.version);
                graphs.begin_experiment(x);
                x.status = ExperimentStatus::promoted;
                graphs.decide_experiment(x);
            }
        }
        // Killed once it has promoted at least once (on a slow machine that takes a while),
        // then at a different moment each round.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline &&
               raw(dir.db())->query_int(
                   "SELECT COUNT(*) FROM experiments WHERE status = 'promoted'") == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(3 + 11 * round));
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status));

        auto runs = open_store(dir.db());
        store::GraphStore graphs(*runs);
        EXPECT_EQ(raw(dir.db())->query_text("PRAGMA integrity_check"), "ok");
        EXPECT_EQ(raw(dir.db())->query_int("SELECT COUNT(*) FROM graph_active"), 1);
        const auto events = graphs.events("default");
        std::set<std::string> promoted_by_event;
        for (const auto &e : events)
            if (e.kind == store::GraphEventKind::promotion)
                promoted_by_event.insert(e.experiment_id);
        std::set<std::string> promoted;
        size_t in_progress = 0;
        for (const auto &x : graphs.experiments("default", 0)) {
            if (x.status == ExperimentStatus::promoted) promoted.insert(x.id);
            if (store::in_progress(x.status)) ++in_progress;
        }
        EXPECT_EQ(promoted, promoted_by_event) << "round " << round;
        EXPECT_LE(in_progress, 1u); // begun, not decided when the kill came
        ASSERT_FALSE(events.empty());
        EXPECT_EQ(graphs.active_version("default"), events.back().to_version);
        EXPECT_GE(promoted.size(), 1u) << "the child promoted nothing before the kill";
    }
}

} // namespace
} // namespace tinyllm::store_test
