#include "judging.hpp"

#include "structured.hpp"

#include "answer/text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace tinyllm::sim {

namespace {

using answer::contains_word;
using answer::trim;

const json::Value *property(const json::Value &schema, const char *name) {
    const json::Value *properties = json::find(schema, "properties");
    const json::Value *p =
        properties != nullptr && properties->IsObject() ? json::find(*properties, name) : nullptr;
    return p != nullptr && p->IsObject() ? p : nullptr;
}

bool enum_has(const json::Value *p, std::string_view value) {
    const json::Value *e = p != nullptr ? json::find(*p, "enum") : nullptr;
    if (e == nullptr || !e->IsArray()) return false;
    for (const json::Value &v : e->GetArray()) {
        if (v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == value)
            return true;
    }
    return false;
}

std::string without_space(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    }
    return out;
}

std::string folded(std::string_view text) {
    std::string out;
    for (const char c : text)
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// A number as written: its digits (with a sign and a decimal point) and its value.
struct Number {
    std::string text; // "-1344", "2.5"
    double value = 0;
};

// The last number written in `text` ("The answer is 1,344." is 1344), if any.
std::optional<Number> final_number(std::string_view text) {
    std::optional<Number> last;
    for (size_t i = 0; i < text.size();) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        const bool negative = i > 0 && text[i - 1] == '-' &&
                              (i < 2 || !std::isalnum(static_cast<unsigned char>(text[i - 2])));
        std::string digits = negative ? "-" : "";
        while (i < text.size()) {
            const char c = text[i];
            const bool next_digit =
                i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1]));
            if (std::isdigit(static_cast<unsigned char>(c))) {
                digits += c;
            } else if (c == ',' && next_digit) {
                // digit grouping
            } else if (c == '.' && next_digit && digits.find('.') == std::string::npos) {
                digits += c;
            } else {
                break;
            }
            ++i;
        }
        last = Number{digits, std::strtod(digits.c_str(), nullptr)};
    }
    return last;
}

// Integers digit by digit (a double cannot tell 121932631112635268 from ...269), anything
// else by value.
bool same_number(const Number &a, const Number &b) {
    if (a.text.find('.') == std::string::npos && b.text.find('.') == std::string::npos) {
        const auto canonical = [](std::string t) {
            const bool negative = !t.empty() && t[0] == '-';
            t.erase(0, negative ? 1 : 0);
            t.erase(0, std::min(t.find_first_not_of('0'), t.size() - 1));
            return (negative && t != "0" ? "-" : "") + t;
        };
        return canonical(a.text) == canonical(b.text);
    }
    return std::fabs(a.value - b.value) <= 1e-9 * std::max(1.0, std::fabs(b.value));
}

const char *truth_name(Truth t) {
    switch (t) {
    case Truth::right: return "right";
    case Truth::wrong: return "wrong";
    case Truth::unknown: return "unknown";
    }
    return "unknown";
}

void set(json::Value &object, const char *name, json::Value value, json::Allocator &a) {
    object.RemoveMember(name);
    object.AddMember(json::Value(rapidjson::StringRef(name)), value, a);
}

// The reasons array: the judge's line, then as many more as the schema's minItems asks (and no
// more than its maxItems allows), so the answer follows the format as a structured output does.
json::Value reason_lines(const json::Value &schema, const std::string &line, json::Allocator &a) {
    const json::Value *reasons = property(schema, "reasons");
    const int64_t at_least = reasons ? json::get_int(*reasons, "minItems").value_or(1) : 1;
    const int64_t at_most = reasons ? json::get_int(*reasons, "maxItems").value_or(3) : 3;
    json::Value list(rapidjson::kArrayType);
    for (int64_t i = 0; i < std::max<int64_t>(at_least, 1) && i < at_most && i < 100; ++i) {
        list.PushBack(
            json::string_value(i == 0 ? line : line + " (" + std::to_string(i + 1) + ")", a), a);
    }
    return list;
}

