// The calculator's value type: an exact rational (rational.hpp) as long as every step can stay
// exact, otherwise a binary float with 80 decimal digits (cpp_bin_float). Results are printed with
// at most 60 significant digits, so a float carries 20 guard digits that absorb rounding error.
#pragma once

#include "rational.hpp"

#include <boost/multiprecision/cpp_bin_float.hpp>

#include <stdexcept>
#include <string>
#include <variant>

namespace tinyllm::calculator {

// Working precision of Real in decimal digits, and the largest precision a result may be printed
// with: the difference is the guard digits.
inline constexpr unsigned kWorkingDigits = 80;
inline constexpr int kMaxPrintDigits = 60;

// Expression templates off: simpler types in function signatures, and nothing here is hot enough
// for them to matter.
using Real = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<kWorkingDigits>,
                                           boost::multiprecision::et_off>;

// Every value, exact or not, must stay below 10^kMaxDecimalDigits in magnitude, and exact
// numerators/denominators below that many digits; an inexact non-zero value must stay above
// 10^-kMaxDecimalDigits. This bounds memory and time of every operation.
inline constexpr long kMaxDecimalDigits = 10000;
// kMaxDecimalDigits * log2(10), rounded up.
inline constexpr long kMaxBits = 33220;

// An arithmetic failure (domain, division by zero, size). The message has no position: the
// evaluator appends the column of the operator or function that failed.
class NumberError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throw NumberError "result too large (limit: 1e10000)" / "result too small (limit: 1e-10000)".
[[noreturn]] void too_large_error();
[[noreturn]] void too_small_error();

class Number {
public:
    Number() : value_(Rational(0)) {}
    Number(Rational r); // NOLINT(google-explicit-constructor): exact values are the default
    Number(Real r);     // NOLINT(google-explicit-constructor)
    static Number integer(long long v) { return Number(Rational(v)); }

    bool exact() const noexcept { return std::holds_alternative<Rational>(value_); }
    const Rational &rational() const { return std::get<Rational>(value_); }
    const Real &real_value() const { return std::get<Real>(value_); }
    // The value as a Real (converted when exact).
    Real to_real() const;

    int sign() const;
    bool is_zero() const { return sign() == 0; }
    // True for an exact integer, or an inexact value within rounding error of one.
    bool is_integer() const;
    // The integer value; requires is_integer().
    Integer to_integer() const;

private:
    std::variant<Rational, Real> value_;
};

// Checks a computed Real: not NaN/infinite and inside the magnitude limits. Returns it, or zero
// when it is only rounding noise relative to `scale` (the magnitude of the operands).
Real checked(const Real &value, const Real &scale);
Real checked(const Real &value);

Number operator-(const Number &a);
Number add(const Number &a, const Number &b);
Number subtract(const Number &a, const Number &b);
Number multiply(const Number &a, const Number &b);
Number divide(const Number &a, const Number &b);
// Floored modulo (Python's %): a - b*floor(a/b); the result has the sign of b.
Number modulo(const Number &a, const Number &b);
Number power(const Number &base, const Number &exponent);
int compare(const Number &a, const Number &b);

// floor(a) for an exact rational.
Integer floor_of(const Rational &a);
// The integer k-th root of n >= 0 when n is a perfect k-th power.
bool exact_root(const Integer &n, unsigned k, Integer &root);

} // namespace tinyllm::calculator
