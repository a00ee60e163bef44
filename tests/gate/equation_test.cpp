// Reading "EXPRESSION = NUMBER" and the final number out of answers as small models write them.
#include "answer/equation.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace tinyllm::answer {
namespace {

struct Case {
    const char *answer;
    const char *expression; // what the calculator gets
    const char *result;     // the claimed number as read
    const char *written;    // the equation as quoted back
};

class EquationFound : public ::testing::TestWithParam<Case> {};

TEST_P(EquationFound, ReadsTheLastComputation) {
    const Case &c = GetParam();
    const std::optional<Equation> eq = last_equation(c.answer);
    ASSERT_TRUE(eq) << c.answer;
    EXPECT_EQ(eq->expression, c.expression) << c.answer;
    EXPECT_EQ(eq->result.text, c.result) << c.answer;
    EXPECT_EQ(eq->written, c.written) << c.answer;
}

INSTANTIATE_TEST_SUITE_P(
    Gate, EquationFound,
    ::testing::Values(
        Case{"12 * 7 = 84", "12 * 7", "84", "12 * 7 = 84"},
        Case{"So 12 × 7 = 84 apples.", "12 * 7", "84", "12 × 7 = 84"},
        Case{"0.15 × 80 = 12", "0.15 * 80", "12", "0.15 × 80 = 12"},
        Case{"100 ÷ 4 − 5 = 20", "100 / 4 - 5", "20", "100 ÷ 4 − 5 = 20"},
        Case{"Total: 1,234 + 5,678 = 6,912.", "1234 + 5678", "6912", "1,234 + 5,678 = 6,912"},
        Case{"**12 * 7 = 84**", "12 * 7", "84", "12 * 7 = 84"},
        Case{"*12 * 7 = 84*", "12 * 7", "84", "12 * 7 = 84"},
        Case{"Step 2: 3 * 4 = 12", "3 * 4", "12", "3 * 4 = 12"},
        Case{"1. 3 * 4 = 12", "3 * 4", "12", "3 * 4 = 12"},
        Case{"(so 3 * 4 = 12)", "3 * 4", "12", "3 * 4 = 12"},
        Case{"2 * (3 + 4) = 2 * 7 = 14", "2 * 7", "14", "2 * 7 = 14"},
        Case{"(3 + 4) * 2 = 14", "(3 + 4) * 2", "14", "(3 + 4) * 2 = 14"},
        Case{"sqrt(16) + 2 = 6", "sqrt(16) + 2", "6", "sqrt(16) + 2 = 6"},
        Case{"√16 = 4", "sqrt(16)", "4", "√16 = 4"},
        Case{"gcd(12, 18) = 6", "gcd(12, 18)", "6", "gcd(12, 18) = 6"},
        Case{"5! = 120", "5!", "120", "5! = 120"}, Case{"5² = 25", "5^2", "25", "5² = 25"},
        Case{"2**10 = 1024", "2^10", "1024", "2**10 = 1024"},
        Case{"2 π × 3 = 18.85", "2 * pi * 3", "18.85", "2 π × 3 = 18.85"}, // 2π is 2 * pi
        Case{"\\( 12 \\times 7 = 84 \\)", "12 * 7", "84", "12 \\times 7 = 84"},
        Case{"$3 \\cdot 4 = 12$", "3 * 4", "12", "3 \\cdot 4 = 12"},
        Case{"12 x 7 = 84", "12 * 7", "84", "12 x 7 = 84"},
        Case{"It is -3 + 5 = 2.", "-3 + 5", "2", "-3 + 5 = 2"},
        Case{"5 - 8 = -3", "5 - 8", "-3", "5 - 8 = -3"},
        Case{"15% * 80 = 12", "15/100 * 80", "12", "15% * 80 = 12"},
        Case{"7 % 3 = 1", "7 % 3", "1", "7 % 3 = 1"},
        Case{"1/2 + 1/4 = 3/4", "1/2 + 1/4", "3/4", "1/2 + 1/4 = 3/4"},
        Case{"$12 * 3 = $36", "12 * 3", "36", "12 * 3 = $36"},
        Case{"22/7 ≈ 3.14", "22/7", "3.14", "22/7 ≈ 3.14"},
        Case{"`6 * 7 = 42`", "6 * 7", "42", "6 * 7 = 42"},
        Case{"2 + 2 = 4 and 3 + 3 = 7", "3 + 3", "7", "3 + 3 = 7"},
        Case{"first 1 + 1 = 2\nthen 2 * 3 = 6\nso x = 6", "2 * 3", "6", "2 * 3 = 6"},
        Case{"0.5 * .5 = 0.25", "0.5 * 0.5", "0.25", "0.5 * .5 = 0.25"},
        Case{"2π = 6.28", "2*pi", "6.28", "2π = 6.28"},
        Case{"3(4 + 1) = 15", "3*(4 + 1)", "15", "3(4 + 1) = 15"},
        Case{"12 * 7 = 84 - the apples", "12 * 7", "84", "12 * 7 = 84"},
        Case{"Area: \\sqrt{16} \\times 2 = 8", "sqrt(16) * 2", "8", "\\sqrt{16} \\times 2 = 8"}));

class NoEquation : public ::testing::TestWithParam<const char *> {};

TEST_P(NoEquation, IsNotReadAsOne) {
    EXPECT_FALSE(last_equation(GetParam())) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Gate, NoEquation,
                         ::testing::Values("The answer is 84.", "x = 5", "Total = 84",
                                           "Total - 3 * 2 = 14", // a variable in it
                                           "x * 3 = 12", "15% of 80 = 12", "84 = 84",
                                           "if a == 3 * 4", "a <= 3 * 4", "3 * 4 != 11",
                                           "2 + 2 = 2 * 2", // the right side is no number
                                           "```python\nprint(3 * 4 = 12)\n```", "f(x) = 3 * x",
                                           "v2 * 3 = 6", "y = 3 * x + 1", "2 * 3 = 6 * x", ""));

TEST(GateEquation, ApproximationIsMarked) {
    EXPECT_TRUE(last_equation("22/7 ≈ 3.14")->approximate);
    EXPECT_TRUE(last_equation("22/7 \\approx 3.14")->approximate);
    EXPECT_FALSE(last_equation("22/7 = 3.14")->approximate);
}

TEST(GateEquation, ResultValueAndDecimals) {
    const auto eq = last_equation("10 / 4 = 2.50");
    ASSERT_TRUE(eq);
    EXPECT_DOUBLE_EQ(eq->result.value, 2.5);
    EXPECT_EQ(eq->result.decimals, 2);
    const auto fraction = last_equation("1/2 + 1/4 = 3/4");
    EXPECT_DOUBLE_EQ(fraction->result.value, 0.75);
    EXPECT_EQ(fraction->result.decimals, -1);
    const auto percent = last_equation("3 / 20 = 15%");
    EXPECT_TRUE(percent->result.percent);
}

TEST(GateFinalNumber, IsTheLastNumberOfTheProse) {
    EXPECT_EQ(final_number("12 * 7 = 84. The answer is **84**.")->text, "84");
    EXPECT_EQ(final_number("It costs $1,250.50 in total")->text, "1250.50");
    EXPECT_EQ(final_number("The result is -5.")->text, "-5");
    EXPECT_EQ(final_number("from 3-5")->text, "5");
    EXPECT_EQ(final_number("84 in the 3rd box")->text, "84"); // an ordinal is not a number
    EXPECT_EQ(final_number("42\n```python\nprint(7)\n```\n")->text, "42"); // code is not prose
    EXPECT_TRUE(final_number("It is 15%.")->percent);
    EXPECT_FALSE(final_number("no numbers here"));
}

TEST(GateStates, ExactIntegersToleranceAndRounding) {
    const auto number = [](const char *text) { return *final_number(text); };
    EXPECT_TRUE(states(number("84"), 84, "84", 1e-9, false));
    EXPECT_FALSE(states(number("85"), 84, "84", 1e-9, false));
    EXPECT_FALSE(states(number("121932631112635268"), 1.21932631112635269e17, "121932631112635269",
                        1e-9, false));
    EXPECT_TRUE(states(number("0.333"), 1.0 / 3, "0.3333333333", 1e-9, false));
    EXPECT_FALSE(states(number("0.334"), 1.0 / 3, "0.3333333333", 1e-9, false));
    EXPECT_FALSE(states(number("3"), 3.14159, "3.14159", 1e-9, false));
    EXPECT_TRUE(states(number("3"), 3.14159, "3.14159", 1e-9, true)); // ≈ 3
    EXPECT_TRUE(states(number("15%"), 0.15, "0.15", 1e-9, false));
    EXPECT_TRUE(states(number("15%"), 15, "15", 1e-9, false));
    EXPECT_TRUE(states(number("100.00001"), 100, "100", 1e-6, false));
    EXPECT_TRUE(states(number("0"), 0, "0", 1e-9, false));
    EXPECT_TRUE(states(number("-0"), 0, "0", 1e-9, false));
}

} // namespace
} // namespace tinyllm::answer
