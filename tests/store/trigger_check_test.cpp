// The checks made as each grade is recorded (expansion/trigger_check.hpp), over a real store:
// the trigger records one pending expansion when a node goes over its threshold and not again
// (in this process or the next), not while an experiment is in progress or its cooldown runs;
// the watch rolls a promoted version back when its node's pass rate drops significantly below
// its predecessor's, and not when it holds.
#include "store_test_support.hpp"

#include "expansion/trigger_check.hpp"
#include "store/graph_store.hpp"

namespace tinyllm::store_test {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kStart = 1'700'002'800'000 / kHour * kHour;
const std::string kNode = "answer"; // simple_node's

class TriggerCheckTest : public ::testing::Test {
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
    }

    // A graded run of `version` that started at `at` and was graded then.
    int64_t graded(const std::string &version, bool pass, int64_t at,
                   const std::string &label = "") {
        trace::Run run = started_run("r" + std::to_string(next_++), at, "default", version);
        run.nodes.push_back(simple_node(0, at + 1));
        finish(run, trace::RunStatus::succeeded, at + 100);
        runs_->finish_run(run);
        store::GradeRecord g;
        g.run_id = run.id;
        g.node_id = kNode;
        g.judge = "rules";
        g.pass = pass;
        g.score = pass ? 1.0 : 0.0;
        g.created_at_ms = at + 200;
        if (!label.empty()) g.context = R"({"labels":{"category":")" + label + R"("}})";
        return runs_->record_grade(g);
    }

    static config::ExpansionTrigger rule() {
        config::ExpansionTrigger t;
        t.min_requests = 10;
        t.max_failure_rate = 0.3;
        t.cooldown_ms = 6 * kHour;
        return t;
    }

    store::ExperimentRecord experiment(const std::string &id, const std::string &candidate) {
        store::GraphVersionRecord c;
        c.graph_id = "default";
        c.hash = "h-" + id;
        c.parent = "3.0.0";
        c.origin = store::VersionOrigin::mutation;
        c.source = "mutation test";
        c.definition = "id: default\n";
        graphs_->add_candidate_version(c);
        store::ExperimentRecord x;
        x.id = id;
        x.graph_id = "default";
        x.node_id = kNode;
        x.strategy = "test";
        x.base_version = "3.0.0";
        x.candidate_version = candidate;
        x.trigger = "manual";
        x.judge = "rules";
        x.started_at_ms = kStart;
        return x;
    }

    TempDir dir_;
    std::unique_ptr<store::RunStore> runs_;
    std::unique_ptr<store::GraphStore> graphs_;
    int next_ = 0;
};

TEST_F(TriggerCheckTest, ANodeOverItsThresholdIsPendingOnceHereAndInTheNextProcess) {
    expansion::TriggerCheck check(*runs_, rule());
    const int64_t now = kStart + kHour;
    for (int i = 0; i < 9; ++i) {
        graded("3.0.0", i % 2 == 0, kStart + i * 1000); // 4 of 9 fail: too few requests yet
        EXPECT_FALSE(check.on_graded("default", "3.0.0", kNode, now).pending) << i;
    }
    graded("3.0.0", false, kStart + 9000); // 5 of 10
    const expansion::GradedCheck first = check.on_graded("default", "3.0.0", kNode, now);
    EXPECT_TRUE(first.pending);
    EXPECT_EQ(first.detail, "5 of 10 graded requests failed (50.0% > 30.0%)");
    EXPECT_FALSE(check.on_graded("default", "3.0.0", kNode, now).pending);
    expansion::TriggerCheck next_process(*runs_, rule());
    EXPECT_FALSE(next_process.on_graded("default", "3.0.0", kNode, now).pending);
    EXPECT_TRUE(graphs_->node_state("default", kNode).pending);
    EXPECT_EQ(graphs_->expansion_events("default", 0).size(), 1u);
}

// A node weak on one kind of request among many it handles well: under the node-level rule
// (21 of 100 fail), over it on its label (21 of 30 word problems fail), once that label has
// min_label_requests graded requests. Grades recorded before the first look are read from the
// store, later ones counted as they come, none twice.
TEST_F(TriggerCheckTest, ANodeWeakOnOneLabelIsPendingByThatLabel) {
    config::ExpansionTrigger rule_with_labels = rule();
    rule_with_labels.min_requests = 100;
    rule_with_labels.min_label_requests = 30;
    expansion::TriggerCheck check(*runs_, rule_with_labels);
    const int64_t now = kStart + kHour;
    int64_t at = kStart;
    for (int i = 0; i < 70; ++i)
        graded("3.0.0", true, at += 1000, "arithmetic"); // before the first look
    for (int i = 0; i < 29; ++i) {
        const bool pass = i % 3 == 2; // 2 of 3 fail
        const int64_t id = graded("3.0.0", pass, at += 1000, "word");
        const auto r = check.on_graded("default", "3.0.0", kNode, now, {"word", pass, id});
        EXPECT_FALSE(r.pending) << i << ": " << r.detail; // fewer than 30 of the label yet
    }
    const int64_t id = graded("3.0.0", false, at += 1000, "word");
    const expansion::GradedCheck first =
        check.on_graded("default", "3.0.0", kNode, now, {"word", false, id});
    EXPECT_TRUE(first.pending);
    EXPECT_EQ(first.detail,
              "21 of 30 graded requests labelled word failed (70.0% > 30.0%); 100 graded in all");

    // Without the label rule, the node (21 of 100) is not over its threshold.
    rule_with_labels.min_label_requests = 0;
    expansion::TriggerCheck node_only(*runs_, rule_with_labels);
    const expansion::GradedCheck r =
        node_only.on_graded("default", "3.0.0", kNode, now, {"word", false, id});
    EXPECT_FALSE(r.pending) << r.detail;
}

