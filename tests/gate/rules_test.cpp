// Every rule type on its own (the core library, no host): passing and failing answers, and the
// reasons a model reads. Tool-backed rules run against scripted tools here; gate_cli_test.cpp
// runs them through the real calculator and code tools.
#include "gate_test_support.hpp"

#include <gmock/gmock.h>

#include <chrono>

namespace tinyllm::gate::test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// ---- non_empty ----------------------------------------------------------------------------

TEST(GateNonEmptyRule, TextPassesAndBlankAnswersFail) {
    const RulePtr rule = make_non_empty();
    EXPECT_TRUE(check(*rule, "4").pass);
    EXPECT_TRUE(check(*rule, "  \n x").pass);
    const Outcome empty = check(*rule, "");
    EXPECT_FALSE(empty.pass);
    EXPECT_EQ(empty.reason, "the answer is empty");
    EXPECT_EQ(check(*rule, " \n\t\r ").reason, "the answer has only whitespace");
    // No-break, ideographic and zero-width spaces look empty too.
    EXPECT_FALSE(check(*rule, "\u00a0\u3000\u200b\ufeff\u2003").pass);
    EXPECT_TRUE(check(*rule, "\u00a0é").pass);
}

// ---- length -------------------------------------------------------------------------------

TEST(GateLengthRule, CountsCharactersNotBytes) {
    const RulePtr rule = make_length(3, 5);
    EXPECT_TRUE(check(*rule, "héllo").pass); // 6 bytes, 5 characters
    EXPECT_EQ(check(*rule, "héllo").detail, "5 characters");
    EXPECT_TRUE(check(*rule, "日本語").pass); // 9 bytes, 3 characters
    EXPECT_TRUE(check(*rule, "👍👍👍").pass);    // 12 bytes, 3 characters
    const Outcome short_one = check(*rule, "é");
    EXPECT_FALSE(short_one.pass);
    EXPECT_EQ(short_one.reason, "the answer is 1 character long; the minimum is 3");
    const Outcome long_one = check(*rule, "ééééééé");
    EXPECT_FALSE(long_one.pass);
    EXPECT_EQ(long_one.reason, "the answer is 7 characters long; the maximum is 5");
}

TEST(GateLengthRule, EitherBoundAlone) {
    EXPECT_TRUE(check(*make_length(std::nullopt, 2), "").pass);
    EXPECT_FALSE(check(*make_length(std::nullopt, 2), "abc").pass);
    EXPECT_TRUE(check(*make_length(1, std::nullopt), std::string(100000, 'x')).pass);
    EXPECT_FALSE(check(*make_length(1, std::nullopt), "").pass);
}

TEST(GateLengthRule, BoundsAreCheckedWhenMade) {
    try {
        make_length(std::nullopt, std::nullopt);
        ADD_FAILURE() << "no bounds accepted";
    } catch (const ConfigError &e) {
        EXPECT_EQ(e.option(), "");
        EXPECT_STREQ(e.what(), "a length rule needs \"min\", \"max\" or both");
    }
    try {
        make_length(10, 5);
        ADD_FAILURE() << "min > max accepted";
    } catch (const ConfigError &e) {
        EXPECT_EQ(e.option(), "min");
        EXPECT_STREQ(e.what(), "is 10, more than max (5)");
    }
}

// ---- regex --------------------------------------------------------------------------------

TEST(GateRegexRule, MustMatchSearchesAnywhere) {
    const RulePtr rule = make_regex("\\d+", true);
    const Outcome ok = check(*rule, "the answer is 42.");
    EXPECT_TRUE(ok.pass);
    EXPECT_EQ(ok.detail, "matched \"42\"");
    const Outcome bad = check(*rule, "forty-two");
    EXPECT_FALSE(bad.pass);
    EXPECT_EQ(bad.reason, "the answer does not match the pattern \"\\d+\"");
}

TEST(GateRegexRule, NotMatchNamesWhatWasFound) {
    const RulePtr rule = make_regex("(?i)as an ai( language)? model", false);
    EXPECT_TRUE(check(*rule, "Paris is the capital of France.").pass);
    const Outcome bad = check(*rule, "As an AI language model, I cannot.");
    EXPECT_FALSE(bad.pass);
    EXPECT_EQ(bad.reason, "the answer must not match the pattern \"(?i)as an ai( language)? "
                          "model\" (it contains \"As an AI language model\")");
}

