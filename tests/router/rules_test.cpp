// The rules stage (plugins/node/router/rules_stage.*): keywords as whole words or phrases in
// any case, RE2 patterns, the route with the most matches winning, ties and min_score falling
// through, and bad patterns named by their config key at construction.
#include "rules_stage.hpp"

#include "tinyllm/error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::router {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<std::string> kRoutes = {"math", "code", "general"};

RulesConfig rules(std::vector<RouteRules> by_route, int64_t min_score = 1) {
    by_route.resize(kRoutes.size());
    return RulesConfig{std::move(by_route), min_score};
}

RulesStage stage(std::vector<RouteRules> by_route, int64_t min_score = 1) {
    return RulesStage(kRoutes, rules(std::move(by_route), min_score));
}

int route_of(const RulesStage &s, std::string_view text) {
    const StageResult r = s.classify(text);
    return r.outcome == Outcome::sure ? r.route : -1;
}

TEST(RouterRules, KeywordsAreWholeWordsInAnyCase) {
    const RulesStage s = stage({{{"calculate"}, {}}});
    EXPECT_EQ(route_of(s, "please calculate this"), 0);
    EXPECT_EQ(route_of(s, "CALCULATE!"), 0);
    EXPECT_EQ(route_of(s, "Calculate"), 0);
    EXPECT_EQ(route_of(s, "(calculate)"), 0);
    EXPECT_EQ(route_of(s, "recalculate it"), -1);
    EXPECT_EQ(route_of(s, "calculated"), -1);
    EXPECT_EQ(route_of(s, "calculate_total"), -1); // _ is part of a word
    EXPECT_EQ(route_of(s, "calculate2"), -1);
}

TEST(RouterRules, PhrasesMatchAcrossAnyWhitespace) {
    const RulesStage s = stage({{{"how much"}, {}}});
    EXPECT_EQ(route_of(s, "How much is it?"), 0);
    EXPECT_EQ(route_of(s, "how   much"), 0);
    EXPECT_EQ(route_of(s, "how\n\tmuch"), 0);
    EXPECT_EQ(route_of(s, "somehow much"), -1);
    EXPECT_EQ(route_of(s, "how muchness"), -1);
    EXPECT_EQ(route_of(s, "howmuch"), -1);
}

TEST(RouterRules, KeywordsAreLiteralTextNotPatterns) {
    const RulesStage s = stage({{{"c++", "a.b", "(x)"}, {}}});
    EXPECT_EQ(s.classify("I write c++ daily").scores[0], 1);
    EXPECT_EQ(s.classify("abc++").scores[0], 0); // 'c' is a word edge: whole word only
    EXPECT_EQ(s.classify("a.b").scores[0], 1);
    EXPECT_EQ(s.classify("axb").scores[0], 0);
    EXPECT_EQ(s.classify("f(x)").scores[0], 1); // '(' is no word edge: no boundary needed
}

TEST(RouterRules, KeywordsAreUnicodeAware) {
    const RulesStage s = stage({{{"été", "数学", "Ärger"}, {}}});
    EXPECT_EQ(s.classify("L'ÉTÉ est chaud").scores[0], 1);
    EXPECT_EQ(s.classify("étéx").scores[0], 0); // é is a letter: a boundary is needed
    EXPECT_EQ(s.classify("xété").scores[0], 0);
    // Chinese is written without spaces: the keyword is found inside longer runs.
    EXPECT_EQ(s.classify("这是一道数学题").scores[0], 1);
    EXPECT_EQ(s.classify("viel ärger heute").scores[0], 1);
}

TEST(RouterRules, PatternsAreRe2FoundAnywhere) {
    const RulesStage s =
        stage({{{}, {R"(\d+\s*[-+*/^x×÷]\s*\d+)"}}, {{}, {"```", R"(\bdef\s+\w+\()"}}});
    EXPECT_EQ(route_of(s, "what is 12 x 7"), 0);
    EXPECT_EQ(route_of(s, "12×7"), 0);
    EXPECT_EQ(route_of(s, "12 ÷ 4 please"), 0);
    EXPECT_EQ(route_of(s, "fix:\n```\ndef f(x): pass\n```"), 1);
    EXPECT_EQ(route_of(s, "hello there"), -1);
    // Patterns are case-sensitive unless they say (?i).
    const RulesStage ci = stage({{{}, {"(?i)integral"}}, {{}, {"Rust"}}});
    EXPECT_EQ(route_of(ci, "An INTEGRAL"), 0);
    EXPECT_EQ(route_of(ci, "rust"), -1);
}

TEST(RouterRules, TheRouteWithTheMostMatchesWins) {
    const RulesStage s =
        stage({{{"calculate", "sum"}, {R"(\d+\s*\+\s*\d+)"}}, {{"python", "function"}, {}}});
    const StageResult r = s.classify("calculate the sum 2+3 in a python script");
    ASSERT_EQ(r.outcome, Outcome::sure) << r.detail;
    EXPECT_EQ(r.route, 0);
    EXPECT_THAT(r.scores, ElementsAre(3, 1, 0));
    EXPECT_DOUBLE_EQ(r.confidence, 3.0 / 4.0); // best / (best + runner-up)
    EXPECT_EQ(
        r.detail,
        "3 matches for math (keyword 'calculate', keyword 'sum', pattern 0), 1 match for code");
}

