// The cascade (plugins/node/router/cascade.*): stages in order until one is sure, the default
// when none is, a record of every stage that ran, failures and exceptions falling through,
// cancellation going up; and the JSON the node answers and the event it emits.
#include "cascade.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::router {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kRoutes = {"math", "code", "general"};
constexpr int kDefault = 2;

Step fixed(std::string_view name, StageResult result, int *runs = nullptr) {
    return {name, [result, runs](std::string_view) {
                if (runs != nullptr) ++*runs;
                return result;
            }};
}

StageResult sure(int route, double confidence) {
    StageResult r;
    r.outcome = Outcome::sure;
    r.route = route;
    r.confidence = confidence;
    r.scores = {0.1, 0.2, 0.3};
    r.detail = "sure";
    return r;
}

StageResult unsure(std::string detail) {
    StageResult r;
    r.scores = {1, 1, 0};
    r.detail = std::move(detail);
    return r;
}

TEST(RouterCascade, TheFirstSureStageDecidesAndLaterOnesDoNotRun) {
    int model_runs = 0;
    const std::vector<Step> steps = {fixed("rules", unsure("tie")), fixed("semantic", sure(1, 0.9)),
                                     fixed("model", sure(0, 1.0), &model_runs)};
    const Decision d = decide("text", steps, kRoutes.size(), kDefault);
    EXPECT_EQ(d.route, 1);
    EXPECT_EQ(d.stage, "semantic");
    EXPECT_DOUBLE_EQ(d.confidence, 0.9);
    EXPECT_EQ(d.scores, (std::vector<double>{0.1, 0.2, 0.3}));
    ASSERT_EQ(d.stages.size(), 2u);
    EXPECT_EQ(d.stages[0].stage, "rules");
    EXPECT_EQ(d.stages[0].result.outcome, Outcome::unsure);
    EXPECT_EQ(d.stages[1].stage, "semantic");
    EXPECT_GE(d.stages[1].ms, 0.0);
    EXPECT_EQ(model_runs, 0);
}

TEST(RouterCascade, NoSureStageGivesTheDefaultWithEveryStageRecorded) {
    const std::vector<Step> steps = {fixed("rules", unsure("no keyword or pattern matched")),
                                     fixed("semantic", StageResult::skipped("backend down")),
                                     fixed("model", StageResult::failed("not JSON"))};
    const Decision d = decide("text", steps, kRoutes.size(), kDefault);
    EXPECT_EQ(d.route, kDefault);
    EXPECT_EQ(d.stage, "default");
    EXPECT_EQ(d.confidence, 0.0);
    ASSERT_EQ(d.scores.size(), 3u);
    EXPECT_FALSE(has_score(d.scores[0]));
    ASSERT_EQ(d.stages.size(), 3u);
    EXPECT_EQ(d.stages[1].result.outcome, Outcome::skipped);
    EXPECT_EQ(d.stages[1].result.detail, "backend down");
    EXPECT_EQ(d.stages[2].result.outcome, Outcome::failed);

    const Decision none = decide("text", {}, kRoutes.size(), 0);
    EXPECT_EQ(none.route, 0);
    EXPECT_EQ(none.stage, "default");
    EXPECT_TRUE(none.stages.empty());
}

TEST(RouterCascade, AStageThatThrowsFailsAndTheNextRuns) {
    const std::vector<Step> steps = {
        {"semantic", [](std::string_view) -> StageResult { throw std::runtime_error("boom"); }},
        {"model",
         [](std::string_view) -> StageResult {
             throw sdk::Error(TLLM_ERR_UNAVAILABLE, "server down");
         }},
        fixed("last", sure(0, 0.8))};
    const Decision d = decide("text", steps, kRoutes.size(), kDefault);
    EXPECT_EQ(d.route, 0);
    ASSERT_EQ(d.stages.size(), 3u);
    EXPECT_EQ(d.stages[0].result.outcome, Outcome::failed);
    EXPECT_EQ(d.stages[0].result.detail, "boom");
    EXPECT_EQ(d.stages[1].result.detail, "server down");
}

