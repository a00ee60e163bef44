// The rule types of the gate's config (and the rules judge's checks), one factory each. A factory
// checks what it can without running (a pattern compiles, a schema is an object) and throws
// ConfigError naming the option, which config.cpp prefixes with the rule's place:
// "rules[2].pattern: missing ): (\d+".
#pragma once

#include "rule.hpp"

#include "tinyllm/json.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>

namespace tinyllm::answer {

class ConfigError : public std::runtime_error {
public:
    // `option` is the rule's member at fault ("pattern"), or "" for the rule as a whole.
    ConfigError(std::string option, const std::string &message)
        : std::runtime_error(message), option_(std::move(option)) {}
    const std::string &option() const noexcept { return option_; }

private:
    std::string option_;
};

// Content with something other than whitespace in it.
RulePtr make_non_empty();
// Length in code points within [min, max]; at least one bound is given.
RulePtr make_length(std::optional<int64_t> min, std::optional<int64_t> max);
// An RE2 pattern searched anywhere in the content; must_match false: it must not be found.
RulePtr make_regex(const std::string &pattern, bool must_match);
// Content (or its ```json block) parses as JSON.
RulePtr make_json();
// ...and matches this JSON Schema (draft-04, as RapidJSON implements it).
RulePtr make_json_schema(const json::Value &schema);
// A closed fenced code block, of `language` (canonical_language) unless it is "".
RulePtr make_code_block(const std::string &language);
// The first python (or sh) block runs without error through the code tool `tool`.
RulePtr make_code_runs(const std::string &tool, const std::string &language);
// The last "EXPRESSION = NUMBER" and the final number agree with the calculator tool `tool`.
RulePtr make_numeric_answer(const std::string &tool, double tolerance, bool require);
// A tool's arguments object of string members: {"expression":"2 + 2"}.
std::string
tool_arguments(std::initializer_list<std::pair<const char *, std::string_view>> members);

// The judge `judge` ("" = the default judge) passes the answer, with a score of at least
// `min_score` when given. Its reasons are the rule's.
RulePtr make_judge(const std::string &judge, std::optional<double> min_score);

} // namespace tinyllm::answer
