// Expressions and the exact text the calculator must print for them. Inexact reference values
// were computed independently (Python's decimal module at 100 digits, rounded half-up to 50
// significant digits, trailing zeros dropped).
#include "calculator.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace {

namespace calc = tinyllm::calculator;

struct Case {
    std::string expression;
    std::string expected;
    bool exact; // computed with exact arithmetic throughout
};

void PrintTo(const Case &c, std::ostream *os) {
    *os << '"' << c.expression << '"';
}

class CalculatorTable : public ::testing::TestWithParam<Case> {};

TEST_P(CalculatorTable, PrintsTheExpectedText) {
    const Case &c = GetParam();
    const calc::Result r = calc::evaluate(c.expression);
    EXPECT_EQ(r.text, c.expected) << c.expression;
    EXPECT_EQ(r.exact, c.exact) << c.expression;
}

const std::vector<Case> kIntegers = {
    {"2+2", "4", true},
    {"2 + 3 * 4", "14", true},
    {"(2 + 3) * 4", "20", true},
    {"10 - 4 - 3", "3", true},
    {"100 / 10 / 5", "2", true},
    {"2 * 3 + 4 * 5", "26", true},
    {"7 - 10", "-3", true},
    {"0", "0", true},
    {"-0", "0", true},
    {"--5", "5", true},
    {"+5", "5", true},
    {"-(-(3))", "3", true},
    {"1 - -1", "2", true},
    {"007", "7", true},
    {"((((1))))", "1", true},
    {"123456789*987654321", "121932631112635269", true},
    {"99999999999999999999 + 1", "100000000000000000000", true},
    {"-99999999999999999999 - 1", "-100000000000000000000", true},
    {"2^64", "18446744073709551616", true},
    {"2^100", "1267650600228229401496703205376", true},
    {"2^1000",
     "10715086071862673209484250490600018105614048117055336074437503883703510511249361224931983788"
     "15695858127594672917553146825187145285692314043598457757469857480393456777482423098542107460"
     "50623711418779541821530464749835819412673987675591655439460770629145711964776865421676604298"
     "31652624386837205668069376",
     true},
    {"3^200",
     "26561398887587476933878132203577962682923345265339449597457496173909249090130218299438469904"
     "4001",
     true},
    {"1e100", "1" + std::string(100, '0'), true},
    {"10^30 + 1", "1000000000000000000000000000001", true},
    {"  2  +  2  ", "4", true},
    {"\t1\n+\n1", "2", true},
};

const std::vector<Case> kPowers = {
    {"2^3^2", "512", true},
    {"(2^3)^2", "64", true},
    {"-2^2", "-4", true},
    {"(-2)^2", "4", true},
    {"(-2)^3", "-8", true},
    {"2*-3", "-6", true},
    {"-3*-3", "9", true},
    {"2^-1", "0.5", true},
    {"2^-2", "0.25", true},
    {"2^-3^2", "0.001953125", true},
    {"10^0", "1", true},
    {"0^0", "1", true},
    {"0^5", "0", true},
    {"(-1)^1000001", "-1", true},
    {"1^1000000000000", "1", true},
    {"(-1)^(10^30)", "1", true},
    {"(1/2)^-3", "8", true},
    {"(2/3)^2", "0.44444444444444444444444444444444444444444444444444", true},
    {"4^0.5", "2", true},
    {"16^0.25", "2", true},
    {"8^(2/3)", "4", true},
    {"(-8)^(1/3)", "-2", true},
    {"(-8)^(2/3)", "4", true},
    {"27^(-1/3)", "0.33333333333333333333333333333333333333333333333333", true},
    {"(1/4)^(1/2)", "0.5", true},
    {"2**10", "1024", true},
    {"2 ** 3 ** 2", "512", true},
    {"2^0.5", "1.4142135623730950488016887242096980785696718753769", false},
    {"2^(1/3)", "1.2599210498948731647672106072782283505702514647015", false},
    {"2^pi", "8.8249778270762876238564296042080015817044108152715", false},
    {"2^0.5 * 2^0.5", "2", false},
};

