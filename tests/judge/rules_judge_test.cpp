// The rules judge's checks through its core library, with scripted tools standing in for the
// calculator and the code tool.
#include "rules_judge.hpp"

#include <tinyllm/plugin.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

namespace tinyllm::judge {
namespace {

using ::testing::HasSubstr;

class ScriptedTools final : public answer::Tools {
public:
    using Respond = std::function<std::string(const std::string &, const std::string &)>;
    explicit ScriptedTools(Respond respond = {}) : respond_(std::move(respond)) {}
    std::string call(const std::string &tool, const std::string &arguments) override {
        calls.emplace_back(tool, arguments);
        if (!respond_) throw sdk::Error(TLLM_ERR_NOT_FOUND, "no tool " + tool);
        return respond_(tool, arguments);
    }
    std::vector<std::pair<std::string, std::string>> calls;

private:
    Respond respond_;
};

RulesConfig config(std::string_view json = "{}") {
    return parse_rules_config(json);
}

GradeInput request(std::string output, std::optional<std::string> expected,
                   std::string_view context = "{}") {
    GradeInput in;
    in.input = "q";
    in.output = std::move(output);
    in.expected = std::move(expected);
    in.context = json::parse_object(context, "context");
    return in;
}

std::string label(const RulesVerdict &v, const std::string &key) {
    for (const auto &[k, value] : v.labels)
        if (k == key) return value;
    return {};
}

RulesVerdict grade(const RulesJudge &judge, const GradeInput &in) {
    ScriptedTools none;
    return judge.grade(in, none);
}

TEST(RulesJudge, AutoPicksNumericForANumberAndContainsForText) {
    const RulesJudge judge(config(R"({"calculator":""})"));
    const RulesVerdict four = grade(judge, request("2 + 2 = 4", "4"));
    EXPECT_TRUE(four.pass);
    EXPECT_EQ(label(four, "check"), "numeric");
    const RulesVerdict five = grade(judge, request("2 + 2 = 5", "4"));
    EXPECT_FALSE(five.pass);
    EXPECT_EQ(label(five, "failure"), "wrong_number");
    EXPECT_EQ(five.reasons.at(0), "the answer's final number 5 is not 4");
    const RulesVerdict paris = grade(judge, request("The capital is Paris.", "Paris"));
    EXPECT_TRUE(paris.pass);
    EXPECT_EQ(label(paris, "check"), "contains");
}

TEST(RulesJudge, ContainsNeedsWholeWordsAndHonoursAlternatives) {
    const RulesJudge judge(config());
    EXPECT_FALSE(grade(judge, request("Parisian food", "Paris")).pass);
    EXPECT_TRUE(grade(judge, request("it is   PARIS", "paris")).pass);
    EXPECT_TRUE(
        grade(judge, request("Lutetia, of course", "Paris", R"({"accept":["Lutetia"]})")).pass);
    const RulesJudge strict(config(R"({"check":"exact","case_sensitive":true})"));
    EXPECT_TRUE(grade(strict, request(" Paris. ", "Paris")).pass);
    EXPECT_FALSE(grade(strict, request("paris", "Paris")).pass);
    EXPECT_FALSE(grade(strict, request("It is Paris", "Paris")).pass);
}

TEST(RulesJudge, NumbersMayBeFractionsRoundingsAndPercentages) {
    const RulesJudge judge(config(R"({"calculator":""})"));
    EXPECT_TRUE(grade(judge, request("so x = 3/4", "0.75")).pass);
    EXPECT_TRUE(grade(judge, request("about 0.333", "1/3")).pass);
    EXPECT_FALSE(grade(judge, request("about 0.34", "0.3334")).pass);
    EXPECT_TRUE(grade(judge, request("about 0.33", "0.3334")).pass); // rounded as written
    EXPECT_TRUE(grade(judge, request("-3/4", "-0.75")).pass);
    EXPECT_TRUE(grade(judge, request("It is 1,234 in total", "1234")).pass);
    EXPECT_TRUE(grade(judge, request("That is 15%", "15%")).pass);
    const RulesVerdict none = grade(judge, request("I cannot say", "4"));
    EXPECT_FALSE(none.pass);
    EXPECT_EQ(label(none, "failure"), "no_number");
}

TEST(RulesJudge, TheCalculatorGivesTheExpectedValueExactly) {
    const RulesJudge judge(config());
    ScriptedTools calc([](const std::string &tool, const std::string &args) {
        EXPECT_EQ(tool, "calculator");
        EXPECT_EQ(args, R"({"expression":"1180591620717411303424"})");
        return std::string(
            R"({"content":"1180591620717411303424","value":"1180591620717411303424"})");
    });
    // One more than 2^70 is the same double, but not the same integer.
    EXPECT_FALSE(
        judge.grade(request("1180591620717411303425", "1180591620717411303424"), calc).pass);
    EXPECT_TRUE(
        judge.grade(request("1180591620717411303424", "1180591620717411303424"), calc).pass);
    EXPECT_EQ(calc.calls.size(), 2u);
}

TEST(RulesJudge, CodeTestsRunTheAnswersBlockWithTheTests) {
    const RulesJudge judge(config());
    std::string ran;
    ScriptedTools code([&](const std::string &tool, const std::string &args) {
        EXPECT_EQ(tool, "code");
        ran = args;
        const bool broken = args.find("return s\\n") != std::string::npos;
        return std::string(broken ? R"({"content":"AssertionError","is_error":true})"
                                  : R"({"content":"","is_error":false})");
    });
    const std::string ctx = R"({"tests":"assert rev('ab') == 'ba'"})";
    const RulesVerdict ok = judge.grade(
        request("Here:\n```python\ndef rev(s):\n    return s[::-1]\n```\n", std::nullopt, ctx),
        code);
    EXPECT_TRUE(ok.pass) << ok.reasons.at(0);
    EXPECT_EQ(label(ok, "check"), "code_tests");
    EXPECT_THAT(ran, HasSubstr(R"(return s[::-1]\n\n\nassert rev('ab') == 'ba')"));
    EXPECT_THAT(ran, HasSubstr(R"("language":"python")"));
    const RulesVerdict bad =
        judge.grade(request("```python\ndef rev(s):\n    return s\n```", std::nullopt, ctx), code);
    EXPECT_FALSE(bad.pass);
    EXPECT_EQ(label(bad, "failure"), "tests_failed");
    EXPECT_THAT(bad.reasons.at(0), HasSubstr("AssertionError"));
    const RulesVerdict prose = judge.grade(request("just reverse it", std::nullopt, ctx), code);
    EXPECT_FALSE(prose.pass);
    EXPECT_EQ(label(prose, "failure"), "no_code");
}

TEST(RulesJudge, ACodeToolThatIsDownIsAnErrorNotAFail) {
    const RulesJudge judge(config());
    ScriptedTools down([](const std::string &, const std::string &) -> std::string {
        throw sdk::Error(TLLM_ERR_UNAVAILABLE, "no sandbox");
    });
    try {
        judge.grade(request("```python\nx = 1\n```", std::nullopt, R"({"tests":"assert x"})"),
                    down);
        FAIL() << "expected an error";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_UNAVAILABLE);
    }
}

TEST(RulesJudge, RegexAndSchemaFromTheConfigOrTheContext) {
    const RulesJudge re(config(R"({"check":"regex","pattern":"\\bdef \\w+\\("})"));
    EXPECT_TRUE(grade(re, request("def f(x): pass", std::nullopt)).pass);
    const RulesVerdict miss = grade(re, request("lambda x: x", std::nullopt));
    EXPECT_FALSE(miss.pass);
    EXPECT_EQ(label(miss, "failure"), "pattern_mismatch");
    const RulesJudge any(config());
    EXPECT_TRUE(grade(any, request("abc123", std::nullopt, R"({"pattern":"\\d{3}"})")).pass);
    const std::string schema = R"({"schema":{"type":"object","required":["route"]}})";
    EXPECT_TRUE(grade(any, request(R"({"route":"math"})", std::nullopt, schema)).pass);
    const RulesVerdict bad = grade(any, request(R"({"x":1})", std::nullopt, schema));
    EXPECT_FALSE(bad.pass);
    EXPECT_EQ(label(bad, "failure"), "schema_violation");
}

TEST(RulesJudge, NothingToGradeAgainstIsAnErrorNamingWhatIsMissing) {
    const RulesJudge judge(config());
    try {
        grade(judge, request("4", std::nullopt));
        FAIL() << "expected an error";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_INVALID_ARGUMENT);
        EXPECT_THAT(e.what(), HasSubstr("nothing to grade against"));
    }
    const RulesJudge numeric(config(R"({"check":"numeric"})"));
    EXPECT_THROW(grade(numeric, request("4", "four")), sdk::Error);
    EXPECT_THROW(grade(judge, request("4", "4", R"({"check":"vibes"})")), sdk::Error);
}

TEST(RulesJudge, ConfigErrorsNameTheOption) {
    try {
        RulesJudge judge(config(R"({"check":"regex","pattern":"(\\d+"})"));
        FAIL() << "expected an error";
    } catch (const sdk::Error &e) {
        EXPECT_THAT(e.what(), HasSubstr("pattern: missing )"));
    }
    EXPECT_THROW(config(R"({"check":"regex"})"), sdk::Error);
    EXPECT_THROW(config(R"({"check":"json_schema"})"), sdk::Error);
    EXPECT_THROW(config(R"({"tolerance":-1})"), sdk::Error);
}

} // namespace
} // namespace tinyllm::judge
