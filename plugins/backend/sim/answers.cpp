#include "answers.hpp"

#include <tinyllm/plugin.hpp>

#include <cctype>

namespace tinyllm::sim {

namespace {

bool is_number(std::string_view text) {
    size_t i = text.size() > 0 && text[0] == '-' ? 1 : 0;
    size_t digits = 0;
    bool point = false;
    for (; i < text.size(); ++i) {
        if (std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++digits;
        } else if (text[i] == '.' && !point) {
            point = true;
        } else {
            return false;
        }
    }
    return digits > 0;
}

std::string code_answer(const Example &example, const std::string &program) {
    std::string out = "```python\n" + program + "\n```\n";
    out += example.function.empty() ? "The code is above."
                                    : "This defines `" + example.function + "` as asked.";
    return out;
}

std::string tool_call(const std::string &tool, std::string_view expression) {
    return "[{\"function\":{\"name\":\"" + sdk::json_escape(tool) +
           "\",\"arguments\":{\"expression\":\"" + sdk::json_escape(expression) + "\"}}}]";
}

const WrongAnswer *wrong_setup(const Example &example, const Draw &draw) {
    std::vector<const WrongAnswer *> setups;
    for (const WrongAnswer &w : example.wrong) {
        if (!w.expression.empty()) setups.push_back(&w);
    }
    if (setups.empty()) return nullptr;
    return setups[draw.pick("which wrong setup", setups.size())];
}

} // namespace

std::string_view to_string(Outcome outcome) noexcept {
    switch (outcome) {
    case Outcome::correct: return "correct";
    case Outcome::slip: return "slip";
    case Outcome::wrong_setup: return "wrong setup";
    case Outcome::wrong: return "wrong";
    }
    return "wrong";
}

Outcome outcome_for(const Example &example, const ModelSpec &model, const Draw &draw,
                    double slip_rate) {
    if (draw.uniform("correct") < model.accuracy_for(example.category)) return Outcome::correct;
    if (example.expression.empty()) return Outcome::wrong;
    if (draw.uniform("slip") < slip_rate || wrong_setup(example, draw) == nullptr) {
        return Outcome::slip;
    }
    return Outcome::wrong_setup;
}

std::string math_answer(std::string_view expression, std::string_view result) {
    std::string out;
    out.append(expression).append(" = ").append(result).append("\nThe answer is ");
    out.append(result).append(".");
    return out;
}

std::string slipped(std::string_view number, const Draw &draw) {
    std::string out(number);
    for (size_t i = out.size(); i-- > 0;) {
        const char c = out[i];
        if (c < '0' || c > '9') continue;
        const bool up = c == '0' || (c != '9' && draw.uniform("slip direction") < 0.5);
        out[i] = static_cast<char>(up ? c + 1 : c - 1);
        return out;
    }
    return out + "1"; // no digit at all: still not the expected text
}

std::string answer_text(const Example &example, Outcome outcome, const Draw &draw) {
    if (!example.expression.empty()) {
        if (outcome == Outcome::correct) return math_answer(example.expression, example.expected);
        if (outcome == Outcome::wrong_setup) {
            const WrongAnswer *w = wrong_setup(example, draw);
            if (w != nullptr) return math_answer(w->expression, w->answer);
        }
        return math_answer(example.expression, slipped(example.expected, draw));
    }
    if (!example.solution.empty()) {
        const bool right = outcome == Outcome::correct || example.wrong_solution.empty();
        return code_answer(example, right ? example.solution : example.wrong_solution);
    }
    if (outcome == Outcome::correct) return example.expected;
    if (!example.wrong.empty()) {
        return example.wrong[draw.pick("which wrong answer", example.wrong.size())].answer;
    }
    return "I do not know.";
}

Reply reply_for(const Example &example, const Conversation &conversation, const ModelSpec &model,
                const Draw &draw, double slip_rate) {
    if (example.expected.empty() && example.solution.empty()) {
        return {"[simulated " + conversation.model + "] dataset example " + example.id + " (" +
                    example.source + ") has no reference answer to give",
                {},
                "no reference answer"};
    }
    if (!example.expression.empty()) {
        // The calculator's result, copied into the final answer: the tool made it exact.
        if (const auto result = conversation.tool_result()) {
            const auto expression = conversation.called_expression();
            if (expression && is_number(*result)) {
                return {math_answer(*expression, *result), {}, "answer from the tool result"};
            }
        }
        const Outcome outcome = outcome_for(example, model, draw, slip_rate);
        if (!conversation.calculator.empty() && !conversation.tool_result() &&
            draw.uniform("calls the tool") < model.tool_call_rate) {
            // A calculator removes slips, not a wrong setup: the model asks it the wrong thing.
            const WrongAnswer *w =
                outcome == Outcome::wrong_setup ? wrong_setup(example, draw) : nullptr;
            return {{},
                    tool_call(conversation.calculator, w ? w->expression : example.expression),
                    w ? "tool call (wrong setup)" : "tool call"};
        }
        return {answer_text(example, outcome, draw), {}, std::string(to_string(outcome))};
    }
    const Outcome outcome = outcome_for(example, model, draw, slip_rate);
    return {answer_text(example, outcome, draw), {}, std::string(to_string(outcome))};
}

std::string unmatched_reply(std::string_view model) {
    return "[simulated " + std::string(model) + "] no dataset example matches this request";
}

} // namespace tinyllm::sim