const std::vector<Case> kFractions = {
    {"1/3 + 1/6", "0.5", true},
    {"1/4", "0.25", true},
    {"1/3", "0.33333333333333333333333333333333333333333333333333", true},
    {"2/3", "0.66666666666666666666666666666666666666666666666667", true},
    {"-2/3", "-0.66666666666666666666666666666666666666666666666667", true},
    {"1/7", "0.14285714285714285714285714285714285714285714285714", true},
    {"22/7", "3.1428571428571428571428571428571428571428571428571", true},
    {"1/30", "0.033333333333333333333333333333333333333333333333333", true},
    {"1/998001", "0.000001002003004005006007008009010011012013014015016017", true},
    {"10^60/3", "3.3333333333333333333333333333333333333333333333333e+59", true},
    {"0.1 + 0.2", "0.3", true},
    {"0.1 * 3", "0.3", true},
    {"1 - 0.9", "0.1", true},
    {"1/8", "0.125", true},
    {"-1/8", "-0.125", true},
    // Division by a negative number: the sign moves to the numerator, whichever side has it.
    {"1/-3", "-0.33333333333333333333333333333333333333333333333333", true},
    {"-1/-3", "0.33333333333333333333333333333333333333333333333333", true},
    {"6/-4", "-1.5", true},
    {"-6/-4", "1.5", true},
    {"1/-8 + 1/8", "0", true},
    {"0/-5", "0", true},
    {"3/4 - 1/4", "0.5", true},
    {"6/4", "1.5", true},
    {"10/4", "2.5", true},
    {"1/1024", "0.0009765625", true},
    {"1/3 * 3", "1", true},
    {"1/3 + 1/3 + 1/3", "1", true},
    {"2/10", "0.2", true},
    {"1/2^100", "7.888609052210118054117285652827862296732064351090230047702789306640625e-31",
     true},
    {"1/2^10", "0.0009765625", true},
    {"0.999999999999999999999999999999999999999999999999999999999",
     "0.999999999999999999999999999999999999999999999999999999999", true},
    {"1/3 - 0.333", "0.00033333333333333333333333333333333333333333333333333", true},
    {"(1/3) * 0", "0", true},
};

const std::vector<Case> kLiterals = {
    {"123.456", "123.456", true},
    {"0.000001", "0.000001", true},
    {".5", "0.5", true},
    {"5.", "5", true},
    {"1e3", "1000", true},
    {"1.5e-3", "0.0015", true},
    {"1E6", "1000000", true},
    {"2.5e+2", "250", true},
    {"1.23e2", "123", true},
    {"0.10", "0.1", true},
    {"1e-30", "0.000000000000000000000000000001", true},
    {"1e-40", "1e-40", true},
    {"12.5e-1", "1.25", true},
    {"3 \xC3\x97 4", "12", true},    // ×
    {"3 \xC2\xB7 4", "12", true},    // · (middle dot)
    {"8 \xC3\xB7 2", "4", true},     // ÷
    {"5 \xE2\x88\x92 3", "2", true}, // − (minus sign)
};

const std::vector<Case> kModulo = {
    {"7 % 3", "1", true},
    {"-7 % 3", "2", true},
    {"7 % -3", "-2", true},
    {"-7 % -3", "-1", true},
    {"7.5 % 2", "1.5", true},
    {"10 % 2.5", "0", true},
    {"5 % 7", "5", true},
    {"0 % 5", "0", true},
    {"2^10 % 1000", "24", true},
    {"10 - 7 % 3", "9", true},
    {"2 * 7 % 3", "2", true},
    {"1/3 % 1/4", "0.083333333333333333333333333333333333333333333333333", true},
    {"(7/2) % (4/3)", "0.83333333333333333333333333333333333333333333333333", true},
    {"mod(-7, 3)", "2", true},
    {"(2^0.5)^2 % 1", "0", false},
};

const std::vector<Case> kExactFunctions = {
    {"sqrt(16)", "4", true},
    {"sqrt(1/4)", "0.5", true},
    {"sqrt(0)", "0", true},
    {"sqrt(2.25)", "1.5", true},
    {"sqrt(10^40)", "100000000000000000000", true},
    {"cbrt(27)", "3", true},
    {"cbrt(-8)", "-2", true},
    {"cbrt(1/8)", "0.5", true},
    {"abs(-1/3)", "0.33333333333333333333333333333333333333333333333333", true},
    {"abs(-5)", "5", true},
    {"abs(0)", "0", true},
    {"floor(7/2)", "3", true},
    {"floor(-7/2)", "-4", true},
    {"ceil(7/2)", "4", true},
    {"ceil(-7/2)", "-3", true},
    {"round(2.5)", "3", true},
    {"round(-2.5)", "-3", true},
    {"round(2.4)", "2", true},
    {"round(2/3, 2)", "0.67", true},
    {"round(1234.5678, -2)", "1200", true},
    {"trunc(-2.7)", "-2", true},
    {"sign(-3)", "-1", true},
    {"factorial(0)", "1", true},
    {"factorial(20)", "2432902008176640000", true},
    {"factorial(25)", "15511210043330985984000000", true},
    {"factorial(100)",
     "93326215443944152681699238856266700490715968264381621468592963895217599993229915608941463976"
     "156518286253697920827223758251185210916864000000000000000000000000",
     true},
    {"5!", "120", true},
    {"3!!", "720", true},
    {"-3!", "-6", true},
    {"2^3!", "64", true},
    {"(1+2)!", "6", true},
    {"gcd(12, 18)", "6", true},
    {"gcd(0, 5)", "5", true},
    {"gcd(-12, 18)", "6", true},
    {"gcd(12, 18, 8)", "2", true},
    {"lcm(4, 6)", "12", true},
    {"lcm(2, 3, 4)", "12", true},
    {"lcm(0, 5)", "0", true},
    {"min(3, 1, 2)", "1", true},
    {"max(3, 1, 2)", "3", true},
    {"max(1/3, 0.3)", "0.33333333333333333333333333333333333333333333333333", true},
    {"min(-1, -1/2)", "-1", true},
    {"max(2)", "2", true},
    {"log10(1000)", "3", true},
    {"log10(0.001)", "-3", true},
    {"log2(8)", "3", true},
    {"log2(1/8)", "-3", true},
    {"log(2, 1024)", "10", true},
    {"log(10, 100)", "2", true},
    {"ln(1)", "0", true},
    {"log(1)", "0", true},
    {"exp(0)", "1", true},
    {"sin(0)", "0", true},
    {"cos(0)", "1", true},
    {"tan(0)", "0", true},
    {"asin(0)", "0", true},
    {"acos(1)", "0", true},
    {"atan(0)", "0", true},
    {"atan2(0, 1)", "0", true},
    {"SQRT(4)", "2", true},
};

