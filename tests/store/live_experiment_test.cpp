// Live experiments (expansion/arm.hpp, expansion/live_experiment.hpp) over a real store: the arm
// a request gets is sticky per input, independent between experiments and takes its share; the
// i-th graded outcome of each arm form a pair, and the sequential test's verdict promotes or
// rejects the candidate in the store; a grade without a verdict pauses the experiment, which
// then routes nothing and decides nothing.
#include "store_test_support.hpp"

#include "expansion/arm.hpp"
#include "expansion/experiment_owner.hpp"
#include "expansion/live_experiment.hpp"
#include "store/graph_store.hpp"
#include "store/owner.hpp"

#include <gmock/gmock.h>

#include <sys/wait.h>
#include <unistd.h>

namespace tinyllm::store_test {
namespace {

using Arm = expansion::LiveExperiment::Arm;
using ::testing::HasSubstr;

TEST(ArmTest, TheShareBoundsAreNeverAndAlways) {
    const uint64_t seed = expansion::arm_seed("x1");
    for (const char *input : {"", "a", "What is 2 + 2?"}) {
        EXPECT_FALSE(expansion::candidate_arm(seed, input, 0)) << input;
        EXPECT_FALSE(expansion::candidate_arm(seed, input, -1)) << input;
        EXPECT_TRUE(expansion::candidate_arm(seed, input, 1)) << input;
    }
}

TEST(ArmTest, AnInputKeepsItsArmAndTheArmsTakeTheirShares) {
    const uint64_t seed = expansion::arm_seed("x-share");
    for (const double share : {0.05, 0.2, 0.5}) {
        int candidate = 0;
        constexpr int kInputs = 20000;
        for (int i = 0; i < kInputs; ++i) {
            const std::string input = "request " + std::to_string(i);
            const bool arm = expansion::candidate_arm(seed, input, share);
            EXPECT_EQ(arm, expansion::candidate_arm(seed, input, share)) << input;
            candidate += arm ? 1 : 0;
        }
        // Binomial(20000, share): 5 standard deviations either way (these inputs are fixed, so
        // the count is too; the bound says the hash spreads them as a fair draw would).
        const double sd = std::sqrt(kInputs * share * (1 - share));
        EXPECT_NEAR(candidate, kInputs * share, 5 * sd) << share;
    }
}

TEST(ArmTest, TwoExperimentsSplitTheSameInputsIndependently) {
    const uint64_t a = expansion::arm_seed("x-first");
    const uint64_t b = expansion::arm_seed("x-second");
    int both = 0;
    constexpr int kInputs = 20000;
    for (int i = 0; i < kInputs; ++i) {
        const std::string input = "request " + std::to_string(i);
        both += expansion::candidate_arm(a, input, 0.5) && expansion::candidate_arm(b, input, 0.5);
    }
    // Independent: a quarter in both candidate arms (the same seed would put half there).
    EXPECT_NEAR(both, kInputs / 4, 5 * std::sqrt(kInputs * 0.25 * 0.75));
}

class LiveExperimentTest : public ::testing::Test {
protected:
    void SetUp() override {
        runs_ = open_store(dir_.db());
        graphs_ = std::make_unique<store::GraphStore>(*runs_);
        store::GraphVersionRecord v;
        v.graph_id = "default";
        v.version = "3.0.0";
        v.hash = "base";
        v.source = "graphs/default.yaml";
        v.definition = "id: default\n";
        graphs_->register_file_version(v);
        store::GraphVersionRecord c = v;
        c.hash = "candidate";
        c.parent = "3.0.0";
        c.origin = store::VersionOrigin::mutation;
        c.source = "mutation test";
        candidate_ = graphs_->add_candidate_version(c).version;
        store::ExperimentRecord x;
        x.id = "x-live";
        x.graph_id = "default";
        x.node_id = "answer";
        x.strategy = "test";
        x.base_version = "3.0.0";
        x.candidate_version = candidate_;
        x.trigger = "manual";
        x.judge = "rules";
        x.share = 0.5;
        graphs_->begin_experiment(x);
        x.status = store::ExperimentStatus::live;
        graphs_->update_experiment(x);
        settings_.min_pairs = 10;
        settings_.max_pairs = 200;
    }

