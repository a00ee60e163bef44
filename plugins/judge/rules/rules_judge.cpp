#include "rules_judge.hpp"

#include "answer/equation.hpp"
#include "answer/markdown.hpp"
#include "answer/rules.hpp"
#include "answer/text.hpp"

#include <tinyllm/plugin.hpp>

#include <cctype>
#include <cstdlib>

namespace tinyllm::judge {

namespace {

using sdk::Error;

constexpr std::string_view kCheckNames[] = {"auto",  "exact",       "contains",  "numeric",
                                            "regex", "json_schema", "code_tests"};

[[noreturn]] void bad_option(const std::string &option, const std::string &message) {
    throw Error(TLLM_ERR_INVALID_ARGUMENT, option + ": " + message);
}

// Whitespace runs become one space, the ends are trimmed, a final full stop is dropped (a
// sentence and a bare answer say the same) and, unless asked otherwise, ASCII case is folded.
std::string normalise(std::string_view text, bool case_sensitive) {
    std::string out;
    bool space = false;
    for (const char ch : answer::trim(text)) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isspace(c)) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += case_sensitive ? ch : static_cast<char>(std::tolower(c));
    }
    while (!out.empty() && (out.back() == '.' || out.back() == '!'))
        out.pop_back();
    return out;
}

// The expected answer and the context's "accept" alternatives.
std::vector<std::string> references(const GradeInput &request) {
    std::vector<std::string> out;
    if (request.expected) out.push_back(*request.expected);
    if (const json::Value *accept = json::find(request.context, "accept");
        accept != nullptr && accept->IsArray()) {
        for (const json::Value &a : accept->GetArray())
            if (a.IsString()) out.emplace_back(a.GetString(), a.GetStringLength());
    }
    return out;
}

bool has_letters(std::string_view text) {
    for (const char c : text)
        if (std::isalpha(static_cast<unsigned char>(c))) return true;
    return false;
}

std::string quoted(std::string_view text) {
    return "\"" + answer::excerpt(text, 80) + "\"";
}

RulesVerdict verdict(bool pass, Check check, std::string reason, std::string_view failure = {}) {
    RulesVerdict v;
    v.pass = pass;
    v.reasons.push_back(std::move(reason));
    v.labels.emplace_back("check", std::string(to_string(check)));
    if (!pass && !failure.empty()) v.labels.emplace_back("failure", std::string(failure));
    return v;
}

RulesVerdict from_outcome(const answer::Outcome &o, Check check, std::string_view failure) {
    return verdict(o.pass, check, o.pass ? o.detail : o.reason, failure);
}

} // namespace

std::optional<Check> parse_check(std::string_view name) {
    for (size_t i = 0; i < std::size(kCheckNames); ++i)
        if (kCheckNames[i] == name) return static_cast<Check>(i);
    return std::nullopt;
}

std::string_view to_string(Check check) {
    return kCheckNames[static_cast<size_t>(check)];
}

RulesConfig parse_rules_config(std::string_view config_json) {
    const json::Document doc =
        json::parse_object(config_json, "config", ErrorCode::invalid_argument);
    RulesConfig c;
    if (const auto check = json::get_string(doc, "check")) {
        const auto parsed = parse_check(*check);
        if (!parsed) bad_option("check", "unknown check \"" + *check + "\"");
        c.check = *parsed;
    }
    c.pattern = json::get_string(doc, "pattern").value_or("");
    if (const json::Value *schema = json::find(doc, "schema")) {
        if (!schema->IsObject()) bad_option("schema", "must be a JSON Schema object");
        c.schema = json::to_string(*schema);
    }
    if (const json::Value *t = json::find(doc, "tolerance")) {
        if (!t->IsNumber() || t->GetDouble() < 0) bad_option("tolerance", "must be a number >= 0");
        c.tolerance = t->GetDouble();
    }
    c.case_sensitive = json::get_bool(doc, "case_sensitive").value_or(false);
    c.calculator = json::get_string(doc, "calculator").value_or("calculator");
    c.code_tool = json::get_string(doc, "code_tool").value_or("code");
    if (c.check == Check::regex && c.pattern.empty())
        bad_option("pattern", "check regex needs a pattern");
    if (c.check == Check::json_schema && !c.schema)
        bad_option("schema", "check json_schema needs a schema");
    return c;
}

