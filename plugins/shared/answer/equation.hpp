// Reading the arithmetic out of a math answer for the numeric_answer rule: the last equation
// "EXPRESSION = NUMBER" (as the math prompt asks the model to write its key computation) and the
// answer's final number. Models write ×, ÷, −, ·, π, ², LaTeX (\times, \cdot, \div), thousands
// separators and Markdown emphasis around numbers; all of that is normalised into what the
// calculator tool reads. Text in fenced code blocks is not prose and is never read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::answer {

struct WrittenNumber {
    std::string text; // as normalised: "1234.5", "-3", "3/4"
    double value = 0; // the number ("3/4": 0.75; "15%": 15, see percent)
    int decimals = 0; // digits after the point as written; -1 for a fraction a/b
    bool percent = false;
    size_t offset = 0; // where it starts in the normalised text (tells two readings apart)
};

struct Equation {
    std::string written;      // the equation as the answer wrote it: "0.15 × 80 = 12"
    std::string expression;   // what the calculator evaluates: "0.15 * 80"
    WrittenNumber result;     // the number the answer claims
    bool approximate = false; // written with ≈ (or \approx): rounding is expected
};

// The last equation of `answer` whose left side is a whole computation (numbers, operators,
// parentheses, calculator functions; no variables) and whose right side is a number.
std::optional<Equation> last_equation(std::string_view answer);

// The last number of `answer`'s prose (ordinals such as "3rd" are not numbers).
std::optional<WrittenNumber> final_number(std::string_view answer);

// Whether `written` states `actual`: within `tolerance` (relative), or equal to `actual` rounded
// to the decimals written (a model writes 1/3 as 0.333; with `approximate` also to a whole
// number). An integer without decimals is compared digit by digit with an exact integer result
// (`actual_text`), since doubles lose digits past 2^53.
bool states(const WrittenNumber &written, double actual, std::string_view actual_text,
            double tolerance, bool approximate);

} // namespace tinyllm::answer