TEST(GateRegexRule, PatternsAreUtf8AndFlagsAreInline) {
    EXPECT_TRUE(check(*make_regex("^café$", true), "café").pass);
    EXPECT_TRUE(check(*make_regex("^.{4}$", true), "café").pass); // . is a character
    EXPECT_FALSE(check(*make_regex("^b", true), "a\nb").pass);
    EXPECT_TRUE(check(*make_regex("(?m)^b", true), "a\nb").pass);
    EXPECT_TRUE(check(*make_regex("(?s)a.b", true), "a\nb").pass);
}

TEST(GateRegexRule, ABadPatternIsAConfigErrorWithRe2sMessage) {
    try {
        make_regex("(\\d+", true);
        ADD_FAILURE() << "bad pattern accepted";
    } catch (const ConfigError &e) {
        EXPECT_EQ(e.option(), "pattern");
        EXPECT_STREQ(e.what(), "missing ): (\\d+");
    }
    // Backreferences are not RE2 (they would make matching exponential).
    EXPECT_THROW(make_regex("(a)\\1", true), ConfigError);
}

TEST(GateRegexRule, MatchingIsLinearTime) {
    // Exponential for a backtracking engine; RE2 answers at once.
    const RulePtr rule = make_regex("(a*)*b", true);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(check(*rule, std::string(100000, 'a')).pass);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

// ---- json ---------------------------------------------------------------------------------

TEST(GateJsonRule, PlainJsonPasses) {
    const RulePtr rule = make_json();
    EXPECT_TRUE(check(*rule, R"({"a": [1, 2]})").pass);
    EXPECT_TRUE(check(*rule, "\n  [1, 2, 3]\n").pass);
    EXPECT_TRUE(check(*rule, "42").pass);
    EXPECT_EQ(check(*rule, R"({"a":1})").detail, "valid JSON object in the answer");
}

TEST(GateJsonRule, JsonInsideAFenceCounts) {
    const RulePtr rule = make_json();
    const Outcome prose = check(*rule, "Here it is:\n```json\n{\"a\": 1}\n```\nDone.");
    EXPECT_TRUE(prose.pass);
    EXPECT_EQ(prose.detail, "valid JSON object in the ```json block at line 2");
    // A whole answer that is one fenced block, whatever its tag.
    EXPECT_TRUE(check(*rule, "```\n[1]\n```").pass);
    EXPECT_TRUE(check(*rule, "```javascript\n{\"a\": true}\n```\n").pass);
}

TEST(GateJsonRule, InvalidJsonSaysWhereAndWhy) {
    const RulePtr rule = make_json();
    const Outcome bad = check(*rule, "{\"a\": 1,\n \"b\" 2}");
    EXPECT_FALSE(bad.pass);
    EXPECT_EQ(bad.reason, "the answer is not valid JSON: Missing a colon after a name of object "
                          "member (line 2, column 6)");
    EXPECT_THAT(check(*rule, "The answer is {\"a\": 1}").reason,
                StartsWith("the answer is not valid JSON: Invalid value"));
    EXPECT_THAT(check(*rule, "{} extra").reason,
                HasSubstr("The document root must not be followed by other values"));
    EXPECT_THAT(check(*rule, "```json\n{\"a\":}\n```").reason,
                StartsWith("the ```json block at line 1 is not valid JSON: "));
    EXPECT_THAT(check(*rule, "").reason, HasSubstr("The document is empty"));
}

TEST(GateJsonRule, DeepNestingIsRefusedNotRecursedInto) {
    const RulePtr rule = make_json();
    EXPECT_TRUE(check(*rule, std::string(500, '[') + std::string(500, ']')).pass);
    const Outcome deep = check(*rule, std::string(100000, '[') + std::string(100000, ']'));
    EXPECT_FALSE(deep.pass);
    EXPECT_EQ(deep.reason, "the answer is JSON nested deeper than 512 levels");
}

// ---- json_schema --------------------------------------------------------------------------

json::Document schema_doc(const std::string &text) {
    return json::parse(text, "schema");
}

TEST(GateJsonSchemaRule, MatchingJsonPasses) {
    const json::Document schema = schema_doc(
        R"({"type":"object","required":["answer"],"properties":{"answer":{"type":"integer"}}})");
    const RulePtr rule = make_json_schema(schema);
    EXPECT_TRUE(check(*rule, R"({"answer": 4})").pass);
    EXPECT_TRUE(check(*rule, "```json\n{\"answer\": 4, \"why\": \"2+2\"}\n```").pass);
}

TEST(GateJsonSchemaRule, AMismatchNamesThePathAndWhatWasExpected) {
    const json::Document schema = schema_doc(R"({
        "type": "object", "required": ["answer", "items"], "additionalProperties": false,
        "properties": {
          "answer": {"type": "integer", "minimum": 0},
          "unit": {"enum": ["kg", "g"]},
          "items": {"type": "array", "items": {"type": "object",
                    "properties": {"price": {"type": "number"}}}}}})");
    const RulePtr rule = make_json_schema(schema);
    EXPECT_EQ(check(*rule, R"({"answer": "four", "items": []})").reason,
              "the JSON in the answer does not match the schema at /answer: expected integer, "
              "got string \"four\"");
    EXPECT_EQ(check(*rule, R"({"answer": 1, "items": [{"price": 1}, {"price": "9.99"}]})").reason,
              "the JSON in the answer does not match the schema at /items/1/price: expected "
              "number, got string \"9.99\"");
    EXPECT_EQ(check(*rule, R"({"items": []})").reason,
              "the JSON in the answer does not match the schema at the top level: missing "
              "required key \"answer\"");
    EXPECT_EQ(check(*rule, R"({"answer": -1, "items": []})").reason,
              "the JSON in the answer does not match the schema at /answer: must be >= 0, got "
              "integer -1");
    EXPECT_EQ(check(*rule, R"({"answer": 1, "items": [], "unit": "lb"})").reason,
              "the JSON in the answer does not match the schema at /unit: must be one of "
              "[\"kg\",\"g\"], got string \"lb\"");
    EXPECT_EQ(check(*rule, R"({"answer": 1, "items": [], "note": "x"})").reason,
              "the JSON in the answer does not match the schema at the top level: unknown key "
              "\"note\" (the schema allows no other keys)");
    EXPECT_EQ(check(*rule, "[1]").reason, "the JSON in the answer does not match the schema at "
                                          "the top level: expected object, got array");
}

