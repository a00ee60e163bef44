// The calculator tool's evaluator (plugins/tool/calculator): the input is the "expression" a
// model passes, evaluated by calculator::evaluate with the plugin's default options (1000
// characters, 50 digits, radians; again in degrees when it names a trigonometric function) —
// the call the tool's invoke makes. Lexer, parser (nesting limit), exact rationals, big
// integers (10000-digit limit), factorials, functions and formatting all run.
// Expected: CalcError. Findings besides crashes: any other exception, a hang (-timeout), an
// empty result, an exact non-integer without its fraction.
#include "calculator.hpp"
#include "fuzz_support.hpp"

#include <string_view>

namespace {

namespace calc = tinyllm::calculator;

void evaluate_checked(std::string_view expression, const calc::Options &options) {
    try {
        const calc::Result result = calc::evaluate(expression, options);
        if (result.text.empty()) tinyllm::fuzz::fail("an empty result", expression);
        if (result.fraction && !result.exact) {
            tinyllm::fuzz::fail("a fraction for a result that is not exact", expression);
        }
    } catch (const calc::CalcError &) {
        // The documented error: a syntax or domain error, or a limit, with its column.
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view expression(reinterpret_cast<const char *>(data), size);
    try {
        evaluate_checked(expression, calc::Options{});
        if (expression.find("sin") != std::string_view::npos ||
            expression.find("cos") != std::string_view::npos ||
            expression.find("tan") != std::string_view::npos) {
            calc::Options degrees;
            degrees.angle_unit = calc::AngleUnit::degrees;
            evaluate_checked(expression, degrees);
        }
    } catch (const std::exception &e) {
        tinyllm::fuzz::fail_unexpected(e);
    }
    return 0;
}
