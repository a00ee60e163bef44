// Stage 1: keywords and RE2 patterns per route. Every keyword and pattern of every route is
// compiled once into one RE2::Set, so a request is scanned once (linear time, whatever the
// patterns: a config cannot make a run hang) however many rules there are.
#pragma once

#include "router_config.hpp"
#include "stage_result.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
} // namespace re2

namespace tinyllm::router {

class RulesStage {
public:
    // Compiles the rules; a pattern RE2 refuses is tinyllm::Error(invalid_argument) naming it:
    // "rules.math.patterns[1]: missing ): (\d+".
    RulesStage(const std::vector<std::string> &routes, const RulesConfig &config);
    ~RulesStage();
    RulesStage(RulesStage &&) noexcept;
    RulesStage &operator=(RulesStage &&) noexcept;

    // Sure when one route has the most matches and at least min_score of them; a tie for the
    // most is unsure. Scores are the match counts (each keyword or pattern counts once however
    // often it occurs); confidence is best / (best + runner-up), 1.0 when only one route matched.
    // Thread-safe.
    StageResult classify(std::string_view text) const;

    size_t rule_count() const noexcept { return rules_.size(); }

private:
    struct Rule {
        int route;
        bool keyword;    // else a pattern
        int index;       // in the route's keywords or patterns
        std::string way; // "keyword 'calculate'" / "pattern 1", for details
    };
    struct Matcher;
    std::vector<std::string> routes_;
    std::vector<Rule> rules_; // in the set's order
    std::unique_ptr<Matcher> matcher_;
    int64_t min_score_ = 1;
};

// The RE2 pattern of a keyword: case-insensitive, whitespace inside a phrase matching any run of
// whitespace, and whole words: an edge that is a letter, digit or _ must not touch another one
// (Unicode-aware, unlike RE2's ASCII \b). Edges in scripts written without spaces between words
// (Chinese, Japanese, Thai) need no boundary.
std::string keyword_pattern(std::string_view keyword);

} // namespace tinyllm::router
