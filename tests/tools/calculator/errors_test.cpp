// Every class of error the calculator reports, with its exact message and column.
#include "calculator.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace {

namespace calc = tinyllm::calculator;

struct ErrorCase {
    std::string expression;
    size_t column;
    std::string message;
};

void PrintTo(const ErrorCase &c, std::ostream *os) {
    *os << '"' << c.expression << '"';
}

class CalculatorErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CalculatorErrors, NamesTheProblemAndTheColumn) {
    const ErrorCase &c = GetParam();
    try {
        const calc::Result r = calc::evaluate(c.expression);
        FAIL() << c.expression << " evaluated to " << r.text;
    } catch (const calc::CalcError &e) {
        EXPECT_EQ(std::string(e.what()), c.message) << c.expression;
        EXPECT_EQ(e.column(), c.column) << c.expression;
    }
}

const std::vector<ErrorCase> kSyntax = {
    {"1 +* 2", 4, "at column 4: expected a number, '(' or a function, got '*'"},
    {"1 +", 4, "at column 4: expected a number, '(' or a function, got end of input"},
    {"()", 2, "at column 2: expected a number, '(' or a function, got ')'"},
    {"sqrt(1,)", 8, "at column 8: expected a number, '(' or a function, got ')'"},
    {"(1 + 2", 7, "at column 7: missing ')' to close the '(' at column 1"},
    {"max(1, 2", 9, "at column 9: missing ')' to close the '(' at column 4"},
    {"1 + 2)", 6, "at column 6: unmatched ')'"},
    {"(1, 2)", 3, "at column 3: expected ')', got ','"},
    {"2 3", 3,
     "at column 3: missing operator before '3' (implicit multiplication is not supported: "
     "write *)"},
    {"2pi", 2,
     "at column 2: missing operator before 'pi' (implicit multiplication is not supported: "
     "write *)"},
    {"2(3)", 2,
     "at column 2: missing operator before '(' (implicit multiplication is not supported: "
     "write *)"},
    {"(1)(2)", 4,
     "at column 4: missing operator before '(' (implicit multiplication is not supported: "
     "write *)"},
    {"sin 30", 5,
     "at column 5: missing operator before '30' (implicit multiplication is not supported: "
     "write *)"},
    {"1,000", 2,
     "at column 2: ',' outside a function call (digit grouping like 1,000 is not supported)"},
    {"1_000", 2,
     "at column 2: '_' digit grouping is not supported; write the digits without separators"},
    {"50%", 4,
     "at column 4: expected a number, '(' or a function, got end of input (% is the remainder "
     "operator; for a percentage divide by 100)"},
    {"1.2.3", 4, "at column 4: unexpected '.' after the number 1.2"},
    {"2 = 2", 3, "at column 3: unexpected character '=' (write only the expression, without '=')"},
    {"[1+2]", 1, "at column 1: unexpected character '[' (use parentheses for grouping)"},
    {"2 # 3", 3, "at column 3: unexpected character '#'"},
    {"\xC3\x97 3", 1, "at column 1: expected a number, '(' or a function, got '\xC3\x97'"},
    {"3 \xC3\x97 4 \xE2\x9C\x93", 7, "at column 7: unexpected character '\xE2\x9C\x93'"},
    {"1 +\x01", 4, "at column 4: unexpected character U+0001"},
    {"1 + \xFF", 5, "at column 5: unexpected character byte 0xFF"},
    {"1 + \xE2\x88", 5, "at column 5: unexpected character byte 0xE2"},
    // A two-byte character is shown whole; a stray continuation byte by its value.
    {"2 \xC3\xA9 3", 3, "at column 3: unexpected character '\xC3\xA9'"},
    {"2 \x80 3", 3, "at column 3: unexpected character byte 0x80"},
    {"", 1, "empty expression"},
    {"   ", 1, "empty expression"},
};

const std::vector<ErrorCase> kNames = {
    {"foo(1)", 1, "unknown function 'foo' at column 1 (did you mean floor?)"},
    {"sqr(4)", 1, "unknown function 'sqr' at column 1 (did you mean sqrt?)"},
    {"1 + blah(2)", 5, "unknown function 'blah' at column 5"},
    {"x", 1, "unknown identifier 'x' at column 1"},
    {"2 * pii", 5, "unknown identifier 'pii' at column 5 (did you mean pi?)"},
    {"sqrt", 1, "'sqrt' is a function: write sqrt(...) at column 1"},
    {"pi()", 1, "'pi' is a constant, not a function at column 1"},
    {"atan2(1)", 1, "atan2 takes 2 arguments, got 1 at column 1"},
    {"sqrt()", 1, "sqrt takes 1 argument, got 0 at column 1"},
    {"sqrt(1, 2)", 1, "sqrt takes 1 argument, got 2 at column 1"},
    {"max()", 1, "max takes at least 1 argument, got 0 at column 1"},
    {"gcd(4)", 1, "gcd takes at least 2 arguments, got 1 at column 1"},
    {"log(1, 2, 3)", 1, "log takes 1 or 2 arguments, got 3 at column 1"},
};