const std::vector<Case> kInexact = {
    {"sqrt(2)", "1.4142135623730950488016887242096980785696718753769", false},
    {"-sqrt(2)", "-1.4142135623730950488016887242096980785696718753769", false},
    {"sqrt(3)", "1.7320508075688772935274463415058723669428052538104", false},
    {"sqrt(2)/2", "0.70710678118654752440084436210484903928483593768847", false},
    {"cbrt(2)", "1.2599210498948731647672106072782283505702514647015", false},
    {"pi", "3.1415926535897932384626433832795028841971693993751", false},
    {"PI", "3.1415926535897932384626433832795028841971693993751", false},
    {"\xCF\x80", "3.1415926535897932384626433832795028841971693993751", false}, // π
    {"tau/2", "3.1415926535897932384626433832795028841971693993751", false},
    {"pi/2", "1.5707963267948966192313216916397514420985846996876", false},
    {"pi^2", "9.8696044010893586188344909998761511353136994072408", false},
    {"sqrt(pi)", "1.7724538509055160272981674833411451827975494561224", false},
    {"e", "2.7182818284590452353602874713526624977572470937", false},
    {"exp(1)", "2.7182818284590452353602874713526624977572470937", false},
    {"e^2", "7.3890560989306502272304274605750078131803155705518", false},
    {"exp(-1)", "0.36787944117144232159552377016146086744581113103177", false},
    {"exp(pi)", "23.1406926327792690057290863679485473802661062426", false},
    {"exp(200)", "7.2259737681257492581774770421893056973568744285273e+86", false},
    {"ln(2)", "0.69314718055994530941723212145817656807550013436026", false},
    {"ln(0.5)", "-0.69314718055994530941723212145817656807550013436026", false},
    {"log(10)", "2.3025850929940456840179914546843642076011014886288", false},
    {"log10(2)", "0.30102999566398119521373889472449302676818988146211", false},
    {"log2(3)", "1.5849625007211561814537389439478165087598144076925", false},
    {"sin(1)", "0.84147098480789650665250232163029899962256306079837", false},
    {"cos(1)", "0.54030230586813971740093660744297660373231042061792", false},
    {"sin(pi)", "0", false},
    {"cos(pi)", "-1", false},
    {"sin(pi/6)", "0.5", false},
    {"cos(pi/3)", "0.5", false},
    {"tan(pi/4)", "1", false},
    {"sin(pi/2)", "1", false},
    {"sin(-pi)", "0", false},
    {"cos(pi/2)", "0", false},
    {"atan(1)*4", "3.1415926535897932384626433832795028841971693993751", false},
    {"asin(1)*2", "3.1415926535897932384626433832795028841971693993751", false},
    {"acos(-1)", "3.1415926535897932384626433832795028841971693993751", false},
    {"atan2(1, 1)*4", "3.1415926535897932384626433832795028841971693993751", false},
    {"exp(ln(5))", "5", false},
    {"sqrt(2)^2", "2", false},
    {"sqrt(2)^2 - 2", "0", false},
    {"sqrt(2)*sqrt(2)", "2", false},
    {"pi*10^70", "3.1415926535897932384626433832795028841971693993751e+70", false},
    {"pi/10^20", "3.1415926535897932384626433832795028841971693993751e-20", false},
    {"1e-12*pi", "3.1415926535897932384626433832795028841971693993751e-12", false},
    {"(1 + sqrt(5))/2", "1.6180339887498948482045868343656381177203091798058", false},
    {"floor(pi)", "3", true},
    {"ceil(e)", "3", true},
    {"round(sqrt(2)*1000)", "1414", true},
    {"floor(sqrt(2)^2)", "2", true},
    {"factorial(sqrt(2)^2)", "2", true},
    {"gcd(sqrt(2)^2, 4)", "2", true},
    {"round(pi, 4)", "3.1416", true},
};

