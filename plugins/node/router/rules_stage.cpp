#include "rules_stage.hpp"

#include "tinyllm/error.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

namespace tinyllm::router {

namespace {

// The DFA of a set of many patterns needs more than RE2's default 8 MB before it stops caching
// states; it grows only as far as the texts it sees need.
constexpr int64_t kMaxMemory = 64 << 20;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// The code point starting at `s` (UTF-8; a malformed byte reads as itself).
char32_t first_code_point(std::string_view s) {
    const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    if (c < 0x80) return c;
    size_t n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (n >= s.size()) return c;
    char32_t cp = c & (0x3F >> n);
    for (size_t i = 1; i <= n; ++i)
        cp = (cp << 6) | (b(i) & 0x3F);
    return cp;
}

char32_t last_code_point(std::string_view s) {
    size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
        --start;
    return first_code_point(s.substr(start));
}

// Scripts written without spaces between words: a keyword there is found inside longer runs.
bool unspaced_script(char32_t cp) {
    return (cp >= 0x0E00 && cp <= 0x0EFF) || // Thai, Lao
           (cp >= 0x2E80 && cp <= 0x9FFF) || // CJK radicals, kana, ideographs
           (cp >= 0xF900 && cp <= 0xFAFF) || // CJK compatibility ideographs
           (cp >= 0xFF66 && cp <= 0xFF9F) || // half-width katakana
           (cp >= 0x20000 && cp <= 0x3FFFF); // CJK extensions
}

// Whether a whole-word boundary applies at an edge whose code point is `cp`: letters, digits and
// _ of spaced scripts. Other non-ASCII code points are assumed to be letters (é, ж, α).
bool needs_boundary(char32_t cp) {
    if (cp < 0x80) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
               cp == '_';
    }
    return !unspaced_script(cp);
}

} // namespace

std::string keyword_pattern(std::string_view keyword) {
    std::string body;
    size_t i = 0;
    while (i < keyword.size()) {
        while (i < keyword.size() && is_space(keyword[i]))
            ++i;
        size_t end = i;
        while (end < keyword.size() && !is_space(keyword[end]))
            ++end;
        if (end > i) {
            if (!body.empty()) body += "\\s+";
            body += RE2::QuoteMeta(keyword.substr(i, end - i));
        }
        i = end;
    }
    std::string trimmed(keyword);
    trimmed.erase(0, trimmed.find_first_not_of(" \t\n\r\f"));
    trimmed.erase(trimmed.find_last_not_of(" \t\n\r\f") + 1);
    if (trimmed.empty()) return {};
    std::string out = "(?i:";
    if (needs_boundary(first_code_point(trimmed))) out += "(?:^|[^\\pL\\pN_])";
    out += body;
    if (needs_boundary(last_code_point(trimmed))) out += "(?:$|[^\\pL\\pN_])";
    out += ")";
    return out;
}

struct RulesStage::Matcher {
    explicit Matcher(const RE2::Options &options) : set(options, RE2::UNANCHORED) {}
    RE2::Set set;
};

RulesStage::RulesStage(const std::vector<std::string> &routes, const RulesConfig &config)
    : routes_(routes), min_score_(config.min_score) {
    RE2::Options options;
    options.set_log_errors(false); // a bad pattern is reported as a config error, not logged
    options.set_max_mem(kMaxMemory);
    auto matcher = std::make_unique<Matcher>(options);
    for (size_t r = 0; r < config.by_route.size() && r < routes.size(); ++r) {
        const RouteRules &rules = config.by_route[r];
        const std::string prefix = "rules." + routes[r] + ".";
        for (size_t k = 0; k < rules.keywords.size(); ++k) {
            const std::string key = prefix + "keywords[" + std::to_string(k) + "]";
            const std::string pattern = keyword_pattern(rules.keywords[k]);
            if (pattern.empty()) throw Error(ErrorCode::invalid_argument, key + ": empty keyword");
            std::string error;
            if (matcher->set.Add(pattern, &error) < 0) {
                throw Error(ErrorCode::invalid_argument, key + ": " + error); // not expected
            }
            rules_.push_back({static_cast<int>(r), true, static_cast<int>(k),
                              "keyword '" + rules.keywords[k] + "'"});
        }
        for (size_t p = 0; p < rules.patterns.size(); ++p) {
            const std::string key = prefix + "patterns[" + std::to_string(p) + "]";
            std::string error;
            if (matcher->set.Add(rules.patterns[p], &error) < 0) {
                throw Error(ErrorCode::invalid_argument, key + ": " + error);
            }
            rules_.push_back(
                {static_cast<int>(r), false, static_cast<int>(p), "pattern " + std::to_string(p)});
        }
    }
    if (rules_.empty()) return; // an empty set cannot be compiled; classify says "no rules"
    if (!matcher->set.Compile()) {
        throw Error(ErrorCode::invalid_argument,
                    "rules: the keywords and patterns are too large to compile together");
    }
    matcher_ = std::move(matcher);
}

