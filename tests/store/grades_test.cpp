// Grades and evaluations in the run store: the round trip of every field, what record_grade
// refuses (and that a refused grade leaves nothing behind), grades counted in the metrics of
// their run's minute, and evaluations found by id prefix.
#include "store_test_support.hpp"

#include <cmath>
#include <limits>

namespace tinyllm::store_test {
namespace {

using trace::RunStatus;

constexpr int64_t kStart = 1'700'000'000'000; // a whole minute

class GradesTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(dir_.db());
        trace::Run run = started_run("r1", kStart + 5'000);
        run.nodes.push_back(simple_node(0, kStart + 5'001));
        finish(run, RunStatus::succeeded, kStart + 5'100);
        store_->finish_run(run);
    }

    static store::GradeRecord grade(double score, bool pass) {
        store::GradeRecord g;
        g.run_id = "r1";
        g.judge = "rules";
        g.score = score;
        g.pass = pass;
        return g;
    }

    store::metrics::Counters answer_metrics(int64_t since, int64_t until) {
        store::MetricsQuery q;
        q.since_ms = since;
        q.until_ms = until;
        q.node_id = "";
        const auto report = store_->metrics(q);
        return report.nodes.empty() ? store::metrics::Counters{} : report.nodes.front().total;
    }

    int64_t count(const std::string &table) {
        return raw(dir_.db())->query_int("SELECT count(*) FROM " + table);
    }

    TempDir dir_;
    std::unique_ptr<store::RunStore> store_;
};

TEST_F(GradesTest, EveryFieldRoundTrips) {
    store::EvaluationRecord e;
    e.id = "e-01";
    e.dataset = "tests/data/arith.jsonl";
    e.dataset_sha256 = std::string(64, 'a');
    e.graph_id = "chat";
    e.graph_version = "v1";
    e.judge = "rules";
    e.started_at_ms = kStart;
    e.example_count = 3;
    store_->begin_evaluation(e);

    store::GradeRecord full;
    full.run_id = "r1";
    full.node_id = "answer";
    full.evaluation_id = "e-01";
    full.example_index = 2;
    full.example_id = "arith-17";
    full.judge = "rules";
    full.score = 0.75;
    full.pass = true;
    full.reasons = R"(["numbers agree"])";
    full.labels = R"({"category":"math"})";
    full.expected = "";
    full.created_at_ms = kStart + 9'000;
    const int64_t id = store_->record_grade(full);

    store::GradeRecord bare; // no run, no score: a judge that answered pass/fail only
    bare.judge = "llm";
    bare.pass = false;
    const int64_t before = now_ms();
    const int64_t bare_id = store_->record_grade(bare);
    EXPECT_GT(bare_id, id);

    const auto of_run = store_->grades_of_run("r1");
    ASSERT_EQ(of_run.size(), 1u);
    const store::GradeRecord &g = of_run[0];
    EXPECT_EQ(g.id, id);
    EXPECT_EQ(g.run_id, "r1");
    EXPECT_EQ(g.node_id, "answer");
    EXPECT_EQ(g.evaluation_id, "e-01");
    EXPECT_EQ(g.example_index, 2);
    EXPECT_EQ(g.example_id, "arith-17");
    EXPECT_EQ(g.judge, "rules");
    EXPECT_EQ(g.score, 0.75);
    EXPECT_EQ(g.pass, true);
    EXPECT_EQ(g.error, "");
    EXPECT_EQ(g.reasons, R"(["numbers agree"])");
    EXPECT_EQ(g.labels, R"({"category":"math"})");
    EXPECT_EQ(g.expected, std::optional<std::string>("")); // empty, not absent
    EXPECT_EQ(g.created_at_ms, kStart + 9'000);
    EXPECT_EQ(store_->grades_of_evaluation("e-01").size(), 1u);

    auto db = raw(dir_.db());
    store::sqlite::Statement s(*db, "SELECT run_id, score, expected, reasons, labels, "
                                    "created_at_ms FROM grades WHERE id = ?1");
    s.bind(1, bare_id);
    ASSERT_TRUE(s.step());
    EXPECT_TRUE(s.column_is_null(0));
    EXPECT_TRUE(s.column_is_null(1));
    EXPECT_TRUE(s.column_is_null(2));
    EXPECT_EQ(s.column_text(3), "[]");
    EXPECT_EQ(s.column_text(4), "{}");
    EXPECT_GE(s.column_int64(5), before);
}

TEST_F(GradesTest, RefusesBadGradesAndWritesNothing) {
    auto refused = [&](store::GradeRecord g, ErrorCode code, const std::string &why) {
        const auto error = error_of([&] { store_->record_grade(g); });
        ASSERT_TRUE(error) << why;
        EXPECT_EQ(error->code(), code) << error->what();
        EXPECT_THAT(error->what(), HasSubstr(why));
        EXPECT_THAT(error->what(), HasSubstr(dir_.db().string()));
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    refused(grade(1.5, true), ErrorCode::invalid_argument, "score 1.5 is outside [0, 1]");
    refused(grade(-0.01, false), ErrorCode::invalid_argument, "outside [0, 1]");
    refused(grade(nan, false), ErrorCode::invalid_argument, "score nan is outside [0, 1]");
    refused(grade(inf, false), ErrorCode::invalid_argument, "outside [0, 1]");

    store::GradeRecord failed_judge = grade(0.9, false);
    failed_judge.error = "judge timed out";
    refused(failed_judge, ErrorCode::invalid_argument, "has no score and is not a pass");
    failed_judge.score.reset();
    failed_judge.pass = true;
    refused(failed_judge, ErrorCode::invalid_argument, "has no score and is not a pass");

    store::GradeRecord g = grade(0.5, true);
    g.reasons = R"({"not":"an array"})";
    refused(g, ErrorCode::invalid_argument, "reasons must be a JSON array");
    g = grade(0.5, true);
    g.labels = "[1, 2]";
    refused(g, ErrorCode::invalid_argument, "labels must be a JSON object");
    g = grade(0.5, true);
    g.labels = "{broken";
    refused(g, ErrorCode::invalid_argument, "labels must be a JSON object");
    g = grade(0.5, true);
    g.judge.clear();
    refused(g, ErrorCode::invalid_argument, "no judge named");
    g = grade(0.5, true);
    g.run_id.clear();
    g.node_id = "answer";
    refused(g, ErrorCode::invalid_argument, "node answer but no run");
    g = grade(0.5, true);
    g.example_index = -1;
    refused(g, ErrorCode::invalid_argument, "negative example index");
    g = grade(0.5, true);
    g.run_id = "r-nope";
    refused(g, ErrorCode::not_found, "no run r-nope");
    g = grade(0.5, true);
    g.evaluation_id = "e-nope";
    refused(g, ErrorCode::not_found, "no evaluation e-nope");

    EXPECT_EQ(count("grades"), 0);
    EXPECT_EQ(answer_metrics(0, kStart + 60'000).grades, 0);
}

TEST_F(GradesTest, GradesCountInTheMinuteTheirRunStarted) {
    store_->record_grade(grade(0.8, true));
    store_->record_grade(grade(0.4, false));
    store::GradeRecord broken;
    broken.run_id = "r1";
    broken.judge = "llm";
    broken.error = "the model answered garbage";
    broken.pass = false; // allowed: a failed judge that says "not a pass"
    store_->record_grade(broken);
    store::GradeRecord of_node = grade(1.0, true);
    of_node.node_id = "answer";
    store_->record_grade(of_node);

    // The grade of node "answer" counts for the whole run too.
    const store::metrics::Counters c = answer_metrics(kStart, kStart + 1); // the run's minute only
    EXPECT_EQ(c.requests, 1);
    EXPECT_EQ(c.grades, 4);
    EXPECT_EQ(c.grade_passes, 2);
    EXPECT_EQ(c.grade_errors, 1);
    EXPECT_EQ(c.scored, 3);
    EXPECT_DOUBLE_EQ(c.score_sum, 2.2);
    EXPECT_DOUBLE_EQ(c.score_sumsq, 0.8 * 0.8 + 0.4 * 0.4 + 1.0);
    const auto s = store::score_summary(c);
    ASSERT_TRUE(s.mean);
    EXPECT_NEAR(*s.mean, 2.2 / 3, 1e-12);

    // The minute before and after hold nothing of it.
    EXPECT_EQ(answer_metrics(kStart - 120'000, kStart - 60'000).grades, 0);
    EXPECT_EQ(answer_metrics(kStart + 60'000, kStart + 120'000).grades, 0);

    store::MetricsQuery q;
    q.since_ms = 0;
    q.until_ms = kStart;
    q.node_id = "answer";
    const auto node = store_->metrics(q);
    ASSERT_EQ(node.nodes.size(), 1u);
    EXPECT_EQ(node.nodes[0].total.grades, 1);
    EXPECT_EQ(node.nodes[0].total.requests, 1);
    // Recounted from the rows, the same.
    store::MetricsQuery last;
    last.last_runs = 1;
    last.node_id = "";
    const auto recounted = store_->metrics(last);
    ASSERT_EQ(recounted.nodes.size(), 1u);
    EXPECT_EQ(recounted.nodes[0].total.grades, 4);
    EXPECT_EQ(recounted.nodes[0].total.grade_errors, 1);
}

TEST_F(GradesTest, AGradeGoesWithItsRun) {
    store_->record_grade(grade(0.5, true));
    auto db = raw(dir_.db());
    db->exec("PRAGMA foreign_keys = ON");
    db->exec("DELETE FROM runs WHERE id = 'r1'");
    EXPECT_EQ(db->query_int("SELECT count(*) FROM grades"), 0);
}

store::EvaluationRecord evaluation(const std::string &id, int64_t started) {
    store::EvaluationRecord e;
    e.id = id;
    e.dataset = "d.jsonl";
    e.dataset_sha256 = "ab";
    e.graph_id = "default";
    e.graph_version = "2.0.0";
    e.judge = "rules";
    e.started_at_ms = started;
    e.example_count = 10;
    e.settings = R"({"concurrency":8})";
    return e;
}

TEST_F(GradesTest, EvaluationsBeginFinishAndAreFoundByPrefix) {
    store_->begin_evaluation(evaluation("e-aa1", 1000));
    store_->begin_evaluation(evaluation("e-aa2", 2000));
    store_->begin_evaluation(evaluation("e-b", 3000));

    auto e = store_->evaluation("e-aa1");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status, store::EvaluationStatus::running);
    EXPECT_EQ(e->finished_at_ms, 0);
    EXPECT_EQ(e->settings, R"({"concurrency":8})");
    EXPECT_EQ(e->example_count, 10);

    store_->finish_evaluation("e-aa1", store::EvaluationStatus::incomplete, 1500);
    e = store_->evaluation("e-aa1");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status, store::EvaluationStatus::incomplete);
    EXPECT_EQ(e->finished_at_ms, 1500);

    EXPECT_EQ(store_->evaluation("e-b")->id, "e-b");
    EXPECT_EQ(store_->evaluation("e-aa2")->id, "e-aa2");
    EXPECT_EQ(store_->evaluation("e-x"), std::nullopt);
    auto error = error_of([&] { store_->evaluation("e-aa"); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);
    EXPECT_THAT(error->what(), HasSubstr("e-aa1, e-aa2"));

    const auto listed = store_->list_evaluations(2);
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].id, "e-b"); // newest first
    EXPECT_EQ(listed[1].id, "e-aa2");
    EXPECT_EQ(store_->list_evaluations(0).size(), 3u);

    error = error_of([&] { store_->begin_evaluation(evaluation("e-b", 4000)); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);
    EXPECT_THAT(error->what(), HasSubstr("already recorded"));
    auto bad = evaluation("e-c", 1);
    bad.settings = "[]";
    error = error_of([&] { store_->begin_evaluation(bad); });
    ASSERT_TRUE(error);
    EXPECT_THAT(error->what(), HasSubstr("settings must be a JSON object"));
    error =
        error_of([&] { store_->finish_evaluation("e-b", store::EvaluationStatus::running, 5); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);
    error =
        error_of([&] { store_->finish_evaluation("e-zz", store::EvaluationStatus::complete, 5); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::not_found);
}

} // namespace
} // namespace tinyllm::store_test
