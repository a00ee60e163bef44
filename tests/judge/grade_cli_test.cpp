// `tinyllm grade` and `tinyllm judges` through the real binary: the shipped rules judge with the
// real calculator and code tool, and the test judges (tests/plugins/test_judges.cpp) for what
// the host must check and refuse — in process and in a plugin process of their own.
#include "e2e_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

const std::string kJudgesDir = TINYLLM_TEST_JUDGES_DIR;
constexpr int kNoVerdict = 8;

class GradeTest : public E2ETest {
protected:
    GradeTest() { write_config_file("models.yaml", models_yaml(ollama_.url())); }
    RunResult grade(std::vector<std::string> args, std::optional<std::string> stdin_text = {}) {
        std::vector<std::string> full = {"--plugins", kJudgesDir, "grade"};
        full.insert(full.end(), args.begin(), args.end());
        return host(full, {}, std::move(stdin_text));
    }
};

TEST_F(GradeTest, PassesARightAnswerAndFailsAWrongOneWithAReason) {
    const RunResult pass = grade({"--input", "2+2", "--output", "4", "--expected", "4"});
    EXPECT_EXIT_CODE(pass, kOk);
    EXPECT_THAT(pass.out, HasSubstr("PASS  score 1.00  judge rules"));
    const RunResult fail = grade({"--input", "2+2", "--output", "5", "--expected", "4"});
    EXPECT_EXIT_CODE(fail, kFailure);
    EXPECT_THAT(fail.out, HasSubstr("FAIL  score 0.00  judge rules"));
    EXPECT_THAT(fail.out, HasSubstr("the answer's final number 5 is not 4"));
    EXPECT_THAT(fail.out, HasSubstr("labels: check=numeric failure=wrong_number"));
}

TEST_F(GradeTest, JsonHasTheVerdictAndTheJudge) {
    const RunResult r =
        grade({"-i", "capital of France?", "-o", "Paris, of course", "-e", "Paris", "--json"});
    EXPECT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_EQ(doc["score"].GetDouble(), 1.0);
    EXPECT_TRUE(doc["pass"].GetBool());
    EXPECT_STREQ(doc["judge"].GetString(), "rules");
    EXPECT_STREQ(doc["labels"]["check"].GetString(), "contains");
}

TEST_F(GradeTest, TheOutputCanComeFromStdin) {
    const RunResult r = grade({"-i", "2^10", "-o", "-", "-e", "1024"}, "2^10 = 1024\n");
    EXPECT_EXIT_CODE(r, kOk);
    const RunResult twice = grade({"-i", "-", "-o", "-"}, "x");
    EXPECT_EXIT_CODE(twice, kUsage);
    EXPECT_THAT(twice.err, HasSubstr("stdin is already read"));
}

TEST_F(GradeTest, CodeIsGradedByRunningTheTestsInTheSandbox) {
    const std::string tests = R"({"tests":"assert rev('ab') == 'ba'"})";
    const RunResult good =
        grade({"-i", "reverse", "-o", "```python\ndef rev(s):\n    return s[::-1]\n```",
               "--context", tests});
    if (good.exit_code == kNoVerdict && good.err.find("sandbox") != std::string::npos) {
        GTEST_SKIP() << "the code tool's sandbox does not work here: " << good.err;
    }
    EXPECT_EXIT_CODE(good, kOk);
    const RunResult bad = grade(
        {"-i", "reverse", "-o", "```python\ndef rev(s):\n    return s\n```", "--context", tests});
    EXPECT_EXIT_CODE(bad, kFailure);
    EXPECT_THAT(bad.out, HasSubstr("AssertionError"));
}

TEST_F(GradeTest, AnUnknownJudgeIsNotFoundWithASuggestion) {
    const RunResult r = grade({"-i", "q", "-o", "a", "-e", "a", "--judge", "rulez"});
    EXPECT_EXIT_CODE(r, kNotFound);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("no judge named \"rulez\" (did you mean \"rules\"?)"));
}

TEST_F(GradeTest, AJudgeThatCannotGradeExitsEightNotOne) {
    const RunResult nothing = grade({"-i", "q", "-o", "a"});
    EXPECT_EXIT_CODE(nothing, kNoVerdict);
    EXPECT_THAT(nothing.err, HasSubstr("nothing to grade against"));
    const RunResult down = grade({"-i", "q", "-o", "a", "--judge", "failing"});
    EXPECT_EXIT_CODE(down, kUnavailable);
    EXPECT_THAT(down.err, HasSubstr("the model server is down on purpose"));
}

TEST_F(GradeTest, TheDefaultJudgeAndJudgesYamlEntries) {
    write_config_file("judges.yaml", "default_judge: sure\n"
                                     "judges:\n"
                                     "  - name: sure\n"
                                     "    type: word\n"
                                     "    config: {word: sure}\n"
                                     "    description: says sure\n");
    const RunResult sure = grade({"-i", "q", "-o", "sure thing"});
    EXPECT_EXIT_CODE(sure, kOk);
    EXPECT_THAT(sure.out, HasSubstr("judge sure"));
    EXPECT_THAT(sure.out, HasSubstr("labels: word=sure"));
    const RunResult list = host({"--plugins", kJudgesDir, "judges", "--json"});
    EXPECT_EXIT_CODE(list, kOk);
    const json::Document doc = parse_json(list.out);
    EXPECT_STREQ(doc["default_judge"].GetString(), "sure");
    bool found = false;
    for (const auto &j : doc["judges"].GetArray()) {
        if (std::string(j["name"].GetString()) != "sure") continue;
        found = true;
        EXPECT_STREQ(j["type"].GetString(), "word");
        EXPECT_STREQ(j["description"].GetString(), "says sure");
        EXPECT_TRUE(j["default"].GetBool());
    }
    EXPECT_TRUE(found) << list.out;
}

