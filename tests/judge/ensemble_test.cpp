// The ensemble judge's combination through its core library, with scripted judges: the modes,
// reasons and labels under each judge's name, a judge's failure, and compare's vote.
#include "ensemble.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace tinyllm::ensemble {
namespace {

using ::testing::HasSubstr;

std::string verdict(double score, bool pass, const std::string &reason,
                    const std::string &labels = "{}") {
    char number[32];
    std::snprintf(number, sizeof number, "%g", score);
    return std::string(R"({"score":)") + number + R"(,"pass":)" + (pass ? "true" : "false") +
           R"(,"reasons":[")" + reason + R"("],"labels":)" + labels + "}";
}

// Judges by name: their verdicts, and who was asked in what order.
struct Panel {
    std::map<std::string, std::string> answers;
    std::vector<std::string> asked;
    AskJudge ask() {
        return [this](const std::string &name) {
            asked.push_back(name);
            const auto it = answers.find(name);
            if (it == answers.end())
                throw sdk::Error(TLLM_ERR_NOT_FOUND,
                                 "no judge named \"" + name + "\" (did you mean \"rules\"?)");
            return it->second;
        };
    }
};

json::Document grade(std::string_view config, Panel &panel) {
    return json::parse_object(ensemble_grade(parse_ensemble_config(config), panel.ask()),
                              "verdict");
}

std::string config_error(std::string_view config) {
    try {
        parse_ensemble_config(config);
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_INVALID_ARGUMENT);
        return e.what();
    }
    return "no error";
}

TEST(EnsembleJudgeConfig, DefaultsAndRefusals) {
    const EnsembleConfig c = parse_ensemble_config(R"({"judges":["rules","llm"]})");
    EXPECT_EQ(c.mode, Mode::all);
    EXPECT_EQ(c.weights, (std::vector<double>{1, 1}));
    EXPECT_DOUBLE_EQ(c.threshold, 0.5);
    const EnsembleConfig w = parse_ensemble_config(
        R"({"judges":["rules","llm"],"mode":"weighted","weights":{"llm":3},"threshold":0.7})");
    EXPECT_EQ(w.weights, (std::vector<double>{1, 3}));
    EXPECT_THAT(config_error("{}"), HasSubstr("judges: must list at least one judge"));
    EXPECT_THAT(config_error(R"({"judges":[]})"), HasSubstr("judges: must list"));
    EXPECT_THAT(config_error(R"({"judges":["a","a"]})"), HasSubstr("judges[1]: names a a second"));
    EXPECT_THAT(config_error(R"({"judges":["a"],"weights":{"b":1}})"),
                HasSubstr("weights.b: weighs a judge that judges does not list"));
    EXPECT_THAT(config_error(R"({"judges":["a"],"mode":"weighted","weights":{"a":0}})"),
                HasSubstr("weights: add up to 0"));
    EXPECT_THAT(config_error(R"({"judges":["a"],"mode":"most"})"), HasSubstr("mode"));
}

TEST(EnsembleJudgeGrade, AllPassesOnlyWhenEveryJudgePassesAndScoresTheLowest) {
    Panel panel;
    panel.answers = {{"rules", verdict(1, true, "the answer is 4", R"({"check":"numeric"})")},
                     {"llm", verdict(0.25, false, "too terse", R"({"samples":1,"ok":false})")}};
    const json::Document v = grade(R"({"judges":["rules","llm"]})", panel);
    EXPECT_FALSE(v["pass"].GetBool());
    EXPECT_DOUBLE_EQ(v["score"].GetDouble(), 0.25);
    EXPECT_EQ(json::to_string(v["reasons"]), R"(["rules: the answer is 4","llm: too terse"])");
    const json::Value &labels = v["labels"];
    EXPECT_STREQ(labels["rules.check"].GetString(), "numeric");
    EXPECT_EQ(labels["llm.samples"].GetInt(), 1); // types are kept
    EXPECT_FALSE(labels["llm.ok"].GetBool());
    EXPECT_STREQ(labels["mode"].GetString(), "all");
    EXPECT_EQ(labels["judges"].GetInt(), 2);
    EXPECT_EQ(labels["passes"].GetInt(), 1);
    EXPECT_STREQ(labels["failed"].GetString(), "llm");
    EXPECT_EQ(panel.asked, (std::vector<std::string>{"rules", "llm"}));

    panel.answers["llm"] = verdict(0.75, true, "fine");
    const json::Document both = grade(R"({"judges":["rules","llm"]})", panel);
    EXPECT_TRUE(both["pass"].GetBool());
    EXPECT_DOUBLE_EQ(both["score"].GetDouble(), 0.75);
    EXPECT_FALSE(both["labels"].HasMember("failed"));
}

TEST(EnsembleJudgeGrade, AnyPassesWhenOneJudgePassesAndScoresTheHighest) {
    Panel panel;
    panel.answers = {{"a", verdict(0, false, "no")}, {"b", verdict(0.5, true, "yes")}};
    const json::Document v = grade(R"({"judges":["a","b"],"mode":"any"})", panel);
    EXPECT_TRUE(v["pass"].GetBool());
    EXPECT_DOUBLE_EQ(v["score"].GetDouble(), 0.5);
    panel.answers["b"] = verdict(0.5, false, "no");
    EXPECT_FALSE(grade(R"({"judges":["a","b"],"mode":"any"})", panel)["pass"].GetBool());
}

