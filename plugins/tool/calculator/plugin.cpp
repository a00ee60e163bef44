// The calculator tool component: arguments {"expression": "..."} in, the exact (or precisely
// rounded) answer out. The evaluator itself lives in the core library (calculator.hpp).
#include "calculator.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

namespace {

namespace calc = tinyllm::calculator;
namespace json = tinyllm::json;
using tinyllm::ErrorCode;
using tinyllm::sdk::Error;

constexpr const char *kParametersSchema = R"json({
  "type": "object",
  "properties": {
    "expression": {
      "type": "string",
      "description": "An arithmetic expression such as \"123456789 * 987654321\", \"2^100\", \"(1/3 + 1/6) * 12\" or \"sqrt(2)\". Operators: + - * / % (remainder) ^ (power) ! (factorial) and parentheses. Functions: sqrt cbrt exp ln log log2 log10 sin cos tan asin acos atan atan2 abs floor ceil round trunc sign min max factorial gcd lcm mod. log(x) is the natural logarithm, log(b, x) the logarithm in base b. Constants: pi, e. Write * explicitly (2*pi, not 2pi)."
    }
  },
  "required": ["expression"],
  "additionalProperties": false
})json";

constexpr const char *kSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "max_length": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1000,
                   "description": "Longest expression accepted, in characters."},
    "precision_digits": {"type": "integer", "minimum": 1, "maximum": 60, "default": 50,
                         "description": "Significant digits of results that are not exact decimals (1/3, sqrt(2))."},
    "angle_unit": {"type": "string", "enum": ["radians", "degrees"], "default": "radians",
                   "description": "Unit of the arguments of sin/cos/tan and of the results of asin/acos/atan/atan2."}
  }
})json";

calc::Options parse_options(std::string_view config_json) {
    try {
        const json::Document config =
            json::parse_object(config_json, "calculator config", ErrorCode::invalid_argument);
        calc::Options options;
        // The host has checked the config against kSchema; these checks only guard direct
        // callers of the ABI.
        if (auto v = json::get_int(config, "max_length")) {
            if (*v < 1 || *v > 100000)
                throw Error(TLLM_ERR_INVALID_ARGUMENT, "max_length must be 1..100000");
            options.max_length = static_cast<size_t>(*v);
        }
        if (auto v = json::get_int(config, "precision_digits")) {
            if (*v < 1 || *v > calc::kMaxPrintDigits)
                throw Error(TLLM_ERR_INVALID_ARGUMENT, "precision_digits must be 1..60");
            options.precision_digits = static_cast<int>(*v);
        }
        if (auto v = json::get_string(config, "angle_unit")) {
            if (*v == "degrees") {
                options.angle_unit = calc::AngleUnit::degrees;
            } else if (*v != "radians") {
                throw Error(TLLM_ERR_INVALID_ARGUMENT,
                            "angle_unit must be \"radians\" or \"degrees\"");
            }
        }
        return options;
    } catch (const tinyllm::Error &e) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
}

std::string expression_of(std::string_view arguments_json) {
    try {
        const json::Document args =
            json::parse_object(arguments_json, "calculator arguments", ErrorCode::invalid_argument);
        return json::require_string(args, "expression", "calculator arguments",
                                    ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
}

class CalculatorTool final : public tinyllm::sdk::Tool {
public:
    static constexpr const char *kName = "calculator";
    static constexpr const char *kDescription =
        "Evaluates an arithmetic expression (+ - * / % ^ !, sqrt, ln, log, sin, factorial, gcd...) "
        "and returns the answer: exact for integers and fractions (no rounding, up to 10000 "
        "digits), 50 significant digits otherwise; use it instead of calculating yourself.";
    static constexpr const char *kConfigSchema = kSchema;
    static constexpr const char *kParameters = kParametersSchema;

    CalculatorTool(tinyllm::sdk::Host, std::string_view config_json)
        : options_(parse_options(config_json)) {
        // Boost computes constants (pi, ln 2...) and function-local statics on first use. Do it
        // here, on the load thread, so that concurrent invocations only ever read them.
        (void)calc::evaluate("exp(1) + ln(3) + sin(1) + cos(1) + tan(1) + asin(0.5) + acos(0.5) + "
                             "atan(2) + atan2(1, 2) + sqrt(2) + cbrt(2) + 2^0.5 + pi + e + tau + "
                             "floor(pi) + 1/3 % 1/4");
    }

    std::string invoke(tinyllm::sdk::Call &, std::string_view arguments_json) override {
        const std::string expression = expression_of(arguments_json);
        calc::Result result;
        try {
            result = calc::evaluate(expression, options_);
        } catch (const calc::CalcError &e) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
        }
        std::string extra = ",\"value\":\"" + tinyllm::sdk::json_escape(result.text) + "\"";
        extra += ",\"exact\":";
        extra += result.exact ? "true" : "false";
        extra += ",\"rounded\":";
        extra += result.rounded ? "true" : "false";
        if (result.fraction) {
            extra += ",\"fraction\":\"" + tinyllm::sdk::json_escape(*result.fraction) + "\"";
        }
        return tinyllm::sdk::tool_result(result.text, false, extra);
    }

private:
    calc::Options options_;
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.tool.calculator",
    .name = "Calculator tool",
    .version = "0.1.0",
    .description = "An exact calculator for models and users: integer and rational arithmetic "
                   "without rounding, 50-digit decimals for everything else, and error messages "
                   "that name the column.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

TINYLLM_PLUGIN(kInfo, CalculatorTool)
