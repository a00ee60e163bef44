// The simulated judge: grading prompts (recognised by their verdict or preference format) are
// answered with the true verdict as often as accuracy.judge says, the truth coming from the
// dataset; pairwise mistakes favour the first answer; what the simulation cannot check is a
// coin; samples at a temperature differ by seed.
#include "answers.hpp"
#include "judging.hpp"
#include "sim_support.hpp"

#include <rapidjson/schema.h>

#include <cmath>

namespace tinyllm::sim::test {
namespace {

constexpr const char *kModel = "sim-1.5b";

// The format of prompts/grading/answer_quality.yaml and pairwise.yaml.
constexpr const char *kVerdictFormat =
    R"({"type":"object","properties":{"reasons":{"type":"array","items":{"type":"string"},)"
    R"("minItems":1,"maxItems":3},"score":{"type":"integer","minimum":1,"maximum":5},)"
    R"("verdict":{"type":"string","enum":["pass","fail"]}},)"
    R"("required":["reasons","score","verdict"],"additionalProperties":false})";
constexpr const char *kPairwiseFormat =
    R"({"type":"object","properties":{"reasons":{"type":"array","items":{"type":"string"},)"
    R"("minItems":1,"maxItems":3},"preference":{"type":"string","enum":["a","b","tie"]}},)"
    R"("required":["reasons","preference"],"additionalProperties":false})";

std::string judge_config(double judge_accuracy, int64_t seed = 0) {
    return R"({"seed":)" + std::to_string(seed) +
           R"(,"time_scale":0,"models":{"sim-1.5b":{"size":"1.5b","accuracy":{"judge":)" +
           std::to_string(judge_accuracy) +
           R"(}}},"datasets":["arithmetic.jsonl","word_problems.jsonl","code.jsonl",)"
           R"("general.jsonl"]})";
}

// A grading request as the llm judge sends it: a system prompt, the tagged question and answer,
// the verdict format; `options` is a JSON object or "".
std::string grading_request(const std::string &question, const std::string &answer,
                            const std::string &options = "", bool tags = true) {
    const std::string user =
        tags ? "<question>\n" + question + "\n</question>\n<answer>\n" + answer + "\n</answer>"
             : question + "\n" + answer;
    std::string r = chat_request(kModel, {{"system", "Grade the answer."}, {"user", user}}, false,
                                 kVerdictFormat);
    if (!options.empty()) r.insert(r.size() - 1, R"(,"options":)" + options);
    return r;
}

std::string pairwise_request(const std::string &question, const std::string &a,
                             const std::string &b) {
    return chat_request(kModel,
                        {{"system", "Compare."},
                         {"user", "<question>\n" + question + "\n</question>\n<answer_a>\n" + a +
                                      "\n</answer_a>\n<answer_b>\n" + b + "\n</answer_b>"}},
                        false, kPairwiseFormat);
}

json::Document verdict(const Simulator &sim, const std::string &request) {
    return json::parse_object(content_of(chat(sim, request)), "verdict");
}

bool says_pass(const Simulator &sim, const std::string &request) {
    return std::string_view(verdict(sim, request)["verdict"].GetString()) == "pass";
}

bool valid(const char *schema_text, const std::string &instance_text) {
    json::Document schema_doc;
    schema_doc.Parse(schema_text);
    const rapidjson::SchemaDocument schema(schema_doc);
    rapidjson::SchemaValidator validator(schema);
    json::Document instance;
    instance.Parse(instance_text.c_str());
    return !instance.HasParseError() && instance.Accept(validator);
}

// A right and a wrong answer to every example the simulation can judge, as its own models
// write them.
struct Graded {
    const Example *example;
    std::string answer;
    bool right;
};
std::vector<Graded> graded_answers(const Simulator &sim) {
    std::vector<Graded> out;
    const Draw draw(0, "answers");
    for (const Example &e : sim.dataset().examples()) {
        out.push_back({&e, answer_text(e, Outcome::correct, draw), true});
        const Outcome wrong = e.expression.empty() ? Outcome::wrong : Outcome::slip;
        if (!e.solution.empty() && e.wrong_solution.empty()) continue;
        if (e.expression.empty() && e.solution.empty() && e.wrong.empty()) continue;
        out.push_back({&e, answer_text(e, wrong, draw), false});
    }
    return out;
}

TEST(SimJudge, RecognisesGradingFormatsAndNothingElse) {
    const auto format = [](const char *schema) {
        return judge_format(json::parse_object(std::string_view(schema), "schema"));
    };
    EXPECT_EQ(format(kVerdictFormat), JudgeFormat::grade);
    EXPECT_EQ(format(kPairwiseFormat), JudgeFormat::pairwise);
    EXPECT_EQ(format(R"({"properties":{"pass":{"type":"boolean"}}})"), JudgeFormat::grade);
    EXPECT_EQ(format(R"({"properties":{"verdict":{"enum":["pass","fail"]}}})"), JudgeFormat::grade);
    EXPECT_EQ(format(R"({"properties":{"answer":{"type":"string"}}})"), JudgeFormat::none);
    EXPECT_EQ(format(R"({"properties":{"verdict":{"type":"string"}}})"), JudgeFormat::none);
    // A router's schema stays a router's, whatever else it asks for.
    EXPECT_EQ(format(R"({"properties":{"route":{"enum":["math"]},"score":{"type":"number"}}})"),
              JudgeFormat::none);
}

TEST(SimJudge, TaggedTextRunsFromTheFirstOpeningToTheLastClosingTag) {
    EXPECT_EQ(tagged("x <answer>\n 42 \n</answer> y", "answer"), "42");
    // An answer that writes the closing tag itself stays whole.
    EXPECT_EQ(tagged("<answer>a</answer>b</answer>", "answer"), "a</answer>b");
    EXPECT_EQ(tagged("<answer_a>1</answer_a>", "answer"), std::nullopt);
    EXPECT_EQ(tagged("<answer>no end", "answer"), std::nullopt);
    EXPECT_EQ(tagged("</answer><answer>", "answer"), std::nullopt);
}

TEST(SimJudge, TheTruthComesFromTheDataset) {
    const Simulator sim = simulator(judge_config(1));
    size_t checked = 0;
    for (const Graded &g : graded_answers(sim)) {
        EXPECT_EQ(truth_of(*g.example, g.answer), g.right ? Truth::right : Truth::wrong)
            << g.example->source << ": " << g.answer;
        ++checked;
    }
    EXPECT_GT(checked, 800u);
    const auto example = [&](const std::string &id) -> const Example & {
        for (const Example &e : sim.dataset().examples())
            if (e.id == id) return e;
        throw std::runtime_error("no example " + id);
    };
    // Numbers by value, as the final number; facts as whole words or an accepted alternative.
    EXPECT_EQ(truth_of(example("ar001"), "It is 494.0, I think."), Truth::right);
    EXPECT_EQ(truth_of(example("ar001"), "494 is wrong, it is 495"), Truth::wrong);
    EXPECT_EQ(truth_of(example("ar001"), "no idea"), Truth::wrong);
    EXPECT_EQ(truth_of(example("ge004"), "It is Brasilia."), Truth::right);
    EXPECT_EQ(truth_of(example("ge001"), "Parisian cafes"), Truth::wrong);
    // Code is right or wrong only as the dataset's solutions; other code the simulation
    // cannot run, so it does not pretend to know.
    const Example &code = example("co001");
    EXPECT_EQ(truth_of(code, "```python\n" + code.solution + "\n```"), Truth::right);
    EXPECT_EQ(truth_of(code, code.wrong_solution), Truth::wrong);
    EXPECT_EQ(truth_of(code, "def is_palindrome(s):\n    return True"), Truth::unknown);
}

TEST(SimJudge, VerdictsAreTrueAsOftenAsConfigured) {
    for (const double accuracy : {0.8, 0.6}) {
        const Simulator sim = simulator(judge_config(accuracy, 4));
        size_t true_verdicts = 0, total = 0;
        for (const Graded &g : graded_answers(sim)) {
            true_verdicts += says_pass(sim, grading_request(g.example->input, g.answer)) == g.right;
            ++total;
        }
        const double measured = static_cast<double>(true_verdicts) / static_cast<double>(total);
        // About 900 verdicts: a standard error near 0.014; 0.045 is more than three of them.
        EXPECT_NEAR(measured, accuracy, 0.045) << total << " verdicts";
    }
}

TEST(SimJudge, TheVerdictFollowsTheFormatWithAScoreOnItsScale) {
    const Simulator sim = simulator(judge_config(0.5, 1));
    int passes = 0, fails = 0;
    for (const Graded &g : graded_answers(sim)) {
        const std::string text = content_of(chat(sim, grading_request(g.example->input, g.answer)));
        ASSERT_TRUE(valid(kVerdictFormat, text)) << text;
        const json::Document v = json::parse_object(text, "verdict");
        const int64_t score = v["score"].GetInt64();
        if (std::string_view(v["verdict"].GetString()) == "pass") {
            ++passes;
            EXPECT_GE(score, 4) << text;
        } else {
            ++fails;
            EXPECT_LE(score, 2) << text;
        }
        EXPECT_EQ(std::string(v["reasons"][0].GetString()).rfind("[simulated sim-1.5b judge]", 0),
                  0u);
    }
    EXPECT_GT(passes, 100);
    EXPECT_GT(fails, 100);
}

TEST(SimJudge, AnyVerdictShapedFormatIsFollowed) {
    // Another scale, a pass boolean instead of a verdict, two reasons at least, other members.
    const char *format =
        R"({"type":"object","properties":{"score":{"type":"number","minimum":0.5,"maximum":1},)"
        R"("pass":{"type":"boolean"},"reasons":{"type":"array","minItems":2,"maxItems":2,)"
        R"("items":{"type":"string","minLength":3}},"kind":{"enum":["a","b"]},)"
        R"("count":{"type":"integer","minimum":2}},"required":["score","pass","reasons","kind","count"]})";
    const Simulator sim = simulator(judge_config(1));
    for (const char *answer : {"494", "51"}) {
        const std::string text = content_of(chat(
            sim, chat_request(kModel,
                              {{"user", std::string("<question>\nWhat is 38 * 13?\n</question>\n"
                                                    "<answer>\n") +
                                            answer + "\n</answer>"}},
                              false, format)));
        ASSERT_TRUE(valid(format, text)) << text;
        const json::Document v = json::parse_object(text, "verdict");
        EXPECT_EQ(v["pass"].GetBool(), std::string_view(answer) == "494") << text;
        EXPECT_DOUBLE_EQ(v["score"].GetDouble(), std::string_view(answer) == "494" ? 1.0 : 0.5);
    }
}

TEST(SimJudge, WhatItCannotCheckIsACoin) {
    // A judge that is always right when it knows: the coin shows as verdicts near half and half.
    const Simulator sim = simulator(judge_config(1, 2));
    size_t code_passes = 0, code_total = 0, untagged_passes = 0, untagged_total = 0;
    for (const Example &e : sim.dataset().examples()) {
        if (!e.solution.empty()) {
            code_passes += says_pass(sim, grading_request(e.input, "def f():\n    return 0"));
            ++code_total;
        }
        if (!e.expression.empty()) {
            untagged_passes +=
                says_pass(sim, grading_request(e.input, e.expected, "", /*tags=*/false));
            ++untagged_total;
        }
    }
    EXPECT_NEAR(static_cast<double>(code_passes) / static_cast<double>(code_total), 0.5, 0.15);
    EXPECT_NEAR(static_cast<double>(untagged_passes) / static_cast<double>(untagged_total), 0.5,
                0.12);
}

TEST(SimJudge, TheQuestionTagDecidesTheExampleNotAnAnswerQuotingALongerOne) {
    const Simulator sim = simulator(judge_config(1));
    // wp001's input is longer than ar001's: an untagged match would pick it (expected 27).
    const std::string answer =
        "Noah buys 9 notebooks at $3 each. How much does he spend in dollars? Not that. 494";
    EXPECT_TRUE(says_pass(sim, grading_request("What is 38 * 13?", answer)));
}

TEST(SimJudge, PairwiseIsTrueAsConfiguredAndItsMistakesFavourTheFirstAnswer) {
    const Simulator right = simulator(judge_config(1));
    const Simulator wrong = simulator(judge_config(0));
    const auto preference = [](const Simulator &sim, const std::string &a, const std::string &b) {
        const std::string text = content_of(chat(sim, pairwise_request("What is 38 * 13?", a, b)));
        EXPECT_TRUE(valid(kPairwiseFormat, text)) << text;
        return std::string(json::parse_object(text, "preference")["preference"].GetString());
    };
    EXPECT_EQ(preference(right, "494", "51"), "a");
    EXPECT_EQ(preference(right, "51", "494"), "b");
    EXPECT_EQ(preference(right, "494", "494.0"), "tie");
    EXPECT_EQ(preference(wrong, "51", "494"), "a"); // the first position
    EXPECT_EQ(preference(wrong, "494", "51"), "tie");
    EXPECT_EQ(preference(wrong, "51", "52"), "a");
}

TEST(SimJudge, SamplesAtATemperatureDifferBySeedAndRepeat) {
    const Simulator sim = simulator(judge_config(0.5));
    size_t differ_warm = 0, differ_cold = 0, repeat = 0, total = 0;
    for (const Graded &g : graded_answers(sim)) {
        if (g.example->category != "arithmetic") continue;
        const std::string q = g.example->input;
        const bool seed0 =
            says_pass(sim, grading_request(q, g.answer, R"({"temperature":0.7,"seed":0})"));
        const bool seed1 =
            says_pass(sim, grading_request(q, g.answer, R"({"temperature":0.7,"seed":1})"));
        repeat += seed0 ==
                  says_pass(sim, grading_request(q, g.answer, R"({"temperature":0.7,"seed":0})"));
        differ_warm += seed0 != seed1;
        differ_cold +=
            says_pass(sim, grading_request(q, g.answer, R"({"temperature":0,"seed":0})")) !=
            says_pass(sim, grading_request(q, g.answer, R"({"temperature":0,"seed":1})"));
        ++total;
    }
    EXPECT_EQ(repeat, total);
    EXPECT_EQ(differ_cold, 0u);        // at temperature 0 a seed changes nothing
    EXPECT_GT(differ_warm, total / 4); // at p = 0.5, about half
}

} // namespace
} // namespace tinyllm::sim::test