RulesStage::~RulesStage() = default;
RulesStage::RulesStage(RulesStage &&) noexcept = default;
RulesStage &RulesStage::operator=(RulesStage &&) noexcept = default;

StageResult RulesStage::classify(std::string_view text) const {
    StageResult result;
    result.scores.assign(routes_.size(), 0.0);
    if (!matcher_) {
        result.detail = "no keywords or patterns configured";
        return result;
    }
    std::vector<int> matched;
    RE2::Set::ErrorInfo info{RE2::Set::kNoError};
    if (!matcher_->set.Match(re2::StringPiece(text.data(), text.size()), &matched, &info) &&
        info.kind != RE2::Set::kNoError) {
        result.scores.clear();
        result.outcome = Outcome::failed;
        result.detail = info.kind == RE2::Set::kOutOfMemory
                            ? "the patterns ran out of memory on this request (RE2 DFA budget)"
                            : "the pattern set failed on this request";
        return result;
    }
    for (const int m : matched)
        result.scores[static_cast<size_t>(rules_[static_cast<size_t>(m)].route)] += 1;

    int best = -1;
    int second = -1;
    for (size_t r = 0; r < routes_.size(); ++r) {
        const int route = static_cast<int>(r);
        if (best < 0 || result.scores[r] > result.scores[static_cast<size_t>(best)]) {
            second = best;
            best = route;
        } else if (second < 0 || result.scores[r] > result.scores[static_cast<size_t>(second)]) {
            second = route;
        }
    }
    const double top = result.scores[static_cast<size_t>(best)];
    const double runner_up = second >= 0 ? result.scores[static_cast<size_t>(second)] : 0.0;
    const auto count = [](double n) {
        const auto i = static_cast<int64_t>(n);
        return std::to_string(i) + (i == 1 ? " match" : " matches");
    };
    if (top == 0) {
        result.detail = "no keyword or pattern matched";
        return result;
    }
    if (runner_up == top) {
        std::string tied;
        for (size_t r = 0; r < routes_.size(); ++r) {
            if (result.scores[r] == top) tied += (tied.empty() ? "" : ", ") + routes_[r];
        }
        result.detail = "tie: " + count(top) + " each for " + tied;
        return result;
    }
    // Which rules matched, in config order, for the detail.
    std::sort(matched.begin(), matched.end());
    std::string ways;
    for (const int m : matched) {
        const Rule &rule = rules_[static_cast<size_t>(m)];
        if (rule.route == best) ways += (ways.empty() ? "" : ", ") + rule.way;
    }
    const std::string summary =
        count(top) + " for " + routes_[static_cast<size_t>(best)] + " (" + ways + ")" +
        (runner_up > 0 ? ", " + count(runner_up) + " for " + routes_[static_cast<size_t>(second)]
                       : std::string());
    if (static_cast<int64_t>(top) < min_score_) {
        result.detail = summary + ": below min_score " + std::to_string(min_score_);
        return result;
    }
    result.outcome = Outcome::sure;
    result.route = best;
    result.confidence = top / (top + runner_up);
    result.detail = summary;
    return result;
}

} // namespace tinyllm::router
