// The built-in functions and constants. A function gets its evaluated arguments and throws
// NumberError (without a position) when they are outside its domain.
#pragma once

#include "number.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::calculator {

enum class AngleUnit { radians, degrees };

struct FunctionContext {
    AngleUnit angle_unit = AngleUnit::radians;
};

// Largest n accepted by factorial: 3000! has 9131 digits, inside the 10000-digit limit.
inline constexpr long kMaxFactorial = 3000;

struct Function {
    std::string_view name;
    size_t min_args;
    size_t max_args; // SIZE_MAX for variadic
    Number (*apply)(const std::vector<Number> &args, const FunctionContext &context);
};

// nullptr for an unknown name. Names are matched in lower case.
const Function *find_function(std::string_view name);
std::optional<Number> find_constant(std::string_view name);

// The closest function or constant name (edit distance <= 2), for "did you mean".
std::optional<std::string> suggest_name(std::string_view name);

Number factorial(const Number &n);

} // namespace tinyllm::calculator