std::string grade_answer(const json::Value &schema, const Example &example, std::string_view prompt,
                         const std::string &model_name, const ModelSpec &model, const Draw &draw,
                         std::string &decision) {
    const std::optional<std::string_view> graded = tagged(prompt, "answer");
    const Truth truth = graded ? truth_of(example, *graded) : Truth::unknown;
    bool says_pass = false;
    if (truth == Truth::unknown) {
        // Nothing to be right about: a coin, as a judge that cannot tell would be.
        says_pass = draw.uniform("judge at chance") < 0.5;
        decision = std::string("judge: ") + (graded ? "unknown" : "no <answer> tags") +
                   ", at chance: " + (says_pass ? "pass" : "fail");
    } else {
        const bool correct = draw.uniform("judges correctly") < model.accuracy_for("judge");
        says_pass = (truth == Truth::right) == correct;
        decision = std::string("judge: ") + truth_name(truth) + ", told " +
                   (correct ? "correctly" : "wrongly") + ": " + (says_pass ? "pass" : "fail");
    }
    json::Document doc;
    json::Allocator &a = doc.GetAllocator();
    json::Value out = minimal_instance(schema, a);
    if (!out.IsObject()) return json::to_string(out);
    if (const json::Value *score = property(schema, "score")) {
        const double low = json::get_number(*score, "minimum").value_or(1);
        const double high = json::get_number(*score, "maximum").value_or(5);
        // The top two marks for a pass, the bottom two for a fail (the shipped scale's 4-5 and
        // 1-2), as a judge that is sure of itself gives them.
        const bool off_by_one = draw.uniform("judge score") < 0.3 && high - low >= 3;
        const double value = says_pass ? high - (off_by_one ? 1 : 0) : low + (off_by_one ? 1 : 0);
        if (json::get_string(*score, "type").value_or("") == "integer") {
            set(out, "score", json::Value(static_cast<int64_t>(std::llround(value))), a);
        } else {
            set(out, "score", json::Value(value), a);
        }
    }
    const json::Value *verdict = property(schema, "verdict");
    if (enum_has(verdict, "pass") && enum_has(verdict, "fail"))
        set(out, "verdict", json::Value(says_pass ? "pass" : "fail", a), a);
    if (const json::Value *pass = property(schema, "pass");
        pass != nullptr && json::get_string(*pass, "type").value_or("") == "boolean") {
        set(out, "pass", json::Value(says_pass), a);
    }
    const std::string line = "[simulated " + model_name + " judge] " +
                             (says_pass ? "the answer agrees with the reference answer"
                                        : "the answer does not agree with the reference answer");
    if (property(schema, "reasons") != nullptr)
        set(out, "reasons", reason_lines(schema, line, a), a);
    if (const json::Value *reason = property(schema, "reason");
        reason != nullptr && json::get_string(*reason, "type").value_or("string") == "string") {
        set(out, "reason", json::string_value(line, a), a);
    }
    return json::to_string(out);
}

