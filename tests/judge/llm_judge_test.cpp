// The llm judge's logic through its core library, with a scripted model: the config, the prompt
// a request becomes, reading verdicts, samples and their aggregation, asking again after an
// answer outside the format, and pairwise comparisons in both orders.
#include "llm_judge.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

namespace tinyllm::llm_judge {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A grading prompt as tinyllm.prompts/1 hands it over, shaped like prompts/grading/*.yaml.
std::string grade_prompt_json(std::string_view format = {}, std::string_view extra_variables = {}) {
    const std::string f =
        format.empty()
            ? R"({"type":"object","properties":{"reasons":{"type":"array","items":{"type":"string"}},)"
              R"("score":{"type":"integer","minimum":1,"maximum":5},)"
              R"("verdict":{"type":"string","enum":["pass","fail"]}},)"
              R"("required":["reasons","score","verdict"],"additionalProperties":false})"
            : std::string(format);
    return R"({"id":"grading/test","version":"1.2.3","system":"Grade it.",)"
           R"("template":"<question>\n{{input}}\n</question>{{#expected}}\n<reference>\n{{expected}}\n</reference>{{/expected}}{{#context.tests}}\nTests:\n{{context.tests}}{{/context.tests}}\n<answer>\n{{output}}\n</answer>",)"
           R"("variables":{"input":{"required":true},"output":{"required":true},)"
           R"("expected":{"required":false},"context":{"required":false})" +
           std::string(extra_variables) + R"(},)" + R"("format":)" + f +
           R"(,"examples":[{"input":"example question","output":"{\"reasons\":[\"ok\"],\"score\":5,\"verdict\":\"pass\"}"}],)"
           R"("model":{"role":"judge"}})";
}

std::string pairwise_prompt_json() {
    return R"({"id":"grading/pair","version":"1.0.0","system":"Compare.",)"
           R"("template":"<question>\n{{input}}\n</question>\n<answer_a>\n{{a}}\n</answer_a>\n<answer_b>\n{{b}}\n</answer_b>",)"
           R"("variables":{"input":{},"a":{},"b":{},"expected":{"required":false}},)"
           R"("format":{"type":"object","properties":{"reasons":{"type":"array","items":{"type":"string"}},)"
           R"("preference":{"type":"string","enum":["a","b","tie"]}},"required":["preference"]},)"
           R"("examples":[]})";
}

// A model that answers from a script, in order, and records every request.
class ScriptedModel {
public:
    explicit ScriptedModel(std::vector<std::string> answers)
        : answers_(answers.begin(), answers.end()) {}
    Ask ask() {
        return [this](const sdk::ChatRequest &r) {
            requests.push_back(r);
            if (answers_.empty()) throw sdk::Error(TLLM_ERR_INTERNAL, "the script ran out");
            sdk::ChatAnswer a;
            a.content = answers_.front();
            answers_.pop_front();
            return a;
        };
    }
    std::vector<sdk::ChatRequest> requests;

private:
    std::deque<std::string> answers_;
};

json::Document request(std::string_view text) {
    return json::parse_object(text, "request");
}

json::Document grade(const LlmJudge &judge, ScriptedModel &model, std::string_view req,
                     const std::string &prompt_json = grade_prompt_json()) {
    const GradingPrompt prompt(prompt_json, GradingPrompt::Kind::grade);
    return json::parse_object(judge.grade(request(req), prompt, "judge-model", model.ask()),
                              "verdict");
}

constexpr const char *kPass = R"({"reasons":["matches the reference"],"score":5,"verdict":"pass"})";
constexpr const char *kFail = R"({"reasons":["5 is not 4"],"score":1,"verdict":"fail"})";
constexpr const char *kTwoPlusTwo = R"({"input":"2+2","output":"4","expected":"4"})";

TEST(LlmJudgeConfig, DefaultsAndEveryOption) {
    const LlmConfig d = parse_llm_config("{}");
    EXPECT_EQ(d.prompt_id, "grading/answer_quality");
    EXPECT_EQ(d.pairwise_prompt_id, "grading/pairwise");
    EXPECT_EQ(d.samples, 1);
    EXPECT_EQ(d.max_attempts, 2);
    EXPECT_EQ(d.aggregate, Aggregate::majority);
    EXPECT_DOUBLE_EQ(d.pass_score, 0.5);
    EXPECT_TRUE(d.model.empty());
    EXPECT_TRUE(d.role.empty());

    const LlmConfig c = parse_llm_config(
        R"({"model":{"role":"judge","min_size":"3b"},"samples":5,"aggregate":"mean",)"
        R"("pass_score":0.8,"max_attempts":3,"options":{"temperature":0.3}})");
    EXPECT_EQ(c.role, "judge");
    EXPECT_EQ(c.min_size, "3b");
    EXPECT_EQ(c.samples, 5);
    EXPECT_EQ(c.aggregate, Aggregate::mean);
    EXPECT_DOUBLE_EQ(c.pass_score, 0.8);
    EXPECT_EQ(c.max_attempts, 3);
    EXPECT_EQ(parse_llm_config(R"({"model":"qwen2.5:3b"})").model, "qwen2.5:3b");
}

TEST(LlmJudgeConfig, RefusesWhatTheSchemaRefusesNamingTheOption) {
    const auto error_of = [](std::string_view config) -> std::string {
        try {
            parse_llm_config(config);
        } catch (const sdk::Error &e) {
            EXPECT_EQ(e.status(), TLLM_ERR_INVALID_ARGUMENT);
            return e.what();
        }
        return "no error";
    };
    EXPECT_THAT(error_of(R"({"samples":10})"),
                HasSubstr("samples: must be an integer from 1 to 9"));
    EXPECT_THAT(error_of(R"({"max_attempts":0})"), HasSubstr("max_attempts"));
    EXPECT_THAT(error_of(R"({"aggregate":"median"})"), HasSubstr("aggregate: must be majority"));
    EXPECT_THAT(error_of(R"({"pass_score":2})"), HasSubstr("pass_score"));
    EXPECT_THAT(error_of(R"({"model":{"min_size":"3b"}})"), HasSubstr("model.role"));
    EXPECT_THAT(error_of(R"({"options":[1]})"), HasSubstr("options"));
}

TEST(LlmJudgeConfig, OneSampleIsColdSeveralAreWarmWithASeedEach) {
    EXPECT_EQ(sample_options(parse_llm_config("{}"), 0), R"({"temperature":0.0})");
    const LlmConfig three = parse_llm_config(R"({"samples":3})");
    EXPECT_EQ(sample_options(three, 0), R"({"temperature":0.7,"seed":0})");
    EXPECT_EQ(sample_options(three, 2), R"({"temperature":0.7,"seed":2})");
    // The configured options win; a configured seed is where the samples' seeds start.
    const LlmConfig own = parse_llm_config(R"({"samples":2,"options":{"top_k":5,"seed":40}})");
    EXPECT_EQ(sample_options(own, 1), R"({"top_k":5,"seed":41})");
}

TEST(LlmJudgePrompt, RefusesAPromptItCannotServe) {
    const auto error_of = [](const std::string &prompt, GradingPrompt::Kind kind) {
        try {
            GradingPrompt p(prompt, kind);
        } catch (const sdk::Error &e) {
            EXPECT_EQ(e.status(), TLLM_ERR_INVALID_ARGUMENT);
            return std::string(e.what());
        }
        return std::string("no error");
    };
    std::string no_format = grade_prompt_json();
    no_format.replace(no_format.find("\"format\":"), std::string("\"format\":").size(),
                      "\"formats\":");
    EXPECT_THAT(error_of(no_format, GradingPrompt::Kind::grade),
                HasSubstr("prompt grading/test cannot serve the llm judge: it has no format"));
    EXPECT_THAT(error_of(grade_prompt_json(
                             R"({"type":"object","properties":{"answer":{"type":"string"}}})"),
                         GradingPrompt::Kind::grade),
                HasSubstr("neither a score, a verdict"));
    EXPECT_THAT(error_of(grade_prompt_json({}, R"(,"language":{"required":true})"),
                         GradingPrompt::Kind::grade),
                HasSubstr("requires the variable \"language\", which the judge does not give"));
    // A grading prompt is no pairwise prompt: it has no preference.
    EXPECT_THAT(error_of(grade_prompt_json(), GradingPrompt::Kind::pairwise),
                HasSubstr("no preference"));
}

TEST(LlmJudgeGrade, AsksWithTheReferenceAndTheFormatAndPassesOnAPassingVerdict) {
    const LlmJudge judge(parse_llm_config("{}"));
    ScriptedModel model({kPass});
    const json::Document v = grade(judge, model, kTwoPlusTwo);
    EXPECT_TRUE(v["pass"].GetBool());
    EXPECT_DOUBLE_EQ(v["score"].GetDouble(), 1.0);
    EXPECT_EQ(json::to_string(v["reasons"]), R"(["matches the reference"])");
    const json::Value &labels = v["labels"];
    EXPECT_STREQ(labels["judge_model"].GetString(), "judge-model");
    EXPECT_EQ(labels["samples"].GetInt(), 1);
    EXPECT_DOUBLE_EQ(labels["agreement"].GetDouble(), 1.0);
    EXPECT_TRUE(labels["reference"].GetBool());
    EXPECT_STREQ(labels["prompt"].GetString(), "grading/test@1.2.3");
    EXPECT_FALSE(labels.HasMember("retries"));

    ASSERT_EQ(model.requests.size(), 1u);
    const sdk::ChatRequest &r = model.requests[0];
    ASSERT_EQ(r.messages.size(), 4u); // system, the example's pair, the request
    EXPECT_EQ(r.messages[0].content, "Grade it.");
    EXPECT_EQ(r.messages[1].content, "example question");
    EXPECT_EQ(r.messages[3].role, "user");
    EXPECT_EQ(r.messages[3].content,
              "<question>\n2+2\n</question>\n<reference>\n4\n</reference>\n<answer>\n4\n</answer>");
    EXPECT_THAT(r.format_json, HasSubstr(R"("verdict":{"type":"string","enum":["pass","fail"]})"));
    EXPECT_EQ(r.options_json, R"({"temperature":0.0})");
    EXPECT_FALSE(r.stream);
    EXPECT_TRUE(r.model.empty()); // the plugin sets it
}

TEST(LlmJudgeGrade, WithoutAReferenceThePromptHasNoneAndTheTestsOfTheContextAreShown) {
    const LlmJudge judge(parse_llm_config("{}"));
    ScriptedModel model({kFail});
    const json::Document v = grade(
        judge, model,
        R"({"input":"write f","output":"def f(): pass","context":{"tests":"assert f() == 1"}})");
    EXPECT_FALSE(v["pass"].GetBool());
    EXPECT_DOUBLE_EQ(v["score"].GetDouble(), 0.0);
    EXPECT_FALSE(v["labels"]["reference"].GetBool());
    const std::string &user = model.requests.at(0).messages.back().content;
    EXPECT_THAT(user, Not(HasSubstr("<reference>")));
    EXPECT_THAT(user, HasSubstr("Tests:\nassert f() == 1\n<answer>"));
}

TEST(LlmJudgeGrade, ScoresAreNormalisedOnThePromptsScale) {
    const LlmJudge judge(parse_llm_config("{}"));
    ScriptedModel model({R"({"reasons":["partly"],"score":3,"verdict":"pass"})"});
    EXPECT_DOUBLE_EQ(grade(judge, model, kTwoPlusTwo)["score"].GetDouble(), 0.5);
    // A 0-10 scale and no verdict field: the score decides against pass_score.
    const std::string ten =
        grade_prompt_json(R"({"type":"object","properties":{"score":{"type":"number",)"
                          R"("minimum":0,"maximum":10}},"required":["score"]})");
    ScriptedModel seven({R"({"score":7})"});
    const json::Document v = grade(judge, seven, kTwoPlusTwo, ten);
    EXPECT_DOUBLE_EQ(v["score"].GetDouble(), 0.7);
    EXPECT_TRUE(v["pass"].GetBool());
    ScriptedModel two({R"({"score":2})"});
    EXPECT_FALSE(grade(judge, two, kTwoPlusTwo, ten)["pass"].GetBool());
}

TEST(LlmJudgeGrade, AVerdictInsideAFenceIsRead) {
    const LlmJudge judge(parse_llm_config("{}"));
    ScriptedModel model({std::string("```json\n") + kPass + "\n```"});
    EXPECT_TRUE(grade(judge, model, kTwoPlusTwo)["pass"].GetBool());
    EXPECT_EQ(model.requests.size(), 1u);
}

TEST(LlmJudgeGrade, MajorityOfSamplesPassesAndScoresTheMean) {
    const LlmJudge judge(parse_llm_config(R"({"samples":3})"));
    ScriptedModel model(
        {kPass, R"({"reasons":["wrong"],"score":2,"verdict":"fail"})",
         R"({"reasons":["matches the reference","clear"],"score":4,"verdict":"pass"})"});
    const json::Document v = grade(judge, model, kTwoPlusTwo);
    EXPECT_TRUE(v["pass"].GetBool());
    EXPECT_NEAR(v["score"].GetDouble(), (1.0 + 0.25 + 0.75) / 3, 1e-6);
    // The majority's reasons, each once; the dissenting sample's are left out.
    EXPECT_EQ(json::to_string(v["reasons"]), R"(["matches the reference","clear"])");
    EXPECT_NEAR(v["labels"]["agreement"].GetDouble(), 0.667, 1e-9);
    EXPECT_EQ(v["labels"]["samples"].GetInt(), 3);
    EXPECT_STREQ(v["labels"]["aggregate"].GetString(), "majority");
    ASSERT_EQ(model.requests.size(), 3u);
    EXPECT_EQ(model.requests[0].options_json, R"({"temperature":0.7,"seed":0})");
    EXPECT_EQ(model.requests[2].options_json, R"({"temperature":0.7,"seed":2})");
}

TEST(LlmJudgeGrade, AnEvenSplitFails) {
    const LlmJudge judge(parse_llm_config(R"({"samples":2})"));
    ScriptedModel model({kPass, kFail});
    const json::Document v = grade(judge, model, kTwoPlusTwo);
    EXPECT_FALSE(v["pass"].GetBool());
    EXPECT_DOUBLE_EQ(v["labels"]["agreement"].GetDouble(), 0.5);
}

TEST(LlmJudgeGrade, MeanPassesOnTheMeanScore) {
    const LlmJudge judge(parse_llm_config(R"({"samples":3,"aggregate":"mean","pass_score":0.6})"));
    // Two fails and one pass, but a mean of (0.75 + 0.5 + 1) / 3 = 0.75: passes.
    ScriptedModel model({R"({"reasons":["a"],"score":4,"verdict":"fail"})",
                         R"({"reasons":["b"],"score":3,"verdict":"fail"})", kPass});
    const json::Document v = grade(judge, model, kTwoPlusTwo);
    EXPECT_TRUE(v["pass"].GetBool());
    EXPECT_NEAR(v["score"].GetDouble(), 0.75, 1e-6);
    EXPECT_STREQ(v["labels"]["aggregate"].GetString(), "mean");
    // Score 4 with a "fail" verdict disagrees with itself: counted for forensics.
    EXPECT_EQ(v["labels"]["inconsistent"].GetInt(), 1);
}

TEST(LlmJudgeGrade, AnAnswerOutsideTheFormatIsSentBackWithWhatIsWrong) {
    const LlmJudge judge(parse_llm_config("{}"));
    ScriptedModel model({"The answer looks right to me.", kPass});
    const json::Document v = grade(judge, model, kTwoPlusTwo);
    EXPECT_TRUE(v["pass"].GetBool());
    EXPECT_EQ(v["labels"]["retries"].GetInt(), 1);
    ASSERT_EQ(model.requests.size(), 2u);
    const auto &retry = model.requests[1].messages;
    ASSERT_EQ(retry.size(), model.requests[0].messages.size() + 2);
    EXPECT_EQ(retry[retry.size() - 2].role, "assistant");
    EXPECT_EQ(retry[retry.size() - 2].content, "The answer looks right to me.");
    EXPECT_EQ(retry.back().role, "user");
    EXPECT_THAT(retry.back().content,
                HasSubstr("That answer cannot be used: the answer is not valid JSON"));
    EXPECT_EQ(model.requests[1].format_json, model.requests[0].format_json);
}

TEST(LlmJudgeGrade, AnAnswerOutsideTheSchemaIsAskedAgainToo) {
    const LlmJudge judge(parse_llm_config("{}"));
    ScriptedModel model({R"({"reasons":["ok"],"score":9,"verdict":"pass"})", kFail});
    const json::Document v = grade(judge, model, kTwoPlusTwo);
    EXPECT_FALSE(v["pass"].GetBool());
    EXPECT_THAT(model.requests[1].messages.back().content, HasSubstr("/score"));
}

TEST(LlmJudgeGrade, GarbageEveryTimeFailsTheGradeNamingTheAnswerNeverAPass) {
    const LlmJudge judge(parse_llm_config(R"({"max_attempts":3})"));
    ScriptedModel model({"PASS!", "PASS!!", "I'd say it passes"});
    try {
        grade(judge, model, kTwoPlusTwo);
        FAIL() << "graded";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_PROTOCOL);
        EXPECT_THAT(e.what(), HasSubstr("model judge-model answered outside the verdict format 3 "
                                        "times (max_attempts 3)"));
        EXPECT_THAT(e.what(), HasSubstr("its last answer: \"I'd say it passes\""));
    }
    EXPECT_EQ(model.requests.size(), 3u);
}

TEST(LlmJudgeGrade, AnEmptyAnswerIsNoVerdict) {
    const LlmJudge judge(parse_llm_config(R"({"max_attempts":1})"));
    ScriptedModel model({"  \n"});
    try {
        grade(judge, model, kTwoPlusTwo);
        FAIL() << "graded";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_PROTOCOL);
        EXPECT_THAT(e.what(), HasSubstr("the answer is empty"));
    }
}

TEST(LlmJudgeGrade, AFailedModelCallKeepsItsStatus) {
    const LlmJudge judge(parse_llm_config("{}"));
    const GradingPrompt prompt(grade_prompt_json(), GradingPrompt::Kind::grade);
    const Ask down = [](const sdk::ChatRequest &) -> sdk::ChatAnswer {
        throw sdk::Error(TLLM_ERR_UNAVAILABLE, "connection refused");
    };
    try {
        judge.grade(request(kTwoPlusTwo), prompt, "m", down);
        FAIL() << "graded";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_UNAVAILABLE);
    }
}

json::Document compare(ScriptedModel &model,
                       std::string_view req = R"({"input":"2+2","a":"4","b":"5"})") {
    const LlmJudge judge(parse_llm_config("{}"));
    const GradingPrompt prompt(pairwise_prompt_json(), GradingPrompt::Kind::pairwise);
    return json::parse_object(judge.compare(request(req), prompt, "m", model.ask()), "preference");
}

TEST(LlmJudgeCompare, AsksInBothOrdersAndCountsAPreferenceBothAgreeOn) {
    ScriptedModel model({R"({"reasons":["a is 4"],"preference":"a"})",
                         R"({"reasons":["b is 4"],"preference":"b"})"});
    const json::Document p = compare(model);
    EXPECT_STREQ(p["preference"].GetString(), "a");
    EXPECT_TRUE(p["labels"]["orders_agree"].GetBool());
    EXPECT_FALSE(p["labels"]["position_bias"].GetBool());
    EXPECT_EQ(json::to_string(p["reasons"]), R"(["a is 4","answers swapped: b is 4"])");
    ASSERT_EQ(model.requests.size(), 2u);
    EXPECT_THAT(model.requests[0].messages.back().content,
                HasSubstr("<answer_a>\n4\n</answer_a>\n<answer_b>\n5\n</answer_b>"));
    EXPECT_THAT(model.requests[1].messages.back().content,
                HasSubstr("<answer_a>\n5\n</answer_a>\n<answer_b>\n4\n</answer_b>"));
}

TEST(LlmJudgeCompare, TheSamePositionBothTimesIsPositionBiasAndATie) {
    ScriptedModel model({R"({"preference":"a"})", R"({"preference":"a"})"});
    const json::Document p = compare(model);
    EXPECT_STREQ(p["preference"].GetString(), "tie");
    EXPECT_FALSE(p["labels"]["orders_agree"].GetBool());
    EXPECT_TRUE(p["labels"]["position_bias"].GetBool());
    EXPECT_THAT(p["reasons"][0].GetString(), HasSubstr("the two orders disagree"));
}

TEST(LlmJudgeCompare, ATieInBothOrdersIsATieWithoutBias) {
    ScriptedModel model({R"({"preference":"tie"})", R"({"preference":"tie"})"});
    const json::Document p = compare(model);
    EXPECT_STREQ(p["preference"].GetString(), "tie");
    EXPECT_TRUE(p["labels"]["orders_agree"].GetBool());
    EXPECT_FALSE(p["labels"]["position_bias"].GetBool());
}

TEST(LlmJudgeCompare, APreferenceOutsideTheEnumIsAskedAgain) {
    ScriptedModel model(
        {R"({"preference":"A"})", R"({"preference":"b"})", R"({"preference":"a"})"});
    const json::Document p = compare(model);
    EXPECT_STREQ(p["preference"].GetString(), "b");
    EXPECT_EQ(p["labels"]["retries"].GetInt(), 1);
}

} // namespace
} // namespace tinyllm::llm_judge
