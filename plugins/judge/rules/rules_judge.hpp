// The rules judge: grades an answer against a reference (or a pattern, a schema, tests) with
// exact checks, no model. Which check runs is the config's `check`, or `auto`: the request's
// context.check, else code_tests when the context holds tests, numeric when the expected answer
// is a number, exact-or-contains for other expected text, regex / json_schema when a pattern or a
// schema is given. Verdicts are 1 or 0; labels say which check decided and, on a failure, why
// (label "failure"), for failure forensics.
#pragma once

#include "answer/rule.hpp"

#include "tinyllm/json.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::judge {

enum class Check { auto_, exact, contains, numeric, regex, json_schema, code_tests };

std::optional<Check> parse_check(std::string_view name);
std::string_view to_string(Check check);

struct RulesConfig {
    Check check = Check::auto_;
    std::string pattern;                   // regex: RE2, searched anywhere
    std::optional<std::string> schema;     // json_schema: the schema's JSON text
    double tolerance = 1e-9;               // numeric: relative
    bool case_sensitive = false;           // exact, contains
    std::string calculator = "calculator"; // numeric: "" compares without the tool
    std::string code_tool = "code";        // code_tests
};

// The config as its schema (config_schema.hpp) describes it; throws sdk::Error(INVALID_ARGUMENT)
// naming the option.
RulesConfig parse_rules_config(std::string_view config_json);

struct GradeInput {
    std::string input;
    std::string output;
    std::optional<std::string> expected;
    json::Document context{rapidjson::kObjectType};
};

struct RulesVerdict {
    bool pass = false;
    std::vector<std::string> reasons;
    std::vector<std::pair<std::string, std::string>> labels;
};

class RulesJudge {
public:
    explicit RulesJudge(RulesConfig config);
    const RulesConfig &config() const noexcept { return config_; }
    // Throws sdk::Error: INVALID_ARGUMENT for a request the check cannot grade (no expected
    // answer), the tool's status when a tool the check needs is unavailable.
    RulesVerdict grade(const GradeInput &request, answer::Tools &tools) const;

private:
    RulesConfig config_;
    answer::RulePtr pattern_rule_; // compiled once when the config gives a pattern
    answer::RulePtr schema_rule_;
};

} // namespace tinyllm::judge
