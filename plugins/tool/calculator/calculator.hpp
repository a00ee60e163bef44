// The calculator's public entry point: evaluate an expression exactly where possible.
#pragma once

#include "error.hpp"
#include "functions.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::calculator {

struct Options {
    size_t max_length = 1000;  // characters
    int precision_digits = 50; // significant digits of rounded results, 1..kMaxPrintDigits
    AngleUnit angle_unit = AngleUnit::radians;
    size_t max_depth = 200; // nesting of parentheses, signs, powers and factorials
};

struct Result {
    std::string text;     // the answer as it should be printed: "4", "0.5", "1.4142..."
    bool exact = false;   // computed with exact rational arithmetic throughout
    bool rounded = false; // text is a rounding of the value (1/3, sqrt(2))
    std::optional<std::string> fraction; // "1/3" for an exact non-integer
};

// Throws CalcError (message with the column) for syntax errors, domain errors and limits.
Result evaluate(std::string_view expression, const Options &options = {});

} // namespace tinyllm::calculator