TEST(GateJsonSchemaRule, InvalidJsonFailsAsTheJsonRuleDoes) {
    const json::Document schema = schema_doc(R"({"type":"object"})");
    EXPECT_THAT(check(*make_json_schema(schema), "not json").reason,
                StartsWith("the answer is not valid JSON: "));
}

TEST(GateJsonSchemaRule, TheSchemaMustBeAnObject) {
    const json::Document schema = schema_doc("[1]");
    try {
        make_json_schema(schema);
        ADD_FAILURE() << "array schema accepted";
    } catch (const ConfigError &e) {
        EXPECT_EQ(e.option(), "schema");
    }
}

// ---- code_block ---------------------------------------------------------------------------

TEST(GateCodeBlockRule, AnyLanguageOrTheOneAskedFor) {
    const std::string answer = "Run this:\n\n```py\nprint(1)\n```\n";
    EXPECT_TRUE(check(*make_code_block(""), answer).pass);
    const Outcome python = check(*make_code_block("python"), answer);
    EXPECT_TRUE(python.pass); // py is python
    EXPECT_EQ(python.detail, "a python block at line 3");
    const Outcome sh = check(*make_code_block("sh"), answer);
    EXPECT_FALSE(sh.pass);
    EXPECT_EQ(sh.reason, "the answer has no sh code block (```sh)");
    EXPECT_EQ(check(*make_code_block(""), "no code").reason,
              "the answer has no fenced code block (```)");
}

TEST(GateCodeBlockRule, FencesAsModelsWriteThem) {
    const RulePtr python = make_code_block("Python");
    EXPECT_TRUE(check(*python, "~~~python\nx = 1\n~~~").pass);
    EXPECT_TRUE(check(*python, "1. Step:\n    ```python3\n    x = 1\n    ```").pass);
    EXPECT_TRUE(check(*python, "````python\n```\nnested\n```\n````").pass);
    EXPECT_TRUE(check(*python, "```python\r\nx = 1\r\n```\r\n").pass);
    // Inline code is not a block.
    EXPECT_FALSE(check(*python, "use ```python x``` inline").pass);
}

TEST(GateCodeBlockRule, AnUnclosedFenceIsNamed) {
    const Outcome cut = check(*make_code_block("python"), "Here:\n```python\nprint(1)\n");
    EXPECT_FALSE(cut.pass);
    EXPECT_EQ(cut.reason, "the answer has no python code block (```python) (the fence on line 2 "
                          "is never closed)");
}

// ---- code_runs (scripted tool) ------------------------------------------------------------

