// The routing report from hand-made results: what it counts, and how it prints.
#include "cli/eval_report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::cli::eval {
namespace {

using ::testing::HasSubstr;

// A request the router answered: `stage` decided after the stages that ran took `ms` each.
Result answered(const std::string &id, const std::string &expected, const std::string &predicted,
                const std::string &stage, std::vector<StageRecord> stages, double ms,
                bool ambiguous = false) {
    Result r;
    r.id = id;
    r.expected = expected;
    r.predicted = predicted;
    r.stage = stage;
    r.confidence = stage == "default" ? 0.0 : 1.0;
    r.stages = std::move(stages);
    r.ms = ms;
    r.ambiguous = ambiguous;
    return r;
}

Result failed(const std::string &id, const std::string &expected, const std::string &why) {
    Result r;
    r.id = id;
    r.expected = expected;
    r.failed = true;
    r.error = why;
    r.ms = 1000;
    return r;
}

StageRecord rules(const std::string &outcome) {
    return {"rules", 0.002, outcome, ""};
}
StageRecord model(const std::string &outcome, double ms, const std::string &detail = "") {
    return {"model", ms, outcome, detail};
}

// Eight requests of known outcome: rules decide 3 (2 right), the model 3 (2 right, one of them
// ambiguous), the default 1 (right, after the model failed), and one call fails.
std::vector<Result> sample() {
    return {
        answered("m1", "math", "math", "rules", {rules("sure")}, 0.01),
        answered("m2", "math", "code", "rules", {rules("sure")}, 0.02),
        answered("c1", "code", "code", "rules", {rules("sure")}, 0.03),
        answered("c2", "code", "code", "model", {rules("unsure"), model("sure", 200)}, 201),
        answered("g1", "general", "general", "model", {rules("unsure"), model("sure", 300)}, 301,
                 true),
        answered("m3", "math", "general", "model", {rules("unsure"), model("sure", 400)}, 401),
        answered("g2", "general", "general", "default",
                 {rules("unsure"), model("failed", 100, "model m failed: HTTP 500")}, 101),
        failed("c3", "code", "timed out after 1000 ms: cancelled"),
    };
}

Subject subject() {
    return {"set.jsonl", "g", "router", "router", {"math", "code", "general"}, 8, ""};
}

TEST(EvalReport, SummarizesWhatWasRightWrongAndWhoDecided) {
    const Report r = summarize(subject(), sample());
    EXPECT_EQ(r.evaluated, 8);
    EXPECT_EQ(r.errors, 1);
    EXPECT_EQ(r.first_error, "c3: timed out after 1000 ms: cancelled");
    EXPECT_EQ(r.accuracy.successes, 5); // m1 c1 c2 g1 g2; the error counts as wrong
    EXPECT_EQ(r.accuracy.total, 8);
    EXPECT_EQ(r.clear.successes, 4);
    EXPECT_EQ(r.clear.total, 7);
    EXPECT_EQ(r.ambiguous.successes, 1);
    EXPECT_EQ(r.ambiguous.total, 1);

    EXPECT_EQ(r.confusion.count(0, 1), 1); // m2: math taken for code
    EXPECT_EQ(r.confusion.count(0, 2), 1); // m3
    EXPECT_EQ(r.confusion.errors(1), 1);   // c3
    ASSERT_EQ(r.per_route.size(), 3u);
    EXPECT_DOUBLE_EQ(*r.per_route[1].precision, 2.0 / 3); // code: c1 c2 right, m2 not
    EXPECT_DOUBLE_EQ(*r.per_route[1].recall, 2.0 / 3);    // c3 failed

    ASSERT_EQ(r.stages.size(), 3u);
    EXPECT_EQ(r.stages[0].stage, "rules");
    EXPECT_EQ(r.stages[0].decided, 3);
    EXPECT_EQ(r.stages[0].correct, 2);
    EXPECT_EQ(r.stages[0].ran, 7);
    EXPECT_EQ(r.stages[0].sure, 3);
    EXPECT_EQ(r.stages[0].unsure, 4);
    EXPECT_EQ(r.stages[1].stage, "model");
    EXPECT_EQ(r.stages[1].decided, 3);
    EXPECT_EQ(r.stages[1].correct, 2);
    EXPECT_EQ(r.stages[1].ran, 4);
    EXPECT_EQ(r.stages[1].failed, 1);
    EXPECT_EQ(r.stages[1].first_failure, "g2: model m failed: HTTP 500");
    EXPECT_EQ(r.stages[1].latency.p50, 200.0);
    EXPECT_EQ(r.stages[1].latency.max, 400.0);
    EXPECT_EQ(r.stages[2].stage, "default");
    EXPECT_EQ(r.stages[2].decided, 1);
    EXPECT_EQ(r.stages[2].ran, 0);
    EXPECT_EQ(r.node_latency.count, 7u); // the failed call is not a routing latency
    EXPECT_EQ(r.node_latency.max, 401.0);
}

TEST(EvalReport, TheTextReport) {
    const std::string text = to_text(summarize(subject(), sample()), false);
    EXPECT_EQ(text, R"(Routing evaluation of node router (router) in graph g
  dataset set.jsonl: 8 requests, 8 evaluated, 1 error
  first error: c3: timed out after 1000 ms: cancelled

Accuracy (errors count as wrong)
             correct  total  accuracy       95% CI
  all              5      8     62.5%   30.6-86.3%
  clear            4      7     57.1%   25.0-84.2%
  ambiguous        1      1    100.0%  20.7-100.0%

Routes
             precision  recall     F1  support  predicted
  math           1.000   0.333  0.500        3          1
  code           0.667   0.667  0.667        3          3
  general        0.667   1.000  0.800        2          3
  macro avg      0.778   0.667  0.656

Confusion (rows: expected, columns: predicted)
           math  code  general  error
  math        1     1        1      0
  code        0     2        0      1
  general     0     0        2      0

Stages (which stage decided, and how often it was right)
           decided  share  accuracy       95% CI  ran  sure  unsure  skipped  failed
  rules          3  42.9%     66.7%   20.8-93.9%    7     3       4        0       0
  model          3  42.9%     66.7%   20.8-93.9%    4     3       0        0       1
  default        1  14.3%    100.0%  20.7-100.0%    -     -       -        -       -
  model failed on 1 request: g2: model m failed: HTTP 500

Latency (ms)
             n     p50     p90     p99     max
  rules      7  0.0020  0.0020  0.0020  0.0020
  model      4     200     400     400     400
  node call  7     101     401     401     401
)");
}

TEST(EvalReport, APartialReportSaysSoFirst) {
    Subject s = subject();
    s.requests = 20;
    s.stopped = "interrupted by Ctrl-C";
    const std::string text = to_text(summarize(s, sample()), false);
    EXPECT_EQ(text.substr(0, text.find('\n')),
              "PARTIAL: 8 of 20 requests evaluated (interrupted by Ctrl-C)");
    const json::Document doc = to_json(summarize(s, sample()), sample());
    EXPECT_TRUE(doc["partial"].GetBool());
    EXPECT_STREQ(doc["stopped"].GetString(), "interrupted by Ctrl-C");
    EXPECT_EQ(doc["requests"].GetInt(), 20);
    EXPECT_EQ(doc["evaluated"].GetInt(), 8);
}

TEST(EvalReport, TheJsonReport) {
    const std::vector<Result> results = sample();
    const json::Document doc = to_json(summarize(subject(), results), results);
    EXPECT_FALSE(doc["partial"].GetBool());
    EXPECT_FALSE(doc.HasMember("stopped"));
    EXPECT_EQ(doc["errors"].GetInt(), 1);
    EXPECT_EQ(doc["accuracy"]["correct"].GetInt(), 5);
    EXPECT_DOUBLE_EQ(doc["accuracy"]["rate"].GetDouble(), 5.0 / 8);
    EXPECT_NEAR(doc["accuracy"]["ci95"][0].GetDouble(), 0.3057, 1e-4);
    EXPECT_TRUE(doc["per_route"][0]["precision"].IsDouble());
    EXPECT_EQ(doc["per_route"][2]["support"].GetInt(), 2);

    const json::Value &confusion = doc["confusion"];
    ASSERT_EQ(confusion["columns"].Size(), 4u);
    EXPECT_STREQ(confusion["columns"][3].GetString(), "error");
    EXPECT_EQ(confusion["counts"][1][3].GetInt(), 1);
    EXPECT_EQ(confusion["counts"][0][1].GetInt(), 1);

    ASSERT_EQ(doc["stages"].Size(), 3u);
    EXPECT_STREQ(doc["stages"][1]["stage"].GetString(), "model");
    EXPECT_EQ(doc["stages"][1]["failed"].GetInt(), 1);
    EXPECT_EQ(doc["stages"][1]["accuracy"]["correct"].GetInt(), 2);
    EXPECT_EQ(doc["stages"][1]["latency_ms"]["p90"].GetDouble(), 400.0);
    EXPECT_FALSE(doc["stages"][2]["latency_ms"].HasMember("p50")); // default never runs
    EXPECT_EQ(doc["latency_ms"]["node"]["count"].GetInt(), 7);

    const json::Value &rows = doc["results"];
    ASSERT_EQ(rows.Size(), 8u);
    EXPECT_STREQ(rows[1]["id"].GetString(), "m2");
    EXPECT_STREQ(rows[1]["expected"].GetString(), "math");
    EXPECT_STREQ(rows[1]["predicted"].GetString(), "code");
    EXPECT_FALSE(rows[1]["correct"].GetBool());
    EXPECT_STREQ(rows[1]["stage"].GetString(), "rules");
    EXPECT_EQ(rows[1]["confidence"].GetDouble(), 1.0);
    EXPECT_TRUE(rows[1]["error"].IsNull());
    EXPECT_STREQ(rows[7]["predicted"].GetString(), "error");
    EXPECT_TRUE(rows[7]["stage"].IsNull());
    EXPECT_TRUE(rows[7]["confidence"].IsNull());
    EXPECT_STREQ(rows[7]["error"].GetString(), "timed out after 1000 ms: cancelled");
}

TEST(EvalReport, AnUndeclaredRouteGetsAColumnAndNoErrorColumnWithoutErrors) {
    std::vector<Result> results = {answered("a", "math", "poetry", "rules", {rules("sure")}, 1),
                                   answered("b", "code", "", "", {}, 1)};
    const std::string text = to_text(summarize(subject(), results), false);
    EXPECT_THAT(text, HasSubstr("           math  code  general  poetry  (none)\n"
                                "  math        0     0        0       1       0\n"));
    EXPECT_THAT(text, ::testing::Not(HasSubstr("(none)  error")));
}

TEST(EvalReport, MillisecondsKeepAboutThreeSignificantDigits) {
    EXPECT_EQ(format_ms(0.0041), "0.0041");
    EXPECT_EQ(format_ms(0.25), "0.250");
    EXPECT_EQ(format_ms(12.345), "12.35");
    EXPECT_EQ(format_ms(812.4), "812");
    EXPECT_EQ(format_ms(12345.6), "12346");
}

} // namespace
} // namespace tinyllm::cli::eval