    expansion::LiveExperiment::Update grade(expansion::LiveExperiment &live, bool candidate,
                                            std::optional<bool> pass) {
        expansion::LiveExperiment::Graded g;
        g.candidate = candidate;
        g.input = "request " + std::to_string(next_++);
        g.run_id = "r" + std::to_string(next_);
        g.pass = pass;
        if (!pass) g.judge_error = "judge down";
        return live.on_graded(g);
    }

    TempDir dir_;
    std::unique_ptr<store::RunStore> runs_;
    std::unique_ptr<store::GraphStore> graphs_;
    std::string candidate_;
    config::ExperimentSettings settings_;
    int next_ = 0;
};

TEST_F(LiveExperimentTest, TheLiveExperimentOfTheVersionAboutToRunIsFound) {
    EXPECT_TRUE(expansion::live_experiment_for(*graphs_, "default", "3.0.0"));
    EXPECT_FALSE(expansion::live_experiment_for(*graphs_, "default", candidate_));
    EXPECT_FALSE(expansion::live_experiment_for(*graphs_, "other", "3.0.0"));
}

TEST_F(LiveExperimentTest, ABetterCandidateIsPromotedByPairsOfArrivalOrder) {
    expansion::LiveExperiment live(*runs_, *graphs_->experiment("x-live"), settings_);
    expansion::LiveExperiment::Update last;
    int graded = 0;
    // The base passes every other request, the candidate every one; base outcomes come in
    // twice as often (pairs form as the slower arm's outcomes arrive).
    while (!last.ended && graded < 600) {
        last = grade(live, false, graded % 4 == 0);
        last = last.ended ? last : grade(live, false, graded % 4 != 0);
        last = last.ended ? last : grade(live, true, true);
        graded += 3;
    }
    ASSERT_TRUE(last.ended) << last.detail;
    EXPECT_EQ(last.status, store::ExperimentStatus::promoted);
    EXPECT_THAT(last.detail, HasSubstr("candidate better"));
    EXPECT_EQ(graphs_->active_version("default"), candidate_);
    const auto x = graphs_->experiment("x-live");
    EXPECT_EQ(x->status, store::ExperimentStatus::promoted);
    EXPECT_THAT(x->evidence, HasSubstr("\"candidate_outcomes\""));
    // Decided: no more routing, and a late grade changes nothing.
    EXPECT_EQ(live.route("anything"), Arm::none);
    EXPECT_FALSE(grade(live, true, false).ended);
    EXPECT_EQ(graphs_->experiment("x-live")->status, store::ExperimentStatus::promoted);
}

TEST_F(LiveExperimentTest, AWorseCandidateIsRejectedAndRetired) {
    expansion::LiveExperiment live(*runs_, *graphs_->experiment("x-live"), settings_);
    expansion::LiveExperiment::Update last;
    for (int i = 0; i < 200 && !last.ended; ++i) {
        last = grade(live, false, true);
        if (!last.ended) last = grade(live, true, i % 3 == 0);
    }
    ASSERT_TRUE(last.ended);
    EXPECT_EQ(last.status, store::ExperimentStatus::rejected);
    EXPECT_EQ(graphs_->active_version("default"), "3.0.0");
}

TEST_F(LiveExperimentTest, EqualArmsDecideNothingBeforeMaxPairs) {
    expansion::LiveExperiment live(*runs_, *graphs_->experiment("x-live"), settings_);
    for (int i = 0; i < 100; ++i) {
        // Concordant pairs only: no evidence either way.
        EXPECT_FALSE(grade(live, false, i % 2 == 0).ended);
        EXPECT_FALSE(grade(live, true, i % 2 == 0).ended);
    }
    EXPECT_EQ(graphs_->experiment("x-live")->status, store::ExperimentStatus::live);
    EXPECT_THAT(graphs_->experiment("x-live")->decision, HasSubstr("live: "));
}

TEST_F(LiveExperimentTest, AMissingVerdictPausesAndNothingIsDecidedOnIt) {
    expansion::LiveExperiment live(*runs_, *graphs_->experiment("x-live"), settings_);
    EXPECT_NE(live.route("a request"), Arm::none);
    const auto u = grade(live, true, std::nullopt);
    EXPECT_TRUE(u.paused);
    EXPECT_FALSE(u.ended);
    EXPECT_EQ(live.route("a request"), Arm::none);
    const auto x = graphs_->experiment("x-live");
    EXPECT_EQ(x->status, store::ExperimentStatus::paused);
    EXPECT_THAT(x->decision, HasSubstr("judge rules gave no verdict (judge down)"));
    EXPECT_THAT(x->decision, HasSubstr("tinyllm expansion resume x-live"));
    EXPECT_FALSE(expansion::live_experiment_for(*graphs_, "default", "3.0.0"));
    // Outcomes that arrive after the pause are recorded, never counted toward a decision.
    for (int i = 0; i < 50; ++i)
        EXPECT_FALSE(grade(live, true, true).ended);
    EXPECT_EQ(graphs_->experiment("x-live")->status, store::ExperimentStatus::paused);
}

TEST_F(LiveExperimentTest, AnExperimentEndedElsewhereStopsTheSplitHere) {
    expansion::LiveExperiment live(*runs_, *graphs_->experiment("x-live"), settings_);
    store::ExperimentRecord x = *graphs_->experiment("x-live");
    x.status = store::ExperimentStatus::cancelled;
    x.decision = "cancelled by hand";
    ASSERT_TRUE(graphs_->decide_experiment(x));
    EXPECT_FALSE(grade(live, false, true).ended);
    EXPECT_EQ(live.route("a request"), Arm::none);
    EXPECT_EQ(graphs_->experiment("x-live")->status, store::ExperimentStatus::cancelled);
}

// An offline experiment whose replaying process died is paused by the next command, so it no
// longer holds its node; one whose process lives (this one) is left alone.
TEST_F(LiveExperimentTest, AnOfflineExperimentWhoseProcessDiedIsPaused) {
    store::ExperimentRecord live = *graphs_->experiment("x-live");
    live.status = store::ExperimentStatus::cancelled;
    ASSERT_TRUE(graphs_->decide_experiment(live));
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) _exit(0);
    ASSERT_EQ(waitpid(child, nullptr, 0), child); // reaped: its pid names no process now
    const store::Owner me = store::current_owner();
    const auto offline = [&](const std::string &id, const std::string &node, int64_t pid) {
        store::ExperimentRecord x = live;
        x.id = id;
        x.node_id = node;
        x.status = store::ExperimentStatus::offline;
        x.decided_at_ms.reset();
        x.settings = R"({"decided_on":"replay","owner":{"host":")" + me.host + R"(","pid":)" +
                     std::to_string(pid) + "}}";
        graphs_->begin_experiment(x);
    };
    offline("x-dead", "answer", child);
    offline("x-mine", "other", me.pid);
    EXPECT_EQ(expansion::pause_interrupted_experiments(*graphs_), 1u);
    const auto dead = graphs_->experiment("x-dead");
    EXPECT_EQ(dead->status, store::ExperimentStatus::paused);
    EXPECT_THAT(dead->decision, HasSubstr("interrupted, process " + std::to_string(child)));
    EXPECT_THAT(dead->decision, HasSubstr("tinyllm expansion resume x-dead"));
    EXPECT_EQ(graphs_->experiment("x-mine")->status, store::ExperimentStatus::offline);
    EXPECT_EQ(expansion::pause_interrupted_experiments(*graphs_), 0u);
}

} // namespace
} // namespace tinyllm::store_test