TEST(EnsembleJudgeGrade, WeightedPassesOnTheWeightedMeanAgainstTheThreshold) {
    Panel panel;
    panel.answers = {{"a", verdict(1, true, "yes")}, {"b", verdict(0, false, "no")}};
    // (3 * 1 + 1 * 0) / 4 = 0.75
    const json::Document v =
        grade(R"({"judges":["a","b"],"mode":"weighted","weights":{"a":3},"threshold":0.7})", panel);
    EXPECT_TRUE(v["pass"].GetBool());
    EXPECT_DOUBLE_EQ(v["score"].GetDouble(), 0.75);
    const json::Document under =
        grade(R"({"judges":["a","b"],"mode":"weighted","weights":{"a":3},"threshold":0.8})", panel);
    EXPECT_FALSE(under["pass"].GetBool());
    // A weight of 0 leaves a judge out of the mean, though it is still asked.
    panel.asked.clear();
    const json::Document zero =
        grade(R"({"judges":["a","b"],"mode":"weighted","weights":{"b":0}})", panel);
    EXPECT_DOUBLE_EQ(zero["score"].GetDouble(), 1.0);
    EXPECT_EQ(panel.asked.size(), 2u);
}

TEST(EnsembleJudgeGrade, AJudgeThatFailsFailsTheGradeNamingItWithItsStatus) {
    Panel panel;
    panel.answers = {{"rules", verdict(1, true, "ok")}};
    try {
        grade(R"({"judges":["rules","rulez"]})", panel);
        FAIL() << "graded";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_NOT_FOUND);
        EXPECT_STREQ(e.what(), "judge rulez: no judge named \"rulez\" (did you mean \"rules\"?)");
    }
    // A message that already names the judge (the same ensemble one level down) is not
    // prefixed again.
    const AskJudge nested = [](const std::string &) -> std::string {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "judge self: judges nest deeper than 16");
    };
    try {
        ensemble_grade(parse_ensemble_config(R"({"judges":["self"]})"), nested);
        FAIL() << "graded";
    } catch (const sdk::Error &e) {
        EXPECT_STREQ(e.what(), "judge self: judges nest deeper than 16");
    }
}

std::string preference(const std::string &p) {
    return R"({"preference":")" + p + R"(","reasons":["because"],"labels":{"x":1}})";
}

json::Document compare(std::string_view config, const std::map<std::string, std::string> &answers) {
    const AskJudge ask = [&](const std::string &name) -> std::string {
        const auto it = answers.find(name);
        if (it == answers.end())
            throw sdk::Error(TLLM_ERR_UNSUPPORTED, "this judge does not compare two answers");
        if (it->second == "down") throw sdk::Error(TLLM_ERR_UNAVAILABLE, "server down");
        return it->second;
    };
    return json::parse_object(ensemble_compare(parse_ensemble_config(config), ask), "preference");
}

TEST(EnsembleJudgeCompare, TheMostVotedPreferenceWinsAndASplitIsATie) {
    const json::Document p =
        compare(R"({"judges":["a","b","c"]})",
                {{"a", preference("b")}, {"b", preference("b")}, {"c", preference("a")}});
    EXPECT_STREQ(p["preference"].GetString(), "b");
    EXPECT_EQ(p["labels"]["a.x"].GetInt(), 1);
    EXPECT_DOUBLE_EQ(p["labels"]["votes_b"].GetDouble(), 2);
    EXPECT_STREQ(p["reasons"][0].GetString(), "a: because");
    EXPECT_STREQ(compare(R"({"judges":["a","b"]})",
                         {{"a", preference("a")}, {"b", preference("b")}})["preference"]
                     .GetString(),
                 "tie");
    // Weighted: votes count by weight.
    EXPECT_STREQ(compare(R"({"judges":["a","b"],"mode":"weighted","weights":{"a":2}})",
                         {{"a", preference("a")}, {"b", preference("b")}})["preference"]
                     .GetString(),
                 "a");
}

TEST(EnsembleJudgeCompare, JudgesThatDoNotCompareAreLeftOutOthersFailIt) {
    const json::Document p = compare(R"({"judges":["rules","llm"]})", {{"llm", preference("a")}});
    EXPECT_STREQ(p["preference"].GetString(), "a");
    EXPECT_THAT(p["reasons"][1].GetString(), HasSubstr("not asked (they do not compare): rules"));
    try {
        compare(R"({"judges":["rules"]})", {});
        FAIL() << "compared";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_UNSUPPORTED);
        EXPECT_THAT(e.what(), HasSubstr("none of the ensemble's judges compares"));
    }
    try {
        compare(R"({"judges":["llm"]})", {{"llm", "down"}});
        FAIL() << "compared";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_UNAVAILABLE);
        EXPECT_STREQ(e.what(), "judge llm: server down");
    }
}

} // namespace
} // namespace tinyllm::ensemble