RulesJudge::RulesJudge(RulesConfig config) : config_(std::move(config)) {
    try {
        if (!config_.pattern.empty()) pattern_rule_ = answer::make_regex(config_.pattern, true);
        if (config_.schema) {
            const json::Document schema = json::parse_object(*config_.schema, "schema");
            schema_rule_ = answer::make_json_schema(schema);
        }
    } catch (const answer::ConfigError &e) {
        bad_option(e.option(), e.what());
    }
}

namespace {

Check choose(const RulesConfig &config, const GradeInput &request) {
    if (config.check != Check::auto_) return config.check;
    if (const auto named = json::get_string(request.context, "check")) {
        const auto check = parse_check(*named);
        if (!check || *check == Check::auto_) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT,
                        "context.check: unknown check \"" + *named +
                            "\" (exact, contains, numeric, regex, json_schema, code_tests)");
        }
        return *check;
    }
    if (json::get_string(request.context, "tests")) return Check::code_tests;
    if (request.expected) {
        if (!has_letters(*request.expected) && answer::final_number(*request.expected))
            return Check::numeric;
        return Check::contains;
    }
    if (json::get_string(request.context, "pattern") || !config.pattern.empty())
        return Check::regex;
    if (json::find(request.context, "schema") != nullptr || config.schema)
        return Check::json_schema;
    throw Error(TLLM_ERR_INVALID_ARGUMENT,
                "the rules judge has nothing to grade against: give an expected answer, "
                "context.tests, a pattern or a schema");
}

std::string require_expected(const GradeInput &request, Check check) {
    if (!request.expected) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT,
                    "check " + std::string(to_string(check)) + " needs an expected answer");
    }
    return *request.expected;
}

RulesVerdict text_match(const RulesConfig &config, const GradeInput &request, Check check) {
    require_expected(request, check);
    const std::string out = normalise(request.output, config.case_sensitive);
    for (const std::string &ref : references(request)) {
        const std::string want = normalise(ref, config.case_sensitive);
        if (out == want) return verdict(true, check, "the answer is " + quoted(ref));
        if (check == Check::contains && answer::contains_word(out, want))
            return verdict(true, check, "the answer contains " + quoted(ref));
    }
    const std::string how = check == Check::exact ? "is not" : "does not contain";
    return verdict(false, check, "the answer " + how + " " + quoted(*request.expected), "mismatch");
}

RulesVerdict numeric(const RulesConfig &config, const GradeInput &request, answer::Tools &tools) {
    const std::string expected = require_expected(request, Check::numeric);
    const auto want = answer::final_number(expected);
    if (!want) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT,
                    "check numeric: the expected answer " + quoted(expected) + " holds no number");
    }
    const auto got = answer::final_number(request.output);
    if (!got) return verdict(false, Check::numeric, "the answer states no number", "no_number");
    // The calculator gives the expected value exactly (19/12 to 50 digits, 2^70 in full), so a
    // rounding the answer writes is judged against the true value, not a double's.
    std::string exact = want->text;
    double value = want->value;
    if (!config.calculator.empty()) {
        const std::string text =
            tools.call(config.calculator, answer::tool_arguments({{"expression", want->text}}));
        const json::Document result = json::parse_object(text, "calculator result");
        const std::string v(answer::trim(json::get_string(result, "value").value_or("")));
        char *end = nullptr;
        const double parsed = std::strtod(v.c_str(), &end);
        if (!v.empty() && end == v.c_str() + v.size()) {
            exact = v;
            value = parsed;
        }
    }
    const std::string shown = got->text + (got->percent ? "%" : "");
    if (answer::states(*got, value, exact, config.tolerance, false)) {
        return verdict(true, Check::numeric,
                       "the answer's final number " + shown + " equals " +
                           answer::excerpt(expected, 40));
    }
    return verdict(false, Check::numeric,
                   "the answer's final number " + shown + " is not " +
                       answer::excerpt(expected, 40),
                   "wrong_number");
}

