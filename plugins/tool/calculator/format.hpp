// Turns a Number into the text a person or a model reads. Rules (docs/tools/calculator.md):
//   - exact integers: every digit, never an exponent;
//   - exact fractions whose decimal expansion ends within 100 significant digits: that
//     expansion in full (1/8 -> 0.125), in scientific notation when it starts more than 30 places
//     after the point;
//   - everything else (1/3, sqrt(2)): rounded half-up to `digits` significant digits, trailing
//     zeros dropped, plain between 1e-10 and 10^digits and scientific (1.5e+60) outside.
#pragma once

#include "number.hpp"

#include <optional>
#include <string>

namespace tinyllm::calculator {

struct Formatted {
    std::string text;
    bool rounded = false;                // text is not exactly the value
    std::optional<std::string> fraction; // "1/3" for an exact non-integer
};

Formatted format_number(const Number &value, int digits);

} // namespace tinyllm::calculator
