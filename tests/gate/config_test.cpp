// Config errors found when the gate is created (the graph's build): each names the rule and the
// option. What the host's schema check refuses first is tested through the binary
// (gate_cli_test.cpp).
#include "gate_test_support.hpp"

#include <gmock/gmock.h>

namespace tinyllm::gate::test {
namespace {

std::pair<tllm_status, std::string> config_error(const std::string &config) {
    return sdk_error_of([&] { parse_config(config); });
}

TEST(GateConfig, ABadRegexNamesTheRuleAndRe2sError) {
    const auto [status, message] =
        config_error(R"({"rules":[{"type":"non_empty"},{"type":"length","max":5},)"
                     R"({"type":"regex","pattern":"(\\d+"}]})");
    EXPECT_EQ(status, TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(message, "rules[2].pattern: missing ): (\\d+");
}

TEST(GateConfig, AJudgeRuleTakesAScoreFromZeroToOne) {
    const auto [status, message] = config_error(
        R"({"rules":[{"type":"non_empty"},{"type":"judge","judge":"strict","min_score":1.5}]})");
    EXPECT_EQ(status, TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(message, "rules[1].min_score: must be a number from 0 to 1");
}

TEST(GateConfig, AnOptionOfAnotherRuleTypeIsRefused) {
    EXPECT_EQ(config_error(R"({"rules":[{"type":"length","max":5,"pattern":"x"}]})").second,
              "rules[0].pattern: a length rule has no option \"pattern\" (its options: min, max, "
              "name, message)");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"json","tool":"code"}]})").second,
              "rules[0].tool: a json rule has no option \"tool\" (it takes only name and "
              "message)");
}

TEST(GateConfig, RequiredOptionsAndBounds) {
    EXPECT_EQ(config_error(R"({"rules":[{"type":"regex"}]})").second,
              "rules[0]: a regex rule needs \"pattern\"");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"json_schema"}]})").second,
              "rules[0]: a json_schema rule needs \"schema\"");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"length"}]})").second,
              "rules[0]: a length rule needs \"min\", \"max\" or both");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"length","min":9,"max":3}]})").second,
              "rules[0].min: is 9, more than max (3)");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"regex","pattern":"x","must":"maybe"}]})").second,
              "rules[0].must: must be \"match\" or \"not_match\"");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"code_runs","language":"ruby"}]})").second,
              "rules[0].language: the code tool runs python or sh, not \"ruby\"");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"json_schema","schema":[1]}]})").second,
              "rules[0].schema: must be a JSON Schema object");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"numeric_answer","tolerance":-1}]})").second,
              "rules[0].tolerance: must be a number >= 0");
}

TEST(GateConfig, WhatTheSchemaAlsoRefusesIsRefusedWithoutIt) {
    // Only direct callers of the ABI get here: the host checks the schema first.
    EXPECT_EQ(config_error(R"({"rules":[]})").second, "rules: a gate needs at least one rule");
    EXPECT_EQ(config_error(R"({})").second, "rules: a gate needs at least one rule");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"jsn"}]})").second,
              "rules[0].type: unknown rule type \"jsn\"");
    EXPECT_EQ(config_error(R"({"rules":[7]})").second,
              "rules[0]: expected an object such as {type: non_empty}");
    EXPECT_EQ(config_error(R"({"rules":[{"type":"non_empty"}],"max_feedback":-1})").second,
              "max_feedback: expected an integer >= 0");
    EXPECT_EQ(config_error("[").first, TLLM_ERR_INVALID_ARGUMENT);
}

TEST(GateConfig, NamesDefaultsAndPolicy) {
    const GateConfig config =
        parse_config(R"({"rules":[{"type":"non_empty","name":"has text"},{"type":"code_runs"},)"
                     R"({"type":"numeric_answer"},{"type":"code_runs","tool":"sandbox"}],)"
                     R"("max_feedback":3,"escalate":false,"fallback":true})");
    ASSERT_EQ(config.rules.size(), 4u);
    EXPECT_EQ(config.rules[0].name, "has text");
    EXPECT_EQ(config.rules[1].name, "code_runs");
    EXPECT_EQ(config.rules[0].rule->tool(), "");
    EXPECT_EQ(config.rules[1].rule->tool(), "code");
    EXPECT_EQ(config.rules[2].rule->tool(), "calculator");
    EXPECT_EQ(config.rules[3].rule->tool(), "sandbox");
    EXPECT_EQ(config.rules[3].label, "rules[3]");
    EXPECT_EQ(config.policy.max_feedback, 3);
    EXPECT_FALSE(config.policy.escalate);
    EXPECT_TRUE(config.policy.fallback);

    const GateConfig defaults = parse_config(R"({"rules":[{"type":"json"}]})");
    EXPECT_EQ(defaults.policy.max_feedback, 1);
    EXPECT_TRUE(defaults.policy.escalate);
    EXPECT_FALSE(defaults.policy.fallback);
}

} // namespace
} // namespace tinyllm::gate::test