std::string pairwise_answer(const json::Value &schema, const Example &example,
                            std::string_view prompt, const std::string &model_name,
                            const ModelSpec &model, const Draw &draw, std::string &decision) {
    const json::Value *preference = property(schema, "preference");
    const std::optional<std::string_view> a = tagged(prompt, "answer_a");
    const std::optional<std::string_view> b = tagged(prompt, "answer_b");
    const Truth ta = a ? truth_of(example, *a) : Truth::unknown;
    const Truth tb = b ? truth_of(example, *b) : Truth::unknown;
    // The truth: the right one of a right and a wrong answer; otherwise neither is better.
    std::string truth = "tie";
    if (ta != Truth::unknown && tb != Truth::unknown && ta != tb)
        truth = ta == Truth::right ? "a" : "b";
    const bool correct = draw.uniform("judges correctly") < model.accuracy_for("judge");
    // A mistaken small judge favours the first answer; when the first is the right one, it
    // fails to tell them apart.
    std::string said = correct ? truth : truth != "a" ? "a" : "tie";
    if (!enum_has(preference, said)) said = enum_has(preference, "b") ? "b" : "a";
    decision = "judge (pairwise): " + std::string(truth_name(ta)) + " vs " + truth_name(tb) +
               ", told " + (correct ? "correctly" : "wrongly") + ": " + said;
    json::Document doc;
    json::Allocator &al = doc.GetAllocator();
    json::Value out = minimal_instance(schema, al);
    if (!out.IsObject()) return json::to_string(out);
    set(out, "preference", json::string_value(said, al), al);
    const std::string line =
        "[simulated " + model_name + " judge] " +
        (said == "tie" ? std::string("neither answer is better")
                       : "answer " + said + " agrees with the reference answer");
    if (property(schema, "reasons") != nullptr)
        set(out, "reasons", reason_lines(schema, line, al), al);
    return json::to_string(out);
}

} // namespace

JudgeFormat judge_format(const json::Value &schema) {
    if (!schema.IsObject() || property(schema, "route") != nullptr) return JudgeFormat::none;
    if (enum_has(property(schema, "preference"), "a")) return JudgeFormat::pairwise;
    const json::Value *verdict = property(schema, "verdict");
    const json::Value *pass = property(schema, "pass");
    if (property(schema, "score") != nullptr ||
        (enum_has(verdict, "pass") && enum_has(verdict, "fail")) ||
        (pass != nullptr && json::get_string(*pass, "type").value_or("") == "boolean")) {
        return JudgeFormat::grade;
    }
    return JudgeFormat::none;
}

std::optional<std::string_view> tagged(std::string_view text, std::string_view tag) {
    const std::string open = "<" + std::string(tag) + ">";
    const std::string close = "</" + std::string(tag) + ">";
    const size_t start = text.find(open);
    if (start == std::string_view::npos) return std::nullopt;
    const size_t from = start + open.size();
    const size_t end = text.rfind(close);
    if (end == std::string_view::npos || end < from) return std::nullopt;
    return trim(text.substr(from, end - from));
}

Truth truth_of(const Example &example, std::string_view answer) {
    if (!example.solution.empty()) {
        const std::string text = without_space(answer);
        const std::string right = without_space(example.solution);
        const std::string wrong = without_space(example.wrong_solution);
        const bool has_right = text.find(right) != std::string::npos;
        const bool has_wrong = !wrong.empty() && text.find(wrong) != std::string::npos;
        if (has_right && has_wrong)
            return right.size() >= wrong.size() ? Truth::right : Truth::wrong;
        if (has_right) return Truth::right;
        if (has_wrong) return Truth::wrong;
        return Truth::unknown;
    }
    if (example.expected.empty()) return Truth::unknown;
    if (!example.expression.empty()) {
        const std::optional<Number> expected = final_number(example.expected);
        const std::optional<Number> given = final_number(answer);
        if (!expected) return Truth::unknown;
        return given && same_number(*given, *expected) ? Truth::right : Truth::wrong;
    }
    const std::string text = folded(answer);
    if (contains_word(text, folded(trim(example.expected)))) return Truth::right;
    for (const std::string &alternative : example.accept) {
        if (contains_word(text, folded(trim(alternative)))) return Truth::right;
    }
    return Truth::wrong;
}

std::string judge_answer(const json::Value &schema, JudgeFormat format, const Example &example,
                         std::string_view prompt, const std::string &model_name,
                         const ModelSpec &model, const Draw &draw, std::string &decision) {
    if (format == JudgeFormat::pairwise)
        return pairwise_answer(schema, example, prompt, model_name, model, draw, decision);
    return grade_answer(schema, example, prompt, model_name, model, draw, decision);
}

} // namespace tinyllm::sim
