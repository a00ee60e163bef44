#include "calculator.hpp"

#include "format.hpp"
#include "lexer.hpp"
#include "parser.hpp"

#include <algorithm>

namespace tinyllm::calculator {

namespace mp = boost::multiprecision;

namespace {

std::string at(size_t column) {
    return " at column " + std::to_string(column);
}

std::string suggestion(std::string_view name) {
    const auto s = suggest_name(name);
    return s ? " (did you mean " + *s + "?)" : "";
}

// An exact rational from a literal: "12.5e-3" = 125 * 10^(-1-3).
Number literal(const std::string &text, size_t column) {
    const size_t e_pos = text.find_first_of("eE");
    const std::string mantissa = text.substr(0, e_pos);
    const size_t dot = mantissa.find('.');
    std::string digits = mantissa;
    long scale = 0;
    if (dot != std::string::npos) {
        digits.erase(dot, 1);
        scale = -static_cast<long>(mantissa.size() - dot - 1);
    }
    const size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos) return Number::integer(0);
    digits.erase(0, first);
    if (e_pos != std::string::npos) {
        const std::string exp = text.substr(e_pos + 1);
        const bool negative = exp[0] == '-';
        const std::string magnitude = exp.substr(exp[0] == '-' || exp[0] == '+' ? 1 : 0);
        // More than 8 exponent digits is out of range whatever the mantissa.
        const long value = magnitude.size() > 8 ? kMaxDecimalDigits * 10 : std::stol(magnitude);
        scale += negative ? -value : value;
    }
    const long size = static_cast<long>(digits.size()) + scale;
    if (size > kMaxDecimalDigits) {
        throw CalcError(column, "number " + text + " too large (limit: 1e" +
                                    std::to_string(kMaxDecimalDigits) + ")" + at(column));
    }
    if (-scale > kMaxDecimalDigits) {
        throw CalcError(column, "number " + text + " too small (limit: 1e-" +
                                    std::to_string(kMaxDecimalDigits) + ")" + at(column));
    }
    Integer n(digits);
    Integer p = mp::pow(Integer(10), static_cast<unsigned>(std::labs(scale)));
    return Number(scale >= 0 ? Rational(n * p) : Rational(n, p));
}

std::string arity(const Function &f) {
    const auto plural = [](size_t n) { return n == 1 ? " argument" : " arguments"; };
    if (f.max_args == SIZE_MAX)
        return "at least " + std::to_string(f.min_args) + plural(f.min_args);
    if (f.min_args == f.max_args) return std::to_string(f.min_args) + plural(f.min_args);
    return std::to_string(f.min_args) + " or " + std::to_string(f.max_args) + " arguments";
}

class Evaluator {
public:
    explicit Evaluator(const Options &options) : context_{options.angle_unit} {}

    Number eval(const Node &node) {
        switch (node.kind) {
        case NodeKind::number: return literal(node.text, node.column);
        case NodeKind::name: return name(node);
        case NodeKind::call: return call(node);
        case NodeKind::negate: return -eval(node.children[0]);
        case NodeKind::chain: return chain(node);
        case NodeKind::power: {
            const Number base = eval(node.children[0]);
            const Number exponent = eval(node.children[1]);
            return guarded(node.column, [&] { return power(base, exponent); });
        }
        case NodeKind::factorial: {
            const Number n = eval(node.children[0]);
            return guarded(node.column, [&] { return factorial(n); });
        }
        }
        throw CalcError(node.column, "internal error: unknown node" + at(node.column));
    }

private:
    // Runs one operation and puts the column of its operator or function into a failure.
    template <class F> static Number guarded(size_t column, F &&f) {
        try {
            return f();
        } catch (const NumberError &e) {
            throw CalcError(column, e.what() + at(column));
        }
    }

    Number name(const Node &node) {
        if (auto value = find_constant(node.text)) return *value;
        if (find_function(node.text) != nullptr) {
            throw CalcError(node.column, "'" + node.text + "' is a function: write " + node.text +
                                             "(...)" + at(node.column));
        }
        throw CalcError(node.column, "unknown identifier '" + node.text + "'" + at(node.column) +
                                         suggestion(node.text));
    }

    Number call(const Node &node) {
        const Function *f = find_function(node.text);
        if (f == nullptr) {
            if (find_constant(node.text)) {
                throw CalcError(node.column, "'" + node.text + "' is a constant, not a function" +
                                                 at(node.column));
            }
            throw CalcError(node.column, "unknown function '" + node.text + "'" + at(node.column) +
                                             suggestion(node.text));
        }
        const size_t n = node.children.size();
        if (n < f->min_args || n > f->max_args) {
            throw CalcError(node.column, std::string(f->name) + " takes " + arity(*f) + ", got " +
                                             std::to_string(n) + at(node.column));
        }
        std::vector<Number> args;
        args.reserve(n);
        for (const Node &child : node.children)
            args.push_back(eval(child));
        return guarded(node.column, [&] { return f->apply(args, context_); });
    }

    Number chain(const Node &node) {
        Number acc = eval(node.children[0]);
        for (size_t i = 0; i < node.ops.size(); ++i) {
            const Number rhs = eval(node.children[i + 1]);
            acc = guarded(node.op_columns[i], [&] {
                switch (node.ops[i]) {
                case TokenKind::plus: return add(acc, rhs);
                case TokenKind::minus: return subtract(acc, rhs);
                case TokenKind::star: return multiply(acc, rhs);
                case TokenKind::slash: return divide(acc, rhs);
                default: return modulo(acc, rhs);
                }
            });
        }
        return acc;
    }

    FunctionContext context_;
};

size_t characters(std::string_view s) {
    return static_cast<size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

} // namespace

Result evaluate(std::string_view expression, const Options &options) {
    const size_t length = characters(expression);
    if (length > options.max_length) {
        throw CalcError(options.max_length + 1, "expression too long (" + std::to_string(length) +
                                                    " characters; the limit is " +
                                                    std::to_string(options.max_length) + ")");
    }
    if (expression.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        throw CalcError(1, "empty expression");
    }
    const int digits = std::clamp(options.precision_digits, 1, kMaxPrintDigits);
    const Node root = parse(tokenize(expression), options.max_depth);
    const Number value = Evaluator(options).eval(root);
    Formatted f = format_number(value, digits);
    return Result{std::move(f.text), value.exact(), f.rounded, std::move(f.fraction)};
}

} // namespace tinyllm::calculator
