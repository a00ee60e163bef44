#include "number.hpp"

#include <algorithm>
#include <cmath>

namespace tinyllm::calculator {

namespace mp = boost::multiprecision;

namespace {

const Real &noise_ratio() {
    // A float result smaller than its operands by this factor is rounding noise: the operands
    // carry about kWorkingDigits digits, and results are printed with at most kMaxPrintDigits.
    static const Real ratio("1e-70");
    return ratio;
}

[[noreturn]] void too_precise() {
    throw NumberError("exact result needs more than " + std::to_string(kMaxDecimalDigits) +
                      " digits");
}

long bits_of(const Integer &n) {
    return n == 0 ? 0 : static_cast<long>(mp::msb(mp::abs(n))) + 1;
}

// Binary exponent of a non-zero Real: |x| is in [2^(e-1), 2^e).
long binary_exponent(const Real &x) {
    int e = 0;
    (void)mp::frexp(x, &e);
    return e;
}

bool is_odd(const Integer &n) {
    return mp::bit_test(mp::abs(n), 0);
}

Rational exact_integer_power(const Rational &base, const Integer &k) {
    const Integer &n = base.num();
    const Integer &d = base.den();
    if (n == 0) {
        if (k < 0) throw NumberError("division by zero (zero to a negative power)");
        return k == 0 ? Rational(1) : Rational(0);
    }
    if (mp::abs(n) == 1 && d == 1) return (n < 0 && is_odd(k)) ? Rational(-1) : Rational(1);
    if (k == 0) return Rational(1);
    // |n/d|^k has at least |k| * (bits - 1) bits in its numerator or denominator: refuse before
    // computing anything of that size.
    const long bits = std::max(bits_of(n), bits_of(d)) - 1;
    const Integer need = mp::abs(k) * bits;
    if (need > kMaxBits) {
        const bool grows = (mp::abs(n) > d) == (k > 0);
        if (grows) too_large_error();
        too_precise();
    }
    const auto e = mp::abs(k).convert_to<unsigned>();
    Rational r = pow(base, e);
    if (k < 0) r = 1 / r;
    return r;
}

} // namespace

void too_large_error() {
    throw NumberError("result too large (limit: 1e" + std::to_string(kMaxDecimalDigits) + ")");
}

void too_small_error() {
    throw NumberError("result too small (limit: 1e-" + std::to_string(kMaxDecimalDigits) + ")");
}

Number::Number(Rational r) : value_(std::move(r)) {
    const Rational &v = std::get<Rational>(value_);
    if (bits_of(v.num()) > kMaxBits) {
        if (abs(v).compare(Rational(1)) >= 0) too_large_error();
        too_precise();
    }
    if (bits_of(v.den()) > kMaxBits) too_precise();
}

Number::Number(Real r) : value_(std::move(r)) {}

Real Number::to_real() const {
    if (!exact()) return real_value();
    const Rational &r = rational();
    return Real(r.num()) / Real(r.den());
}

int Number::sign() const {
    if (exact()) return rational().sign();
    const Real &r = real_value();
    return r > 0 ? 1 : (r < 0 ? -1 : 0);
}

bool Number::is_integer() const {
    if (exact()) return rational().den() == 1;
    const Real &x = real_value();
    // Beyond the guard digits an "integer" is mostly rounding noise: do not pretend.
    if (mp::abs(x) >= Real("1e70")) return false;
    const Real r = mp::round(x);
    return mp::abs(x - r) <= mp::abs(x) * noise_ratio();
}

Integer Number::to_integer() const {
    if (exact()) return rational().num();
    return mp::round(real_value()).convert_to<Integer>();
}

Real checked(const Real &value, const Real &scale) {
    if (mp::isnan(value)) throw NumberError("result is not a real number");
    if (mp::isinf(value)) too_large_error();
    if (value == 0) return value;
    if (mp::abs(value) <= scale * noise_ratio()) return Real(0);
    const long e = binary_exponent(value);
    if (e > kMaxBits) too_large_error();
    if (e < -kMaxBits) {
        too_small_error();
    }
    return value;
}

Real checked(const Real &value) {
    return checked(value, Real(0));
}

Number operator-(const Number &a) {
    if (a.exact()) return Number(Rational(-a.rational()));
    return Number(Real(-a.real_value()));
}

Number add(const Number &a, const Number &b) {
    if (a.exact() && b.exact()) return Number(Rational(a.rational() + b.rational()));
    const Real x = a.to_real(), y = b.to_real();
    return Number(checked(x + y, std::max(mp::abs(x), mp::abs(y))));
}

Number subtract(const Number &a, const Number &b) {
    return add(a, -b);
}

Number multiply(const Number &a, const Number &b) {
    if (a.exact() && b.exact()) return Number(Rational(a.rational() * b.rational()));
    return Number(checked(a.to_real() * b.to_real()));
}

Number divide(const Number &a, const Number &b) {
    if (b.is_zero()) throw NumberError("division by zero");
    if (a.exact() && b.exact()) return Number(Rational(a.rational() / b.rational()));
    return Number(checked(a.to_real() / b.to_real()));
}

Integer floor_of(const Rational &a) {
    const Integer &n = a.num();
    const Integer &d = a.den();
    Integer q = n / d; // truncates toward zero
    if (n < 0 && q * d != n) --q;
    return q;
}

Number modulo(const Number &a, const Number &b) {
    if (b.is_zero()) throw NumberError("modulo by zero");
    if (a.exact() && b.exact()) {
        const Rational &x = a.rational(), &y = b.rational();
        return Number(Rational(x - y * Rational(floor_of(x / y))));
    }
    const Real x = a.to_real(), y = b.to_real();
    const Real q = x / y;
    if (mp::abs(q) >= Real("1e70")) {
        throw NumberError("modulo of numbers too far apart in size for the working precision");
    }
    Real fq = mp::floor(q);
    const Real nearest = mp::round(q);
    // A quotient that is an integer up to rounding noise divides evenly.
    if (mp::abs(q - nearest) <= mp::abs(q) * noise_ratio()) fq = nearest;
    return Number(checked(x - y * fq, mp::abs(x)));
}

bool exact_root(const Integer &n, unsigned k, Integer &root) {
    if (n < 2 || k == 1) {
        root = n;
        return true;
    }
    // Newton's iteration from above converges monotonically to floor(n^(1/k)).
    Integer x = Integer(1) << (mp::msb(n) / k + 1);
    for (;;) {
        const Integer y = ((k - 1) * x + n / mp::pow(x, k - 1)) / k;
        if (y >= x) break;
        x = y;
    }
    root = x;
    return mp::pow(x, k) == n;
}

namespace {

// base^(p/q) for exact base > 0 and small q when base is a perfect q-th power.
bool exact_rational_power(const Rational &base, const Rational &exponent, Rational &out) {
    const Integer &q = exponent.den();
    if (q > 64) return false;
    const auto k = q.convert_to<unsigned>();
    Integer num, den;
    if (!exact_root(base.num(), k, num)) return false;
    if (!exact_root(base.den(), k, den)) return false;
    out = exact_integer_power(Rational(num, den), exponent.num());
    return true;
}

Number real_power(const Real &base, const Real &exponent) {
    // base > 0 here. Check the size of the result from its logarithm before computing it.
    const Real log_result = exponent * mp::log(base);
    static const Real limit = Real(kMaxDecimalDigits) * mp::log(Real(10));
    if (log_result > limit) too_large_error();
    if (log_result < -limit) {
        too_small_error();
    }
    return Number(checked(mp::pow(base, exponent)));
}

} // namespace

Number power(const Number &base, const Number &exponent) {
    if (exponent.exact() && exponent.rational().den() == 1) {
        const Integer k = exponent.rational().num();
        if (base.exact()) return Number(exact_integer_power(base.rational(), k));
        if (k == 0) return Number(Rational(1));
        if (base.is_zero()) {
            if (k < 0) throw NumberError("division by zero (zero to a negative power)");
            return Number(Rational(0));
        }
        const Real magnitude = mp::abs(base.real_value());
        const Number r = real_power(magnitude, Real(k));
        return (base.sign() < 0 && is_odd(k)) ? -r : r;
    }
    if (base.is_zero()) {
        if (exponent.sign() < 0) throw NumberError("division by zero (zero to a negative power)");
        return exponent.is_zero() ? Number(Rational(1)) : Number(Rational(0));
    }
    int sign = 1;
    if (base.sign() < 0) {
        // A real odd root exists: (-8)^(1/3) = -2, (-8)^(2/3) = 4. Only an exact fraction tells
        // us the denominator is odd.
        if (!exponent.exact() || !is_odd(exponent.rational().den())) {
            throw NumberError("negative number to a non-integer power is not a real number");
        }
        sign = is_odd(exponent.rational().num()) ? -1 : 1;
    }
    const Number magnitude = base.sign() < 0 ? -base : base;
    if (magnitude.exact() && exponent.exact()) {
        Rational r;
        if (exact_rational_power(magnitude.rational(), exponent.rational(), r)) {
            return Number(Rational(sign * r));
        }
    }
    const Number r = real_power(magnitude.to_real(), exponent.to_real());
    return sign < 0 ? -r : r;
}

int compare(const Number &a, const Number &b) {
    if (a.exact() && b.exact()) return a.rational().compare(b.rational());
    const Real x = a.to_real(), y = b.to_real();
    return x < y ? -1 : (x > y ? 1 : 0);
}

} // namespace tinyllm::calculator