INSTANTIATE_TEST_SUITE_P(Integers, CalculatorTable, ::testing::ValuesIn(kIntegers));
INSTANTIATE_TEST_SUITE_P(Powers, CalculatorTable, ::testing::ValuesIn(kPowers));
INSTANTIATE_TEST_SUITE_P(Fractions, CalculatorTable, ::testing::ValuesIn(kFractions));
INSTANTIATE_TEST_SUITE_P(Literals, CalculatorTable, ::testing::ValuesIn(kLiterals));
INSTANTIATE_TEST_SUITE_P(Modulo, CalculatorTable, ::testing::ValuesIn(kModulo));
INSTANTIATE_TEST_SUITE_P(ExactFunctions, CalculatorTable, ::testing::ValuesIn(kExactFunctions));
INSTANTIATE_TEST_SUITE_P(Inexact, CalculatorTable, ::testing::ValuesIn(kInexact));

// Results that are rounded say so, and exact fractions come with their exact value.
TEST(CalculatorResult, FlagsAndFraction) {
    const calc::Result third = calc::evaluate("1/3");
    EXPECT_TRUE(third.exact);
    EXPECT_TRUE(third.rounded);
    EXPECT_EQ(third.fraction, "1/3");
    const calc::Result half = calc::evaluate("1/3 + 1/6");
    EXPECT_FALSE(half.rounded);
    EXPECT_EQ(half.fraction, "1/2");
    const calc::Result four = calc::evaluate("2+2");
    EXPECT_FALSE(four.rounded);
    EXPECT_FALSE(four.fraction.has_value());
    const calc::Result root = calc::evaluate("sqrt(2)");
    EXPECT_FALSE(root.exact);
    EXPECT_TRUE(root.rounded);
    EXPECT_FALSE(root.fraction.has_value());
}

TEST(CalculatorResult, PrecisionDigits) {
    calc::Options options;
    options.precision_digits = 10;
    EXPECT_EQ(calc::evaluate("1/3", options).text, "0.3333333333");
    EXPECT_EQ(calc::evaluate("2/3", options).text, "0.6666666667");
    EXPECT_EQ(calc::evaluate("sqrt(2)", options).text, "1.414213562");
    EXPECT_EQ(calc::evaluate("exp(200)", options).text, "7.225973768e+86");
    EXPECT_EQ(calc::evaluate("10^12/3", options).text, "3.333333333e+11");
    // Exact results are never rounded.
    EXPECT_EQ(calc::evaluate("2^64", options).text, "18446744073709551616");
    EXPECT_EQ(calc::evaluate("1/1024", options).text, "0.0009765625");
    options.precision_digits = 1;
    EXPECT_EQ(calc::evaluate("2/3", options).text, "0.7");
    EXPECT_EQ(calc::evaluate("9.6 + 1/300", options).text, "1e+1");
}

TEST(CalculatorResult, Degrees) {
    calc::Options options;
    options.angle_unit = calc::AngleUnit::degrees;
    EXPECT_EQ(calc::evaluate("sin(30)", options).text, "0.5");
    EXPECT_EQ(calc::evaluate("cos(60)", options).text, "0.5");
    EXPECT_EQ(calc::evaluate("tan(45)", options).text, "1");
    EXPECT_EQ(calc::evaluate("sin(180)", options).text, "0");
    EXPECT_EQ(calc::evaluate("asin(1)", options).text, "90");
    EXPECT_EQ(calc::evaluate("atan2(1, 1)", options).text, "45");
    EXPECT_EQ(calc::evaluate("acos(-1)", options).text, "180");
    EXPECT_THROW(calc::evaluate("tan(90)", options), calc::CalcError);
}

TEST(CalculatorResult, BigExactResults) {
    EXPECT_EQ(calc::evaluate("factorial(3000)").text.size(), 9131u);
    EXPECT_EQ(calc::evaluate("2^33000").text.size(), 9934u);
    EXPECT_EQ(calc::evaluate("10^9999").text, "1" + std::string(9999, '0'));
    EXPECT_EQ(calc::evaluate("(10^9999 + 1) - 10^9999").text, "1");
}

} // namespace