TEST_F(GradeTest, JudgesYamlErrorsNameTheLine) {
    write_config_file("judges.yaml", "judges:\n  - name: a\n    type: word\n  - name: a\n");
    const RunResult dup = grade({"-i", "q", "-o", "a"});
    EXPECT_EXIT_CODE(dup, kConfig);
    EXPECT_THAT(dup.err, HasSubstr("judges.yaml:4"));
    EXPECT_THAT(dup.err, HasSubstr("duplicate judge name \"a\" (first at line 2)"));
    write_config_file("judges.yaml", "judges:\n  - name: x\n    type: wrod\n");
    const RunResult type = grade({"-i", "q", "-o", "a", "--judge", "x"});
    EXPECT_EXIT_CODE(type, kPlugin);
    EXPECT_THAT(type.err, HasSubstr("judges.yaml:2"));
    EXPECT_THAT(type.err, HasSubstr("did you mean"));
}

// What a judge answers is checked before anyone reads it: outside the schema is an error (exit
// 8), never a pass.
TEST_F(GradeTest, AVerdictOutsideTheSchemaIsAJudgeErrorNeverAPass) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"score":1.5,"pass":true})", "score: must be <= 1"},
        {R"({"score":1})", "missing"},
        {R"({"score":1,"pass":"yes"})", "pass: expected boolean"},
        {R"({"score":1,"pass":true,"labels":{"a":{"b":1}}})", "labels"},
        {R"({"score":1,"pass":true,"passed":true})", "passed"},
        {R"(not json)", "answered outside the schema"},
    };
    for (const auto &[verdict, why] : cases) {
        json::Document cfg(rapidjson::kObjectType);
        cfg.AddMember("verdict", json::string_value(verdict, cfg.GetAllocator()),
                      cfg.GetAllocator());
        write_config_file("judges.yaml", "judges:\n  - name: v\n    type: verbatim\n    config: " +
                                             json::to_string(cfg) + "\n");
        const RunResult r = grade({"-i", "q", "-o", "a", "--judge", "v"});
        EXPECT_EXIT_CODE(r, kNoVerdict);
        EXPECT_THAT(r.err, HasSubstr("judge v answered outside the schema")) << verdict;
        EXPECT_THAT(r.err, HasSubstr(why)) << verdict;
        EXPECT_THAT(r.out, Not(HasSubstr("PASS")));
    }
}

TEST_F(GradeTest, AJudgeGradingWithItselfStopsAtTheNestingBound) {
    const RunResult r = grade({"-i", "q", "-o", "a", "--judge", "delegate"});
    EXPECT_EXIT_CODE(r, kNoVerdict);
    EXPECT_THAT(r.err, HasSubstr("judges nest deeper than 16 calls"));
    write_config_file("judges.yaml",
                      "judges:\n  - name: via\n    type: delegate\n    config: {judge: word}\n");
    const RunResult via = grade({"-i", "q", "-o", "yes", "--judge", "via"});
    EXPECT_EXIT_CODE(via, kOk);
}

TEST_F(GradeTest, VersusComparesWithAJudgeThatCompares) {
    const RunResult r =
        grade({"-i", "q", "-o", "yes", "--versus", "yes yes", "--judge", "word", "--json"});
    EXPECT_EXIT_CODE(r, kOk);
    EXPECT_STREQ(parse_json(r.out)["preference"].GetString(), "b");
    const RunResult rules = grade({"-i", "q", "-o", "a", "--versus", "b"});
    EXPECT_EXIT_CODE(rules, kNoVerdict);
    EXPECT_THAT(rules.err, HasSubstr("does not compare"));
}

TEST_F(GradeTest, JudgesWorkTheSameInAPluginProcess) {
    write_config_file("system.yaml", "isolation:\n  default: process\n");
    const RunResult pass = grade({"-i", "2+2", "-o", "4", "-e", "4"});
    EXPECT_EXIT_CODE(pass, kOk);
    const RunResult word = grade({"-i", "q", "-o", "no", "--judge", "word"});
    EXPECT_EXIT_CODE(word, kFailure);
    const RunResult nested = grade({"-i", "q", "-o", "a", "--judge", "delegate"});
    EXPECT_EXIT_CODE(nested, kNoVerdict);
    EXPECT_THAT(nested.err, HasSubstr("judges nest deeper than 16 calls"));
}

TEST_F(GradeTest, UsageErrors) {
    const RunResult missing = grade({"--input", "q"});
    EXPECT_EXIT_CODE(missing, kUsage);
    EXPECT_THAT(missing.err, HasSubstr("output"));
    const RunResult context = grade({"-i", "q", "-o", "a", "-e", "a", "--context", "[1]"});
    EXPECT_EXIT_CODE(context, kUsage);
    const RunResult help = grade({"--help"});
    EXPECT_EXIT_CODE(help, kOk);
    EXPECT_THAT(help.out, HasSubstr("8 the judge could not grade"));
}

} // namespace
} // namespace tinyllm::e2e