const std::string kCodeAnswer =
    "First:\n```sh\necho hi\n```\nThen:\n```python\nprint(6 * 7)\n```\n";

TEST(GateCodeRunsRule, RunsTheFirstBlockOfTheLanguageThroughTheTool) {
    FakeTools tools(returns(R"({"content":"42\n","is_error":false,"exit_code":0,"wall_ms":31})"));
    const Outcome ok = check(*make_code_runs("code", "python"), kCodeAnswer, tools);
    EXPECT_TRUE(ok.pass) << ok.reason;
    EXPECT_EQ(ok.detail, "the python block at line 6 ran in 31 ms");
    ASSERT_EQ(tools.calls.size(), 1u);
    EXPECT_EQ(tools.calls[0].first, "code");
    EXPECT_EQ(tools.calls[0].second, R"({"code":"print(6 * 7)\n","language":"python"})");

    // Without a language: the first python or sh block.
    FakeTools any(returns(R"({"content":"hi\n","is_error":false})"));
    EXPECT_TRUE(check(*make_code_runs("sandbox", ""), kCodeAnswer, any).pass);
    EXPECT_EQ(any.calls.at(0).first, "sandbox");
    EXPECT_EQ(any.calls.at(0).second, R"({"code":"echo hi\n","language":"sh"})");
}

TEST(GateCodeRunsRule, AFailingProgramFailsWithTheFirstLinesOfItsOutput) {
    FakeTools tools(returns(R"({"content":"[stderr]\nTraceback (most recent call last):\n  File )"
                            R"(\"<stdin>\", line 1\nNameError: name 'x' is not defined\n)"
                            R"([exit code 1]\n","is_error":true,"exit_code":1})"));
    const Outcome bad = check(*make_code_runs("code", "python"), kCodeAnswer, tools);
    EXPECT_FALSE(bad.pass);
    EXPECT_EQ(bad.reason, "the python block at line 6 failed: [stderr] | Traceback (most recent "
                          "call last): | File \"<stdin>\", line 1 | NameError: name 'x' is not "
                          "defined | [exit code 1]");
}

TEST(GateCodeRunsRule, LongOutputIsCutButKeepsItsLastLine) {
    std::string content;
    for (int i = 1; i <= 20; ++i)
        content += "line " + std::to_string(i) + "\\n";
    FakeTools tools(returns(R"({"content":")" + content + R"(","is_error":true})"));
    const Outcome bad = check(*make_code_runs("code", "python"), kCodeAnswer, tools);
    EXPECT_EQ(bad.reason, "the python block at line 6 failed: line 1 | line 2 | line 3 | line 4 | "
                          "line 5 | line 6 | … | line 20");
}

TEST(GateCodeRunsRule, NoBlockToRunFails) {
    FakeTools tools(returns("{}"));
    EXPECT_EQ(check(*make_code_runs("code", "python"), "```sh\nls\n```", tools).reason,
              "the answer has no python code block to run");
    EXPECT_EQ(check(*make_code_runs("code", ""), "```ruby\nputs 1\n```", tools).reason,
              "the answer has no python or sh code block to run");
    EXPECT_EQ(check(*make_code_runs("code", ""), "```python\nx = (", tools).reason,
              "the answer has no python or sh code block to run (the fence on line 1 is never "
              "closed)");
    EXPECT_TRUE(tools.calls.empty());
}

TEST(GateCodeRunsRule, CodeTheToolRefusesFailsTheCheckOtherToolErrorsEndTheNode) {
    FakeTools refused(throws(TLLM_ERR_INVALID_ARGUMENT, "code is larger than 65536 bytes"));
    EXPECT_EQ(check(*make_code_runs("code", "python"), kCodeAnswer, refused).reason,
              "the code tool refused the python block at line 6: code is larger than 65536 bytes");

    FakeTools no_sandbox(throws(TLLM_ERR_UNAVAILABLE, "bubblewrap is not installed"));
    const auto [status, message] =
        sdk_error_of([&] { check(*make_code_runs("code", "python"), kCodeAnswer, no_sandbox); });
    EXPECT_EQ(status, TLLM_ERR_UNAVAILABLE);
    EXPECT_EQ(message, "bubblewrap is not installed");

    FakeTools cancelled(throws(TLLM_ERR_CANCELLED, "cancelled"));
    EXPECT_EQ(
        sdk_error_of([&] { check(*make_code_runs("code", ""), kCodeAnswer, cancelled); }).first,
        TLLM_ERR_CANCELLED);
}

