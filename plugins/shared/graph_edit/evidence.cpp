#include "graph_edit/evidence.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace tinyllm::graph_edit {

namespace {

bool one_of(std::string_view s, std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

bool arithmetic_label(std::string_view label) {
    return one_of(label, {"arithmetic", "word_problems", "math"});
}

bool code_label(std::string_view label) {
    return one_of(label, {"code"});
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char &c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Whole-word search of `word` in lower-case `text`.
bool has_word(const std::string &text, std::string_view word) {
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        const bool left = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
        const size_t end = at + word.size();
        const bool right =
            end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
        if (left && right) return true;
    }
    return false;
}

bool looks_code(std::string_view text) {
    const std::string t = lower(text);
    return t.find("```") != std::string::npos || t.find("def ") != std::string::npos ||
           has_word(t, "python") || has_word(t, "function") || has_word(t, "javascript") ||
           has_word(t, "sql") || t.find("()") != std::string::npos;
}

bool has_digit(std::string_view text) {
    return std::any_of(text.begin(), text.end(), is_digit);
}

} // namespace

bool answer_failure(const FailureGroup &group) {
    return one_of(group.category, {"judge_verdict", "gate_rule", "format", "empty_answer",
                                   "tool_loop", "tool_error"});
}

int64_t answer_failures(const Request &request) {
    int64_t n = 0;
    for (const FailureGroup &g : request.failures) {
        if (answer_failure(g)) n += g.count;
    }
    return n;
}

std::string_view to_string(Signal signal) noexcept {
    switch (signal) {
    case Signal::arithmetic: return "arithmetic";
    case Signal::code: return "code";
    case Signal::none: break;
    }
    return "none";
}

bool looks_arithmetic(std::string_view text) {
    // Digits around an operator: 38 * 13, 7x8, 2^10, 12 / 4, 3 × 4 (UTF-8 × and ÷ end in
    // 0x97 and 0xB7 after a 0xC3 lead byte).
    for (size_t i = 0; i < text.size(); ++i) {
        if (!is_digit(text[i])) continue;
        size_t j = i + 1;
        while (j < text.size() && (is_digit(text[j]) || text[j] == '.' || text[j] == ','))
            ++j;
        while (j < text.size() && text[j] == ' ')
            ++j;
        if (j >= text.size()) break;
        const char op = text[j];
        size_t k = j + 1;
        if (op == '%') return true;
        const bool utf8_op = static_cast<unsigned char>(op) == 0xC3 && k < text.size() &&
                             (static_cast<unsigned char>(text[k]) == 0x97 ||
                              static_cast<unsigned char>(text[k]) == 0xB7);
        if (utf8_op) ++k;
        if (utf8_op || one_of(std::string_view(&text[j], 1), {"+", "-", "*", "/", "^", "x"})) {
            while (k < text.size() && text[k] == ' ')
                ++k;
            if (k < text.size() && is_digit(text[k])) return true;
        }
        i = j - 1;
    }
    const std::string t = lower(text);
    for (const std::string_view word :
         {"times", "plus", "minus", "percent", "multiplied", "divided", "average", "sum", "product",
          "how much", "how many", "total", "each", "per"}) {
        if (has_word(t, word) && has_digit(t)) return true;
    }
    return false;
}

Signal signal_of(const FailureGroup &group) {
    const std::string &key = group.key;
    if (one_of(key, {"numeric_answer", "failure=wrong_number", "failure=no_number"}))
        return Signal::arithmetic;
    if (one_of(key, {"code_block", "code_runs", "failure=tests_failed", "failure=no_code"}))
        return Signal::code;
    if (group.category == "tool_error") {
        if (key == "calculator") return Signal::arithmetic;
        if (key == "code") return Signal::code;
    }
    int64_t arithmetic = 0, code = 0, labelled = 0;
    for (const auto &[label, count] : group.labels) {
        labelled += count;
        if (arithmetic_label(label)) arithmetic += count;
        if (code_label(label)) code += count;
    }
    if (labelled > 0) {
        if (2 * arithmetic > labelled) return Signal::arithmetic;
        if (2 * code > labelled) return Signal::code;
        return Signal::none;
    }
    size_t arithmetic_inputs = 0, code_inputs = 0;
    for (const FailureExample &e : group.examples) {
        if (arithmetic_label(e.label) || (e.label.empty() && looks_arithmetic(e.input)))
            ++arithmetic_inputs;
        if (code_label(e.label) || (e.label.empty() && looks_code(e.input))) ++code_inputs;
    }
    const size_t n = group.examples.size();
    if (n > 0 && 2 * code_inputs > n) return Signal::code;
    if (n > 0 && 2 * arithmetic_inputs > n) return Signal::arithmetic;
    return Signal::none;
}

Signals signals_of(const Request &request) {
    Signals s;
    for (const FailureGroup &g : request.failures) {
        if (!answer_failure(g)) continue;
        s.total += g.count;
        switch (signal_of(g)) {
        case Signal::arithmetic: s.arithmetic += g.count; break;
        case Signal::code: s.code += g.count; break;
        case Signal::none: break;
        }
    }
    return s;
}

std::vector<LabelStats> label_stats(const Request &request) {
    if (!request.metrics.labels.empty()) return request.metrics.labels;
    std::vector<LabelStats> out;
    for (const FailureGroup &g : request.failures) {
        if (!answer_failure(g)) continue;
        for (const auto &[label, count] : g.labels) {
            auto it = std::find_if(out.begin(), out.end(),
                                   [&](const LabelStats &s) { return s.label == label; });
            if (it == out.end()) it = out.insert(out.end(), LabelStats{label, 0, 0});
            it->failures += count;
        }
    }
    return out;
}

bool gate_failure(const FailureGroup &group) {
    if (group.category == "gate_rule") return true;
    return (group.category == "empty_answer" || group.category == "format") && !group.key.empty() &&
           group.key.rfind("failure=", 0) != 0;
}

std::string failure_summary(const Request &request) {
    const Metrics &m = request.metrics;
    std::string out = request.node + " failed ";
    if (m.graded > 0) {
        out += std::to_string(m.failures) + " of " + std::to_string(m.graded) +
               " graded requests (" +
               percent(static_cast<double>(m.failures) / static_cast<double>(m.graded)) + ")";
    } else {
        out += plural(answer_failures(request), "run");
    }
    const FailureGroup *top = nullptr;
    for (const FailureGroup &g : request.failures) {
        if (answer_failure(g) && (top == nullptr || g.count > top->count)) top = &g;
    }
    if (top != nullptr) {
        out += ", most often " + top->category + (top->key.empty() ? "" : " " + top->key) + " (" +
               std::to_string(top->count) + ")";
    }
    return out;
}

} // namespace tinyllm::graph_edit
