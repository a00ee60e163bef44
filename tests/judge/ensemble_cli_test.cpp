// The ensemble judge end to end: the real binary with the shipped rules judge and the test
// judges (tests/plugins/test_judges.cpp: `word` passes answers containing a word, `failing`
// always fails), combined by judges.yaml entries — each mode, a judge that fails, an ensemble
// that names itself, a name that is no judge.
#include "e2e_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

constexpr int kNoVerdict = 8; // grade: the judge could not grade (docs/cli.md)
const fs::path kTestJudgesDir = TINYLLM_TEST_JUDGES_DIR;

class EnsembleCli : public E2ETest {
protected:
    EnsembleCli() {
        write_config_file(
            "judges.yaml",
            "judges:\n"
            "  - {name: says_yes, type: word, config: {word: \"yes\"}}\n"
            "  - {name: says_four, type: word, config: {word: \"4\"}}\n"
            "  - {name: both, type: ensemble, config: {judges: [says_yes, says_four]}}\n"
            "  - {name: either, type: ensemble, config: {judges: [says_yes, says_four], mode: "
            "any}}\n"
            "  - name: leaning\n"
            "    type: ensemble\n"
            "    config: {judges: [says_yes, says_four], mode: weighted,\n"
            "             weights: {says_four: 3}, threshold: 0.7}\n"
            "  - {name: exact_and_four, type: ensemble, config: {judges: [rules, says_four]}}\n"
            "  - {name: broken, type: ensemble, config: {judges: [says_four, failing]}}\n"
            "  - {name: loop, type: ensemble, config: {judges: [loop]}}\n"
            "  - {name: ring_a, type: ensemble, config: {judges: [ring_b]}}\n"
            "  - {name: ring_b, type: ensemble, config: {judges: [says_four, ring_a]}}\n"
            "  - {name: typo, type: ensemble, config: {judges: [says_for]}}\n");
    }

    RunResult grade(std::vector<std::string> args) const {
        args.insert(args.begin(), {"grade", "--plugins", kTestJudgesDir.string()});
        return host(std::move(args));
    }
};

TEST_F(EnsembleCli, AllFailsWhenOneJudgeFailsNamingIt) {
    const RunResult r = grade({"--judge", "both", "--input", "2+2", "--output", "4"});
    ASSERT_EXIT_CODE(r, kFailure);
    EXPECT_THAT(r.out, HasSubstr("FAIL  score 0.00  judge both"));
    EXPECT_THAT(r.out, HasSubstr("  - says_yes: does not say yes"));
    EXPECT_THAT(r.out, HasSubstr("  - says_four: says 4"));
    EXPECT_THAT(r.out, HasSubstr("says_four.word=4"));
    EXPECT_THAT(r.out, HasSubstr("failed=says_yes"));
    EXPECT_EXIT_CODE(grade({"--judge", "both", "--input", "2+2", "--output", "yes, 4"}), kOk);
}

TEST_F(EnsembleCli, AnyPassesWhenOneJudgePasses) {
    const RunResult r = grade({"--judge", "either", "--input", "2+2", "--output", "4", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document v = parse_json(r.out);
    EXPECT_DOUBLE_EQ(v["score"].GetDouble(), 1.0);
    EXPECT_STREQ(v["labels"]["mode"].GetString(), "any");
    EXPECT_EQ(v["labels"]["passes"].GetInt(), 1);
    EXPECT_EXIT_CODE(grade({"--judge", "either", "--input", "2+2", "--output", "five"}), kFailure);
}

TEST_F(EnsembleCli, WeightedPassesOnTheWeightedMean) {
    // says_four passes (weight 3), says_yes fails (weight 1): 0.75, over the 0.7 threshold.
    const RunResult r = grade({"--judge", "leaning", "--input", "2+2", "--output", "4", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_DOUBLE_EQ(parse_json(r.out)["score"].GetDouble(), 0.75);
    // Only says_yes passes: 0.25.
    EXPECT_EXIT_CODE(grade({"--judge", "leaning", "--input", "2+2", "--output", "yes"}), kFailure);
}

TEST_F(EnsembleCli, TheRulesJudgeTakesPartWithTheReference) {
    const RunResult r = grade({"--judge", "exact_and_four", "--input", "2+2", "--output",
                               "2 + 2 = 4", "--expected", "4"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("rules.check=numeric"));
    EXPECT_EXIT_CODE(grade({"--judge", "exact_and_four", "--input", "2+2", "--output",
                            "4 or 5, the answer is 5", "--expected", "4"}),
                     kFailure);
}

TEST_F(EnsembleCli, AJudgeThatFailsFailsTheGradeWithItsStatusNeverAPass) {
    const RunResult r = grade({"--judge", "broken", "--input", "2+2", "--output", "4"});
    EXPECT_EXIT_CODE(r, kUnavailable); // the failing judge's status: its server is down
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("judge failing: "));
    EXPECT_THAT(r.out, ::testing::IsEmpty());
}

TEST_F(EnsembleCli, AnEnsembleThatNamesItselfHitsTheNestingBound) {
    for (const char *judge : {"loop", "ring_a"}) {
        const RunResult r = grade({"--judge", judge, "--input", "2+2", "--output", "4"});
        EXPECT_EXIT_CODE(r, kNoVerdict);
        EXPECT_TRUE(OneErrorLine(r));
        EXPECT_THAT(r.err, HasSubstr("judges nest deeper than 16 calls (does an ensemble name "
                                     "itself"));
        EXPECT_LT(r.err.size(), 400u) << "the chain of judges is not repeated: " << r.err;
    }
}

TEST_F(EnsembleCli, AnUnknownJudgeIsNotFoundWithASuggestion) {
    const RunResult r = grade({"--judge", "typo", "--input", "2+2", "--output", "4"});
    EXPECT_EXIT_CODE(r, kNotFound);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("judge says_for: no judge named \"says_for\" (did you mean "
                                 "\"says_four\"?)"));
}

TEST_F(EnsembleCli, CompareCountsTheJudgesThatCompare) {
    // Both word judges prefer the answer that says their word more; rules does not compare.
    write_config_file("judges.yaml", "judges:\n"
                                     "  - {name: says_yes, type: word, config: {word: \"yes\"}}\n"
                                     "  - {name: says_four, type: word, config: {word: \"4\"}}\n"
                                     "  - {name: panel, type: ensemble,\n"
                                     "     config: {judges: [rules, says_yes, says_four]}}\n");
    const RunResult r = grade(
        {"--judge", "panel", "--input", "2+2", "--output", "yes, 4, 4", "--versus", "4", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document p = parse_json(r.out);
    EXPECT_STREQ(p["preference"].GetString(), "a");
    EXPECT_DOUBLE_EQ(p["labels"]["votes_a"].GetDouble(), 2);
    EXPECT_THAT(json::to_string(p["reasons"]), HasSubstr("not asked (they do not compare): rules"));
}

TEST_F(EnsembleCli, TheShippedJudgesYamlLoadsAndListsItsEnsemble) {
    const RunResult r = run({"--config", kSourceConfigDir.string(), "judges", "list", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["default_judge"].GetString(), "rules");
    bool strict = false;
    for (const auto &j : doc["judges"].GetArray()) {
        if (std::string_view(j["name"].GetString()) != "strict") continue;
        strict = true;
        EXPECT_STREQ(j["type"].GetString(), "ensemble");
        EXPECT_FALSE(j.HasMember("problem")) << json::to_string(j);
    }
    EXPECT_TRUE(strict) << r.out;
}

} // namespace
} // namespace tinyllm::e2e