TEST(GateCodeRunsRule, OnlyLanguagesTheCodeToolRuns) {
    EXPECT_NO_THROW(make_code_runs("code", "py"));
    try {
        make_code_runs("code", "ruby");
        ADD_FAILURE() << "ruby accepted";
    } catch (const ConfigError &e) {
        EXPECT_EQ(e.option(), "language");
        EXPECT_STREQ(e.what(), "the code tool runs python or sh, not \"ruby\"");
    }
}

// ---- numeric_answer (scripted calculator) -------------------------------------------------

// A calculator that knows a few expressions, as the real one answers them.
FakeTools calculator() {
    return FakeTools([](const std::string &, const std::string &args) -> std::string {
        const json::Document doc = json::parse(args, "args");
        const std::string e = doc["expression"].GetString();
        const auto result = [](const std::string &v) {
            return R"({"content":")" + v + R"(","is_error":false,"value":")" + v + R"("})";
        };
        if (e == "12 * 7") return result("84");
        if (e == "0.15 * 80") return result("12");
        if (e == "1/3") return result("0.33333333333333333333333333333333333333333333333333");
        if (e == "123456789 * 987654321") return result("121932631112635269");
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                         "unexpected end of expression at column " + std::to_string(e.size() + 1));
    });
}

TEST(GateNumericAnswerRule, ARightComputationPasses) {
    FakeTools calc = calculator();
    const RulePtr rule = make_numeric_answer("calculator", 1e-9, false);
    const Outcome ok =
        check(*rule, "12 apples a box, 7 boxes: 12 × 7 = 84.\n\nAnswer: **84**", calc);
    EXPECT_TRUE(ok.pass) << ok.reason;
    EXPECT_EQ(ok.detail, "\"12 × 7 = 84\" checked with the calculator: 84");
    ASSERT_EQ(calc.calls.size(), 1u);
    EXPECT_EQ(calc.calls[0].second, R"({"expression":"12 * 7"})");
    EXPECT_TRUE(check(*rule, "15% of 80: 0.15 × 80 = 12", calc).pass);
}

TEST(GateNumericAnswerRule, AWrongResultIsNamedWithTheCalculatorsValue) {
    FakeTools calc = calculator();
    const RulePtr rule = make_numeric_answer("calculator", 1e-9, false);
    const Outcome bad = check(*rule, "So 12 * 7 = 85.", calc);
    EXPECT_FALSE(bad.pass);
    EXPECT_EQ(bad.reason, "\"12 * 7 = 85\" is wrong: the calculator gives 84");
    // Big integers are compared digit by digit: doubles would call these equal.
    EXPECT_EQ(check(*rule, "123456789 * 987654321 = 121932631112635268", calc).reason,
              "\"123456789 * 987654321 = 121932631112635268\" is wrong: the calculator gives "
              "121932631112635269");
}

TEST(GateNumericAnswerRule, TheFinalNumberMustBeTheResultToo) {
    FakeTools calc = calculator();
    const RulePtr rule = make_numeric_answer("calculator", 1e-9, false);
    const Outcome bad = check(*rule, "12 * 7 = 84, so the answer is 48.", calc);
    EXPECT_FALSE(bad.pass);
    EXPECT_EQ(bad.reason, "the answer ends with 48, but its computation \"12 * 7 = 84\" gives 84 "
                          "(checked with the calculator)");
    EXPECT_TRUE(check(*rule, "12 * 7 = 84, so the answer is 84 apples.", calc).pass);
}

TEST(GateNumericAnswerRule, RoundedResultsAsWrittenPass) {
    FakeTools calc = calculator();
    const RulePtr rule = make_numeric_answer("calculator", 1e-9, false);
    EXPECT_TRUE(check(*rule, "1/3 = 0.333", calc).pass);
    EXPECT_TRUE(check(*rule, "1/3 ≈ 0.33", calc).pass);
    EXPECT_FALSE(check(*rule, "1/3 = 0.334", calc).pass);
    EXPECT_FALSE(check(*rule, "1/3 = 0", calc).pass); // no decimals: no rounding allowed
    // A looser tolerance accepts more.
    EXPECT_TRUE(check(*make_numeric_answer("calculator", 0.01, false), "1/3 = 0.33", calc).pass);
}

