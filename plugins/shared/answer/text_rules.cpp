// The rules that read the text alone: non_empty, length, regex, code_block.
#include "rules.hpp"
#include "text.hpp"

#include <re2/re2.h>

namespace tinyllm::answer {

namespace {

class NonEmpty final : public Rule {
public:
    Outcome check(const Answer &answer, Tools &) const override {
        if (has_visible_text(answer.content)) return {};
        return {false,
                answer.content.empty() ? "the answer is empty" : "the answer has only whitespace",
                {}};
    }
};

class Length final : public Rule {
public:
    Length(std::optional<int64_t> min, std::optional<int64_t> max) : min_(min), max_(max) {}

    Outcome check(const Answer &answer, Tools &) const override {
        const auto n = static_cast<int64_t>(count_code_points(answer.content));
        const std::string size = "the answer is " + count_noun(n, "character") + " long";
        if (min_ && n < *min_)
            return {false, size + "; the minimum is " + std::to_string(*min_), {}};
        if (max_ && n > *max_)
            return {false, size + "; the maximum is " + std::to_string(*max_), {}};
        return {true, {}, count_noun(n, "character")};
    }

private:
    std::optional<int64_t> min_;
    std::optional<int64_t> max_;
};

class Regex final : public Rule {
public:
    Regex(const std::string &pattern, bool must_match)
        : re_(pattern, options()), must_match_(must_match) {
        if (!re_.ok()) throw ConfigError("pattern", re_.error());
    }

    Outcome check(const Answer &answer, Tools &) const override {
        re2::StringPiece found;
        const re2::StringPiece text(answer.content.data(), answer.content.size());
        const bool matched = re_.Match(text, 0, text.size(), RE2::UNANCHORED, &found, 1);
        const std::string quoted = "\"" + re_.pattern() + "\"";
        const std::string what =
            "\"" + excerpt(std::string_view(found.data(), found.size()), 60) + "\"";
        if (must_match_) {
            if (matched) return {true, {}, "matched " + what};
            return {false, "the answer does not match the pattern " + quoted, {}};
        }
        if (!matched) return {true, {}, "no match"};
        return {false,
                "the answer must not match the pattern " + quoted + " (it contains " + what + ")",
                {}};
    }

private:
    static RE2::Options options() {
        RE2::Options o;
        o.set_log_errors(false); // the error goes into the config error, not to stderr
        return o;
    }

    RE2 re_;
    bool must_match_;
};

class CodeBlock final : public Rule {
public:
    explicit CodeBlock(std::string language) : language_(std::move(language)) {}

    Outcome check(const Answer &answer, Tools &) const override {
        for (const FencedBlock &b : answer.fences.blocks) {
            if (language_.empty() || b.language == language_) {
                const std::string tag = b.language.empty() ? "an untagged" : "a " + b.language;
                return {true, {}, tag + " block at line " + std::to_string(b.line)};
            }
        }
        const std::string wanted = language_.empty()
                                       ? "fenced code block (```)"
                                       : language_ + " code block (```" + language_ + ")";
        return {false, "the answer has no " + wanted + unclosed_fence_note(answer.fences), {}};
    }

private:
    std::string language_;
};

} // namespace

RulePtr make_non_empty() {
    return std::make_unique<NonEmpty>();
}

RulePtr make_length(std::optional<int64_t> min, std::optional<int64_t> max) {
    if (!min && !max) throw ConfigError("", "a length rule needs \"min\", \"max\" or both");
    if (min && max && *min > *max) {
        throw ConfigError("min", "is " + std::to_string(*min) + ", more than max (" +
                                     std::to_string(*max) + ")");
    }
    return std::make_unique<Length>(min, max);
}

RulePtr make_regex(const std::string &pattern, bool must_match) {
    return std::make_unique<Regex>(pattern, must_match);
}

RulePtr make_code_block(const std::string &language) {
    return std::make_unique<CodeBlock>(canonical_language(language));
}

} // namespace tinyllm::answer
