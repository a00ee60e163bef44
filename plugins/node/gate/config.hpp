// The gate's config (schema.hpp) read into rules and a policy. Everything that can be checked
// without running is checked here, at create time, so a bad graph fails when it is built.
#pragma once

#include "answer/rules.hpp"
#include "policy.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::gate {

// The gate applies the shared answer rules (plugins/shared/answer), unqualified.
using namespace tinyllm::answer;

struct ConfiguredRule {
    std::string label;   // "rules[2]", for error messages
    std::string name;    // the config's name, else the rule's type: checks[].rule
    std::string message; // the config's reason text, "" for the rule's own
    RulePtr rule;
};

struct GateConfig {
    std::vector<ConfiguredRule> rules;
    Policy policy;
};

// Throws sdk::Error(INVALID_ARGUMENT) naming the rule and option ("rules[2].pattern: missing ):
// (\d+").
GateConfig parse_config(std::string_view config_json);

} // namespace tinyllm::gate