const std::vector<ErrorCase> kDomain = {
    {"1/0", 2, "division by zero at column 2"},
    {"1 / 0", 3, "division by zero at column 3"},
    {"1/(1-1)", 2, "division by zero at column 2"},
    {"sqrt(2)/0", 8, "division by zero at column 8"},
    {"1 % 0", 3, "modulo by zero at column 3"},
    {"0^-1", 2, "division by zero (zero to a negative power) at column 2"},
    {"sqrt(-1)", 1, "sqrt of a negative number at column 1"},
    {"1 + sqrt(-4)", 5, "sqrt of a negative number at column 5"},
    {"ln(0)", 1, "ln of zero is undefined at column 1"},
    {"ln(-1)", 1, "ln of a negative number at column 1"},
    {"log(0)", 1, "log of zero is undefined at column 1"},
    {"log2(-4)", 1, "log of a negative number at column 1"},
    {"log(1, 5)", 1, "log base must be positive and not 1 at column 1"},
    {"asin(2)", 1, "asin is defined only for -1 <= x <= 1 at column 1"},
    {"acos(-1.5)", 1, "acos is defined only for -1 <= x <= 1 at column 1"},
    {"tan(pi/2)", 1, "tan is undefined at odd multiples of pi/2 at column 1"},
    {"atan2(0, 0)", 1, "atan2(0, 0) is undefined at column 1"},
    {"(-8)^0.5", 5, "negative number to a non-integer power is not a real number at column 5"},
    {"(-2)^sqrt(2)", 5, "negative number to a non-integer power is not a real number at column 5"},
    {"factorial(-1)", 1, "factorial of a negative number at column 1"},
    {"factorial(0.5)", 1, "factorial of a non-integer at column 1"},
    {"(-1)!", 5, "factorial of a negative number at column 5"},
    {"2.5!", 4, "factorial of a non-integer at column 4"},
    {"gcd(1.5, 2)", 1, "gcd needs integer arguments at column 1"},
    {"round(1, 0.5)", 1, "round: the number of decimals must be an integer at column 1"},
    {"sin(1e30)", 1, "sin argument too large (limit: 1e20 radians) at column 1"},
};

const std::vector<ErrorCase> kSize = {
    {"factorial(3001)", 1, "factorial argument too large (limit: 3000) at column 1"},
    {"3001!", 5, "factorial argument too large (limit: 3000) at column 5"},
    {"2^2^2^2^2^2", 4, "result too large (limit: 1e10000) at column 4"},
    {"10^10^10", 3, "result too large (limit: 1e10000) at column 3"},
    {"9^9^9", 2, "result too large (limit: 1e10000) at column 2"},
    {"2^200000", 2, "result too large (limit: 1e10000) at column 2"},
    {"2^40000", 2, "result too large (limit: 1e10000) at column 2"},
    {"0.5^200000", 4, "exact result needs more than 10000 digits at column 4"},
    {"factorial(3000) * factorial(3000)", 17, "result too large (limit: 1e10000) at column 17"},
    {"exp(100000)", 1, "result too large (limit: 1e10000) at column 1"},
    {"exp(-100000)", 1, "result too small (limit: 1e-10000) at column 1"},
    {"2^200000.5", 2, "result too large (limit: 1e10000) at column 2"},
    {"1e50000", 1, "number 1e50000 too large (limit: 1e10000) at column 1"},
    {"1 + 1e-50000", 5, "number 1e-50000 too small (limit: 1e-10000) at column 5"},
    {"1e999999999999", 1, "number 1e999999999999 too large (limit: 1e10000) at column 1"},
};

INSTANTIATE_TEST_SUITE_P(Syntax, CalculatorErrors, ::testing::ValuesIn(kSyntax));
INSTANTIATE_TEST_SUITE_P(Names, CalculatorErrors, ::testing::ValuesIn(kNames));
INSTANTIATE_TEST_SUITE_P(Domain, CalculatorErrors, ::testing::ValuesIn(kDomain));
INSTANTIATE_TEST_SUITE_P(Size, CalculatorErrors, ::testing::ValuesIn(kSize));

} // namespace