TEST(GateNumericAnswerRule, NoEquationPassesWithANoteUnlessRequired) {
    FakeTools calc = calculator();
    const Outcome none = check(*make_numeric_answer("calculator", 1e-9, false), "It is 84.", calc);
    EXPECT_TRUE(none.pass);
    EXPECT_EQ(none.detail, "no equation \"EXPRESSION = NUMBER\" found; nothing to check");
    const Outcome required =
        check(*make_numeric_answer("calculator", 1e-9, true), "It is 84.", calc);
    EXPECT_FALSE(required.pass);
    EXPECT_EQ(required.reason, "the answer shows no computation to check: write its key step as "
                               "\"EXPRESSION = RESULT\" (e.g. \"12 * 7 = 84\")");
    EXPECT_TRUE(calc.calls.empty());
}

TEST(GateNumericAnswerRule, ACalculatorErrorFailsTheCheckNamingTheExpression) {
    FakeTools calc = calculator();
    const Outcome bad =
        check(*make_numeric_answer("calculator", 1e-9, false), "3 ^ 2 + 1 = 10", calc);
    EXPECT_FALSE(bad.pass);
    EXPECT_EQ(bad.reason, "the calculator cannot evaluate \"3 ^ 2 + 1\" (from \"3 ^ 2 + 1 = "
                          "10\"): unexpected end of expression at column 10");

    FakeTools down(throws(TLLM_ERR_UNAVAILABLE, "calculator is unavailable"));
    EXPECT_EQ(sdk_error_of([&] {
                  check(*make_numeric_answer("calculator", 1e-9, false), "1 + 1 = 2", down);
              }).first,
              TLLM_ERR_UNAVAILABLE);
}

TEST(GateNumericAnswerRule, AResultThatIsNotANumberFails) {
    FakeTools odd(returns(R"({"content":"undefined","is_error":false})"));
    EXPECT_EQ(check(*make_numeric_answer("calc", 1e-9, false), "1 + 1 = 2", odd).reason,
              "the calc gives no number for \"1 + 1\" (from \"1 + 1 = 2\"): undefined");
    FakeTools broken(returns("[]"));
    EXPECT_EQ(sdk_error_of([&] {
                  check(*make_numeric_answer("calc", 1e-9, false), "1 + 1 = 2", broken);
              }).first,
              TLLM_ERR_PROTOCOL);
}

TEST(GateNumericAnswerRule, ToleranceMustNotBeNegative) {
    EXPECT_THROW(make_numeric_answer("calculator", -1, false), ConfigError);
}

// ---- judge ---------------------------------------------------------------------------------

TEST(GateJudgeRule, SendsTheRequestAndTheAnswerAndFollowsTheVerdict) {
    const RulePtr rule = make_judge("strict", std::nullopt);
    FakeTools tools;
    tools.judge_verdict = R"({"score":0.25,"pass":false,"reasons":["too short","no units"]})";
    const Outcome o = rule->check(Answer("4", "what is 2+2?"), tools);
    EXPECT_FALSE(o.pass);
    EXPECT_EQ(o.reason, "judge strict scored 0.25: too short; no units");
    ASSERT_EQ(tools.grades.size(), 1u);
    EXPECT_EQ(tools.grades[0].first, "strict");
    EXPECT_EQ(tools.grades[0].second, R"({"input":"what is 2+2?","output":"4"})");

    tools.judge_verdict = R"({"score":1,"pass":true,"reasons":["right"]})";
    const Outcome ok = rule->check(Answer("4", "what is 2+2?"), tools);
    EXPECT_TRUE(ok.pass);
    EXPECT_EQ(ok.detail, "judge strict scored 1.00: right");
}

TEST(GateJudgeRule, MinScoreFailsAPassingVerdictBelowIt) {
    const RulePtr rule = make_judge("", 0.8);
    FakeTools tools;
    tools.judge_verdict = R"({"score":0.6,"pass":true,"reasons":[]})";
    const Outcome o = rule->check(Answer("x", "q"), tools);
    EXPECT_FALSE(o.pass);
    EXPECT_EQ(o.reason, "judge (default) scored 0.60, below 0.80");
    EXPECT_THROW(make_judge("x", 1.5), ConfigError);
}

TEST(GateJudgeRule, AJudgeThatCannotAnswerEndsTheNodeInsteadOfPassing) {
    const RulePtr rule = make_judge("strict", std::nullopt);
    FakeTools tools; // no judges: Tools::grade throws
    const auto [status, message] = sdk_error_of([&] { rule->check(Answer("x", "q"), tools); });
    EXPECT_EQ(status, TLLM_ERR_UNSUPPORTED);
    EXPECT_EQ(message, "judges are not available here");
}

} // namespace
} // namespace tinyllm::gate::test
