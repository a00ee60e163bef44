// The rules that call a tool through the host: code_runs (the code tool) and numeric_answer
// (the calculator). The tool calls are recorded in the run's trace by the host.
#include "equation.hpp"
#include "rules.hpp"
#include "text.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::answer {

namespace {

using sdk::Error;

// The host wrote the result: one that is not an object is its bug, not the answer's.
json::Document tool_result(const std::string &text, const std::string &tool) {
    json::Document doc;
    if (!json::parse_into(doc, text) || !doc.IsObject()) {
        throw Error(TLLM_ERR_PROTOCOL,
                    "the " + tool + " tool returned a result that is not a JSON object");
    }
    return doc;
}

class CodeRuns final : public Rule {
public:
    CodeRuns(std::string tool, std::string language)
        : tool_(std::move(tool)), language_(std::move(language)) {
        if (!language_.empty() && language_ != "python" && language_ != "sh") {
            throw ConfigError("language",
                              "the code tool runs python or sh, not \"" + language_ + "\"");
        }
    }

    std::string tool() const override { return tool_; }

    Outcome check(const Answer &answer, Tools &tools) const override {
        const FencedBlock *block = nullptr;
        for (const FencedBlock &b : answer.fences.blocks) {
            const bool runnable = language_.empty() ? b.language == "python" || b.language == "sh"
                                                    : b.language == language_;
            if (runnable) {
                block = &b;
                break;
            }
        }
        if (block == nullptr) {
            const std::string wanted = language_.empty() ? "python or sh" : language_;
            return {false,
                    "the answer has no " + wanted + " code block to run" +
                        unclosed_fence_note(answer.fences),
                    {}};
        }
        const std::string where =
            "the " + block->language + " block at line " + std::to_string(block->line);
        std::string text;
        try {
            text = tools.call(
                tool_, tool_arguments({{"code", block->code}, {"language", block->language}}));
        } catch (const Error &e) {
            // Code the tool refuses (too large) is the answer's fault; a sandbox that is missing,
            // a deadline or a cancellation is not, and ends the node instead.
            if (e.status() != TLLM_ERR_INVALID_ARGUMENT) throw;
            return {false, "the " + tool_ + " tool refused " + where + ": " + e.what(), {}};
        }
        const json::Document result = tool_result(text, tool_);
        const std::string output = json::get_string(result, "content").value_or("");
        const std::optional<int64_t> wall_ms = json::get_int(result, "wall_ms");
        if (json::get_bool(result, "is_error").value_or(false)) {
            return {false, where + " failed: " + summary_lines(output, 6, 400), {}};
        }
        return {true,
                {},
                where + " ran" +
                    (wall_ms ? " in " + std::to_string(*wall_ms) + " ms" : std::string())};
    }

private:
    std::string tool_;
    std::string language_;
};

class NumericAnswer final : public Rule {
public:
    NumericAnswer(std::string tool, double tolerance, bool require)
        : tool_(std::move(tool)), tolerance_(tolerance), require_(require) {
        if (!(tolerance_ >= 0)) throw ConfigError("tolerance", "must be a number >= 0");
    }

    std::string tool() const override { return tool_; }

    Outcome check(const Answer &answer, Tools &tools) const override {
        const std::optional<Equation> eq = last_equation(answer.content);
        if (!eq) {
            if (require_) {
                return {false,
                        "the answer shows no computation to check: write its key step as "
                        "\"EXPRESSION = RESULT\" (e.g. \"12 * 7 = 84\")",
                        {}};
            }
            return {true, {}, "no equation \"EXPRESSION = NUMBER\" found; nothing to check"};
        }
        const std::string quoted = "\"" + eq->written + "\"";
        std::string text;
        try {
            text = tools.call(tool_, tool_arguments({{"expression", eq->expression}}));
        } catch (const Error &e) {
            if (e.status() != TLLM_ERR_INVALID_ARGUMENT) throw;
            return {false,
                    "the " + tool_ + " cannot evaluate \"" + eq->expression + "\" (from " + quoted +
                        "): " + e.what(),
                    {}};
        }
        const json::Document result = tool_result(text, tool_);
        const std::string value =
            std::string(trim(json::get_string(result, "value")
                                 .value_or(json::get_string(result, "content").value_or(""))));
        char *end = nullptr;
        const double actual = std::strtod(value.c_str(), &end);
        if (value.empty() || end != value.c_str() + value.size() ||
            json::get_bool(result, "is_error").value_or(false)) {
            return {false,
                    "the " + tool_ + " gives no number for \"" + eq->expression + "\" (from " +
                        quoted + "): " + excerpt(value, 80),
                    {}};
        }
        const std::string shown = excerpt(value, 40);
        if (!states(eq->result, actual, value, tolerance_, eq->approximate)) {
            return {false, quoted + " is wrong: the " + tool_ + " gives " + shown, {}};
        }
        const std::optional<WrittenNumber> last = final_number(answer.content);
        if (last && last->offset != eq->result.offset &&
            !states(*last, actual, value, tolerance_, eq->approximate)) {
            return {false,
                    "the answer ends with " + last->text + (last->percent ? "%" : "") +
                        ", but its computation " + quoted + " gives " + shown +
                        " (checked with the " + tool_ + ")",
                    {}};
        }
        return {true, {}, quoted + " checked with the " + tool_ + ": " + shown};
    }

private:
    std::string tool_;
    double tolerance_;
    bool require_;
};

} // namespace

RulePtr make_code_runs(const std::string &tool, const std::string &language) {
    return std::make_unique<CodeRuns>(tool, canonical_language(language));
}

RulePtr make_numeric_answer(const std::string &tool, double tolerance, bool require) {
    return std::make_unique<NumericAnswer>(tool, tolerance, require);
}

std::string
tool_arguments(std::initializer_list<std::pair<const char *, std::string_view>> members) {
    std::string out = "{";
    for (const auto &[name, value] : members) {
        if (out.size() > 1) out += ',';
        json::append_quoted(out, name);
        out += ':';
        json::append_quoted(out, value);
    }
    return out + "}";
}

} // namespace tinyllm::answer