RulesVerdict code_tests(const RulesConfig &config, const GradeInput &request,
                        answer::Tools &tools) {
    const auto tests = json::get_string(request.context, "tests");
    if (!tests) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, "check code_tests needs context.tests");
    }
    const std::string language = answer::canonical_language(
        json::get_string(request.context, "language").value_or("python"));
    const answer::Fences fences = answer::find_fences(request.output);
    const answer::FencedBlock *block = nullptr;
    for (const answer::FencedBlock &b : fences.blocks) {
        if (b.language == language || (b.language.empty() && block == nullptr)) {
            block = &b;
            if (b.language == language) break;
        }
    }
    if (block == nullptr) {
        return verdict(false, Check::code_tests,
                       "the answer has no " + language + " code block" +
                           answer::unclosed_fence_note(fences),
                       "no_code");
    }
    const std::string program = block->code + "\n\n" + *tests + "\n";
    std::string text;
    try {
        text = tools.call(config.code_tool,
                          answer::tool_arguments({{"code", program}, {"language", language}}));
    } catch (const Error &e) {
        if (e.status() != TLLM_ERR_INVALID_ARGUMENT) throw;
        return verdict(false, Check::code_tests,
                       "the code tool refused the code: " + std::string(e.what()), "refused");
    }
    const json::Document result = json::parse_object(text, "code tool result");
    const std::string output = json::get_string(result, "content").value_or("");
    if (json::get_bool(result, "is_error").value_or(false)) {
        return verdict(false, Check::code_tests,
                       "the tests fail: " + answer::summary_lines(output, 6, 400), "tests_failed");
    }
    return verdict(true, Check::code_tests,
                   "the " + language + " block at line " + std::to_string(block->line) +
                       " passes the tests");
}

} // namespace

RulesVerdict RulesJudge::grade(const GradeInput &request, answer::Tools &tools) const {
    const Check check = choose(config_, request);
    const answer::Answer answer(request.output);
    switch (check) {
    case Check::exact:
    case Check::contains: return text_match(config_, request, check);
    case Check::numeric: return numeric(config_, request, tools);
    case Check::code_tests: return code_tests(config_, request, tools);
    case Check::regex: {
        if (const auto pattern = json::get_string(request.context, "pattern")) {
            answer::RulePtr rule;
            try {
                rule = answer::make_regex(*pattern, true);
            } catch (const answer::ConfigError &e) {
                throw Error(TLLM_ERR_INVALID_ARGUMENT, "context.pattern: " + std::string(e.what()));
            }
            return from_outcome(rule->check(answer, tools), check, "pattern_mismatch");
        }
        if (!pattern_rule_) throw Error(TLLM_ERR_INVALID_ARGUMENT, "check regex needs a pattern");
        return from_outcome(pattern_rule_->check(answer, tools), check, "pattern_mismatch");
    }
    case Check::json_schema: {
        if (const json::Value *schema = json::find(request.context, "schema")) {
            answer::RulePtr rule;
            try {
                rule = answer::make_json_schema(*schema);
            } catch (const answer::ConfigError &e) {
                throw Error(TLLM_ERR_INVALID_ARGUMENT, "context.schema: " + std::string(e.what()));
            }
            return from_outcome(rule->check(answer, tools), check, "schema_violation");
        }
        if (!schema_rule_)
            throw Error(TLLM_ERR_INVALID_ARGUMENT, "check json_schema needs a schema");
        return from_outcome(schema_rule_->check(answer, tools), check, "schema_violation");
    }
    case Check::auto_: break;
    }
    throw Error(TLLM_ERR_INTERNAL, "no check chosen");
}

} // namespace tinyllm::judge