TEST(RouterCascade, CancellationIsNotARoute) {
    const std::vector<Step> steps = {{"model",
                                      [](std::string_view) -> StageResult {
                                          throw sdk::Error(TLLM_ERR_CANCELLED, "cancelled");
                                      }},
                                     fixed("never", sure(0, 1))};
    try {
        decide("text", steps, kRoutes.size(), kDefault);
        FAIL() << "no exception";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_CANCELLED);
    }
}

TEST(RouterCascade, ASureResultWithoutAValidRouteFails) {
    const std::vector<Step> steps = {fixed("buggy", sure(7, 1))};
    const Decision d = decide("text", steps, kRoutes.size(), kDefault);
    EXPECT_EQ(d.route, kDefault);
    EXPECT_EQ(d.stages[0].result.outcome, Outcome::failed);
    EXPECT_THAT(d.stages[0].result.detail, HasSubstr("route 7"));
}

TEST(RouterCascade, TheOutputIsAMergePatchOfDataRouterAndTheRoute) {
    StageResult rules = sure(0, 2.0 / 3.0);
    rules.scores = {2, 1, 0};
    rules.detail = "2 matches for math (keyword 'calculate', pattern 1)";
    const std::vector<Step> steps = {fixed("rules", rules)};
    const Decision d = decide("text", steps, kRoutes.size(), kDefault);
    const std::string out = output_json(d, kRoutes);
    const json::Document doc = json::parse(out, "output");
    ASSERT_TRUE(doc.IsObject()) << out;
    EXPECT_EQ(doc.MemberCount(), 2u);
    EXPECT_STREQ(doc["route"].GetString(), "math");
    const json::Value &router = doc["patch"]["data"]["router"];
    EXPECT_STREQ(router["route"].GetString(), "math");
    EXPECT_STREQ(router["stage"].GetString(), "rules");
    EXPECT_DOUBLE_EQ(router["confidence"].GetDouble(), 0.666667);
    EXPECT_TRUE(router["scores"]["math"].IsInt()); // a count reads as one: 2, not 2.0
    EXPECT_EQ(router["scores"]["math"].GetDouble(), 2.0);
    EXPECT_EQ(router["scores"]["general"].GetDouble(), 0.0);
    ASSERT_EQ(router["stages"].Size(), 1u);
    const json::Value &stage = router["stages"][0];
    EXPECT_STREQ(stage["stage"].GetString(), "rules");
    EXPECT_TRUE(stage["ms"].IsNumber());
    EXPECT_STREQ(stage["outcome"].GetString(), "sure");
    EXPECT_STREQ(stage["detail"].GetString(), rules.detail.c_str());
    EXPECT_EQ(stage["scores"]["code"].GetDouble(), 1.0);
}

TEST(RouterCascade, TheDefaultsScoresAreNullAndStagesWithoutScoresHaveNone) {
    const std::vector<Step> steps = {fixed("semantic", StageResult::skipped("down \"x\"\n"))};
    const std::string out = output_json(decide("t", steps, kRoutes.size(), kDefault), kRoutes);
    const json::Document doc = json::parse(out, "output");
    const json::Value &router = doc["patch"]["data"]["router"];
    EXPECT_STREQ(router["stage"].GetString(), "default");
    EXPECT_STREQ(router["route"].GetString(), "general");
    EXPECT_EQ(router["confidence"].GetDouble(), 0.0);
    EXPECT_FALSE(router["scores"].HasMember("math")); // no opinion: absent (null would delete)
    EXPECT_STREQ(router["stages"][0]["outcome"].GetString(), "skipped");
    EXPECT_STREQ(router["stages"][0]["detail"].GetString(), "down \"x\"\n"); // escaped properly
    EXPECT_FALSE(router["stages"][0].HasMember("scores"));
    EXPECT_STREQ(doc["route"].GetString(), "general");
}

TEST(RouterCascade, TheEventNamesRouteStageAndConfidence) {
    const std::vector<Step> steps = {fixed("rules", sure(0, 1.0))};
    EXPECT_EQ(
        event_json(decide("t", steps, kRoutes.size(), kDefault), kRoutes),
        R"({"type":"decision","kind":"route","route":"math","stage":"rules","confidence":1.0})");
}

} // namespace
} // namespace tinyllm::router