TEST(RouterRules, OneMatchingRouteIsFullyConfident) {
    const RulesStage s = stage({{{"calculate"}, {}}, {{"python"}, {}}});
    const StageResult r = s.classify("calculate it");
    ASSERT_EQ(r.outcome, Outcome::sure);
    EXPECT_DOUBLE_EQ(r.confidence, 1.0);
    EXPECT_EQ(r.detail, "1 match for math (keyword 'calculate')");
}

TEST(RouterRules, EachRuleCountsOnceHoweverOftenItOccurs) {
    const RulesStage s = stage({{{"sum"}, {}}, {{"python", "code"}, {}}});
    const StageResult r = s.classify("sum sum sum sum in python code");
    ASSERT_EQ(r.outcome, Outcome::sure);
    EXPECT_EQ(r.route, 1);
    EXPECT_THAT(r.scores, ElementsAre(1, 2, 0));
}

TEST(RouterRules, ATieBetweenRoutesIsNotSure) {
    const RulesStage s = stage({{{"calculate"}, {}}, {{"python"}, {}}});
    const StageResult r = s.classify("calculate this in python");
    EXPECT_EQ(r.outcome, Outcome::unsure);
    EXPECT_EQ(r.route, -1);
    EXPECT_THAT(r.scores, ElementsAre(1, 1, 0));
    EXPECT_EQ(r.detail, "tie: 1 match each for math, code");
}

TEST(RouterRules, FewerMatchesThanMinScoreIsNotSure) {
    const RulesStage s = stage({{{"calculate", "sum"}, {}}}, 2);
    const StageResult one = s.classify("calculate it");
    EXPECT_EQ(one.outcome, Outcome::unsure);
    EXPECT_EQ(one.detail, "1 match for math (keyword 'calculate'): below min_score 2");
    EXPECT_EQ(s.classify("calculate the sum").outcome, Outcome::sure);
}

TEST(RouterRules, NoMatchIsNotSureWithZeroScores) {
    const RulesStage s = stage({{{"calculate"}, {}}});
    const StageResult r = s.classify("tell me a story");
    EXPECT_EQ(r.outcome, Outcome::unsure);
    EXPECT_THAT(r.scores, ElementsAre(0, 0, 0));
    EXPECT_EQ(r.detail, "no keyword or pattern matched");
    EXPECT_EQ(s.classify("").outcome, Outcome::unsure);
}

TEST(RouterRules, NoRulesAtAllIsNotSure) {
    const RulesStage s = stage({});
    EXPECT_EQ(s.rule_count(), 0u);
    const StageResult r = s.classify("anything");
    EXPECT_EQ(r.outcome, Outcome::unsure);
    EXPECT_EQ(r.detail, "no keywords or patterns configured");
}

std::string construction_error(std::vector<RouteRules> by_route) {
    try {
        stage(std::move(by_route));
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        return e.what();
    }
    return "(no error)";
}

TEST(RouterRules, ABadPatternIsNamedByItsKey) {
    EXPECT_EQ(construction_error({{{}, {"ok", R"((\d+)"}}}),
              R"(rules.math.patterns[1]: missing ): (\d+)");
    EXPECT_EQ(construction_error({{}, {{}, {"[z-a]"}}}),
              "rules.code.patterns[0]: invalid character class range: z-a");
    // Perl's lookarounds and backreferences are not RE2 (they could take exponential time).
    EXPECT_THAT(construction_error({{}, {}, {{}, {"(?=x)"}}}),
                HasSubstr("rules.general.patterns[0]: "));
    EXPECT_THAT(construction_error({{{}, {R"((a)\1)"}}}), HasSubstr("rules.math.patterns[0]: "));
    EXPECT_EQ(construction_error({{{"  "}, {}}}), "rules.math.keywords[0]: empty keyword");
}

TEST(RouterRules, KeywordPatternsQuoteTheKeyword) {
    EXPECT_EQ(keyword_pattern("a+b"), R"((?i:(?:^|[^\pL\pN_])a\+b(?:$|[^\pL\pN_])))");
    EXPECT_EQ(keyword_pattern(" how  much "), R"((?i:(?:^|[^\pL\pN_])how\s+much(?:$|[^\pL\pN_])))");
    EXPECT_EQ(keyword_pattern("$x"), R"((?i:\$x(?:$|[^\pL\pN_])))");
    EXPECT_EQ(keyword_pattern("   "), "");
}

TEST(RouterRules, ManyRulesStillFindEveryMatch) {
    std::vector<RouteRules> by_route(kRoutes.size());
    for (int i = 0; i < 50; ++i)
        by_route[static_cast<size_t>(i % 3)].patterns.push_back("word" + std::to_string(i) + "\\b");
    const RulesStage s = stage(by_route);
    EXPECT_EQ(s.rule_count(), 50u);
    const StageResult r = s.classify("word1 word4 word7 word2");
    ASSERT_EQ(r.outcome, Outcome::sure) << r.detail;
    EXPECT_EQ(r.route, 1); // 1, 4, 7 are code's (i % 3 == 1)
    EXPECT_THAT(r.scores, ElementsAre(0, 3, 1));
}

} // namespace
} // namespace tinyllm::router