TEST_F(TriggerCheckTest, ANodeUnderItsThresholdOrOutsideTheWindowIsNotPending) {
    for (int i = 0; i < 20; ++i)
        graded("3.0.0", i % 5 != 0, kStart + i * 1000); // 20 % fail
    expansion::TriggerCheck check(*runs_, rule());
    EXPECT_FALSE(check.on_graded("default", "3.0.0", kNode, kStart + kHour).pending);
    for (int i = 0; i < 20; ++i)
        graded("3.0.0", false, kStart + 30000 + i * 1000); // now 60 % fail
    EXPECT_FALSE(check.on_graded("default", "3.0.0", kNode, kStart + 25 * kHour).pending)
        << "the grades are older than the 24 h window";
    EXPECT_TRUE(check.on_graded("default", "3.0.0", kNode, kStart + kHour).pending);
}

TEST_F(TriggerCheckTest, NoTriggerDuringAnExperimentOrItsCooldown) {
    for (int i = 0; i < 10; ++i)
        graded("3.0.0", false, kStart + i * 1000);
    store::ExperimentRecord x = experiment("x1", "3.1.0");
    graphs_->begin_experiment(x);
    EXPECT_FALSE(expansion::TriggerCheck(*runs_, rule())
                     .on_graded("default", "3.0.0", kNode, kStart + kHour)
                     .pending)
        << "an experiment is in progress";
    x.status = store::ExperimentStatus::rejected;
    x.decided_at_ms = kStart + kHour;
    graphs_->decide_experiment(x);
    EXPECT_FALSE(expansion::TriggerCheck(*runs_, rule())
                     .on_graded("default", "3.0.0", kNode, kStart + 6 * kHour)
                     .pending)
        << "5 h after the experiment ended: cooling down";
    EXPECT_TRUE(expansion::TriggerCheck(*runs_, rule())
                    .on_graded("default", "3.0.0", kNode, kStart + 7 * kHour + 1)
                    .pending)
        << "6 h after: the node may trigger again";
}

// The predecessor passed 90 %; the promoted version passes 40 % on its own traffic: rolled back
// after the watch's minimum, with the event and its reason; the replay outcomes graded before
// the promotion do not count.
TEST_F(TriggerCheckTest, APromotedVersionThatDropsIsRolledBack) {
    for (int i = 0; i < 50; ++i)
        graded("3.0.0", i % 10 != 0, kStart + i * 1000);
    for (int i = 0; i < 30; ++i)
        graded("3.1.0", true, kStart + 60'000 + i * 1000); // the experiment's replays: all pass
    store::ExperimentRecord x = experiment("x1", "3.1.0");
    graphs_->begin_experiment(x);
    x.status = store::ExperimentStatus::promoted;
    x.decided_at_ms = kStart + 100'000;
    graphs_->decide_experiment(x);
    ASSERT_EQ(graphs_->active_version("default"), "3.1.0");

    config::ExperimentSettings settings;
    expansion::TriggerCheck check(*runs_, rule(), settings);
    bool rolled_back = false;
    int outcomes = 0;
    for (; outcomes < 100 && !rolled_back; ++outcomes) {
        graded("3.1.0", outcomes % 5 < 2, kStart + 200'000 + outcomes * 1000); // 40 %
        const auto r = check.on_graded("default", "3.1.0", kNode, kStart + kHour);
        rolled_back = r.rolled_back;
        if (rolled_back) {
            EXPECT_THAT(r.detail, testing::HasSubstr("pass rate dropped"));
        }
    }
    EXPECT_TRUE(rolled_back);
    EXPECT_GE(outcomes, 30) << "never before the watch's minimum";
    EXPECT_EQ(graphs_->active_version("default"), "3.0.0");
    const auto events = graphs_->events("default");
    EXPECT_EQ(events.back().kind, store::GraphEventKind::auto_rollback);
    EXPECT_EQ(events.back().experiment_id, "x1");
}

TEST_F(TriggerCheckTest, APromotedVersionThatHoldsIsKept) {
    for (int i = 0; i < 50; ++i)
        graded("3.0.0", i % 10 != 0, kStart + i * 1000);
    store::ExperimentRecord x = experiment("x1", "3.1.0");
    graphs_->begin_experiment(x);
    x.status = store::ExperimentStatus::promoted;
    x.decided_at_ms = kStart + 100'000;
    graphs_->decide_experiment(x);
    expansion::TriggerCheck check(*runs_, rule(), config::ExperimentSettings{});
    for (int i = 0; i < 250; ++i) {
        graded("3.1.0", i % 20 != 0, kStart + 200'000 + i * 1000); // 95 %
        EXPECT_FALSE(check.on_graded("default", "3.1.0", kNode, kStart + kHour).rolled_back);
    }
    EXPECT_EQ(graphs_->active_version("default"), "3.1.0");
}

} // namespace
} // namespace tinyllm::store_test
