#include "functions.hpp"

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>

namespace tinyllm::calculator {

namespace mp = boost::multiprecision;

namespace {

using Args = std::vector<Number>;

const Real &pi() {
    static const Real value = boost::math::constants::pi<Real>();
    return value;
}

// ln(10^kMaxDecimalDigits): exp() of anything beyond is out of range.
const Real &exp_limit() {
    static const Real value = Real(kMaxDecimalDigits) * mp::log(Real(10));
    return value;
}

Real to_radians(const Number &x, const FunctionContext &c) {
    const Real r = x.to_real();
    return c.angle_unit == AngleUnit::degrees ? r * pi() / 180 : r;
}

Number from_radians(const Real &r, const FunctionContext &c) {
    return Number(checked(c.angle_unit == AngleUnit::degrees ? r * 180 / pi() : r));
}

void check_trig_argument(const Real &radians, std::string_view name) {
    // Reducing a larger argument modulo 2*pi would use up the guard digits.
    static const Real limit("1e20");
    if (mp::abs(radians) > limit) {
        throw NumberError(std::string(name) + " argument too large (limit: 1e20 radians)");
    }
}

Number exact_or(const Number &x, long long exact_at, long long exact_value, Real (*f)(const Real &),
                const Real &scale) {
    if (x.exact() && x.rational() == exact_at) return Number::integer(exact_value);
    const Real r = x.to_real();
    return Number(checked(f(r), scale));
}

void require_positive(const Number &x, const std::string &what) {
    if (x.is_zero()) throw NumberError(what + " of zero is undefined");
    if (x.sign() < 0) throw NumberError(what + " of a negative number");
}

// log_b(x) as an exact integer when x is an exact integer power of an exact b (log10(1000) = 3).
std::optional<Number> exact_log(const Number &base, const Number &x, const Real &approx) {
    if (!base.exact() || !x.exact()) return std::nullopt;
    const Real k = mp::round(approx);
    if (mp::abs(approx - k) > Real("1e-40") || mp::abs(k) > kMaxBits) return std::nullopt;
    const Number candidate = Number::integer(k.convert_to<long long>());
    try {
        if (compare(power(base, candidate), x) == 0) return candidate;
    } catch (const NumberError &) {
    }
    return std::nullopt;
}

Number log_base(const Number &base, const Number &x) {
    require_positive(x, "log");
    if (base.sign() <= 0 || compare(base, Number::integer(1)) == 0) {
        throw NumberError("log base must be positive and not 1");
    }
    const Real r = mp::log(x.to_real()) / mp::log(base.to_real());
    if (auto exact = exact_log(base, x, r)) return *exact;
    return Number(checked(r));
}

Number f_sqrt(const Args &a, const FunctionContext &) {
    const Number &x = a[0];
    if (x.sign() < 0) throw NumberError("sqrt of a negative number");
    if (x.exact()) {
        Integer n, d;
        if (exact_root(x.rational().num(), 2, n) && exact_root(x.rational().den(), 2, d)) {
            return Number(Rational(n, d));
        }
    }
    return Number(checked(mp::sqrt(x.to_real())));
}

Number f_cbrt(const Args &a, const FunctionContext &) {
    const Number &x = a[0];
    const Number m = x.sign() < 0 ? -x : x;
    if (m.exact()) {
        Integer n, d;
        if (exact_root(m.rational().num(), 3, n) && exact_root(m.rational().den(), 3, d)) {
            const Number r(Rational(n, d));
            return x.sign() < 0 ? -r : r;
        }
    }
    const Number r(checked(mp::pow(m.to_real(), Real(1) / 3)));
    return x.sign() < 0 ? -r : r;
}

Number f_exp(const Args &a, const FunctionContext &) {
    const Number &x = a[0];
    if (x.is_zero()) return Number::integer(1);
    const Real r = x.to_real();
    if (r > exp_limit()) too_large_error();
    if (r < -exp_limit()) too_small_error();
    return Number(checked(mp::exp(r)));
}

Number f_ln(const Args &a, const FunctionContext &) {
    require_positive(a[0], "ln");
    return exact_or(
        a[0], 1, 0, [](const Real &r) { return Real(mp::log(r)); }, Real(0));
}

Number f_log(const Args &a, const FunctionContext &c) {
    if (a.size() == 2) return log_base(a[0], a[1]);
    require_positive(a[0], "log");
    return f_ln(a, c);
}

Number f_log2(const Args &a, const FunctionContext &) {
    return log_base(Number::integer(2), a[0]);
}

Number f_log10(const Args &a, const FunctionContext &) {
    return log_base(Number::integer(10), a[0]);
}

Number f_sin(const Args &a, const FunctionContext &c) {
    if (a[0].is_zero()) return Number::integer(0);
    const Real r = to_radians(a[0], c);
    check_trig_argument(r, "sin");
    // sin(pi) is rounding noise relative to the argument: checked() turns it into 0.
    return Number(checked(mp::sin(r), std::max(Real(1), mp::abs(r))));
}

Number f_cos(const Args &a, const FunctionContext &c) {
    if (a[0].is_zero()) return Number::integer(1);
    const Real r = to_radians(a[0], c);
    check_trig_argument(r, "cos");
    return Number(checked(mp::cos(r), std::max(Real(1), mp::abs(r))));
}

Number f_tan(const Args &a, const FunctionContext &c) {
    if (a[0].is_zero()) return Number::integer(0);
    const Real r = to_radians(a[0], c);
    check_trig_argument(r, "tan");
    const Real scale = std::max(Real(1), mp::abs(r));
    const Real cosine = checked(mp::cos(r), scale);
    if (cosine == 0) throw NumberError("tan is undefined at odd multiples of pi/2");
    return Number(checked(checked(mp::sin(r), scale) / cosine));
}

void check_unit_interval(const Number &x, const char *name) {
    if (compare(x, Number::integer(1)) > 0 || compare(x, Number::integer(-1)) < 0) {
        throw NumberError(std::string(name) + " is defined only for -1 <= x <= 1");
    }
}

Number f_asin(const Args &a, const FunctionContext &c) {
    check_unit_interval(a[0], "asin");
    if (a[0].is_zero()) return Number::integer(0);
    return from_radians(mp::asin(a[0].to_real()), c);
}

Number f_acos(const Args &a, const FunctionContext &c) {
    check_unit_interval(a[0], "acos");
    if (a[0].exact() && a[0].rational() == 1) return Number::integer(0);
    return from_radians(mp::acos(a[0].to_real()), c);
}

Number f_atan(const Args &a, const FunctionContext &c) {
    if (a[0].is_zero()) return Number::integer(0);
    return from_radians(mp::atan(a[0].to_real()), c);
}

Number f_atan2(const Args &a, const FunctionContext &c) {
    if (a[0].is_zero() && a[1].is_zero()) throw NumberError("atan2(0, 0) is undefined");
    if (a[0].is_zero() && a[1].sign() > 0) return Number::integer(0);
    return from_radians(mp::atan2(a[0].to_real(), a[1].to_real()), c);
}

Number f_abs(const Args &a, const FunctionContext &) {
    return a[0].sign() < 0 ? -a[0] : a[0];
}

// floor/ceil/trunc of an inexact value: an exact integer, unless the value is so large that its
// integer digits are beyond the working precision (then it stays as it is).
template <class F> Number integral(const Number &x, F exact_fn, Real (*real_fn)(const Real &)) {
    if (x.exact()) return Number(Rational(exact_fn(x.rational())));
    if (x.is_integer()) return Number(Rational(x.to_integer()));
    const Real &r = x.real_value();
    if (mp::abs(r) >= Real("1e70")) return x;
    return Number(Rational(real_fn(r).convert_to<Integer>()));
}

Integer ceil_of(const Rational &q) {
    return -floor_of(-q);
}
Integer round_of(const Rational &q) { // half away from zero
    const Integer f = floor_of(abs(q) + Rational(1, 2));
    return q.sign() < 0 ? Integer(-f) : f;
}
Integer trunc_of(const Rational &q) {
    return q.sign() < 0 ? ceil_of(q) : floor_of(q);
}

Number f_floor(const Args &a, const FunctionContext &) {
    return integral(a[0], floor_of, [](const Real &r) { return Real(mp::floor(r)); });
}
Number f_ceil(const Args &a, const FunctionContext &) {
    return integral(a[0], ceil_of, [](const Real &r) { return Real(mp::ceil(r)); });
}
Number f_trunc(const Args &a, const FunctionContext &) {
    return integral(a[0], trunc_of, [](const Real &r) { return Real(mp::trunc(r)); });
}

Number f_round(const Args &a, const FunctionContext &) {
    auto round_real = [](const Real &r) { return Real(mp::round(r)); };
    if (a.size() == 1) return integral(a[0], round_of, round_real);
    // round(x, n): n decimal places (negative n rounds to tens, hundreds...).
    if (!a[1].is_integer()) throw NumberError("round: the number of decimals must be an integer");
    const Integer n = a[1].to_integer();
    if (mp::abs(n) > 1000) throw NumberError("round: the number of decimals must be within 1000");
    const Number scale = power(Number::integer(10), Number(Rational(n)));
    return divide(integral(multiply(a[0], scale), round_of, round_real), scale);
}

Number f_sign(const Args &a, const FunctionContext &) {
    return Number::integer(a[0].sign());
}

Number f_min(const Args &a, const FunctionContext &) {
    return *std::min_element(a.begin(), a.end(),
                             [](const Number &x, const Number &y) { return compare(x, y) < 0; });
}
Number f_max(const Args &a, const FunctionContext &) {
    return *std::max_element(a.begin(), a.end(),
                             [](const Number &x, const Number &y) { return compare(x, y) < 0; });
}

Integer integer_argument(const Number &x, const char *name) {
    if (!x.is_integer()) throw NumberError(std::string(name) + " needs integer arguments");
    return x.to_integer();
}

Number f_gcd(const Args &a, const FunctionContext &) {
    Integer g = 0;
    for (const Number &x : a)
        g = euclid_gcd(g, integer_argument(x, "gcd"));
    return Number(Rational(g));
}

Number f_lcm(const Args &a, const FunctionContext &) {
    Integer l = 1;
    for (const Number &x : a) {
        const Integer v = mp::abs(integer_argument(x, "lcm"));
        if (v == 0) return Number::integer(0);
        l = l / euclid_gcd(l, v) * v;
        (void)Number(Rational(l)); // throws when the result is beyond the size limit
    }
    return Number(Rational(l));
}

Number f_factorial(const Args &a, const FunctionContext &) {
    return factorial(a[0]);
}

Number f_mod(const Args &a, const FunctionContext &) {
    return modulo(a[0], a[1]);
}

constexpr size_t kAny = SIZE_MAX;

constexpr std::array kFunctions = {
    Function{"abs", 1, 1, f_abs},     Function{"acos", 1, 1, f_acos},
    Function{"asin", 1, 1, f_asin},   Function{"atan", 1, 1, f_atan},
    Function{"atan2", 2, 2, f_atan2}, Function{"cbrt", 1, 1, f_cbrt},
    Function{"ceil", 1, 1, f_ceil},   Function{"cos", 1, 1, f_cos},
    Function{"exp", 1, 1, f_exp},     Function{"factorial", 1, 1, f_factorial},
    Function{"floor", 1, 1, f_floor}, Function{"gcd", 2, kAny, f_gcd},
    Function{"lcm", 2, kAny, f_lcm},  Function{"ln", 1, 1, f_ln},
    Function{"log", 1, 2, f_log},     Function{"log10", 1, 1, f_log10},
    Function{"log2", 1, 1, f_log2},   Function{"max", 1, kAny, f_max},
    Function{"min", 1, kAny, f_min},  Function{"mod", 2, 2, f_mod},
    Function{"round", 1, 2, f_round}, Function{"sign", 1, 1, f_sign},
    Function{"sin", 1, 1, f_sin},     Function{"sqrt", 1, 1, f_sqrt},
    Function{"tan", 1, 1, f_tan},     Function{"trunc", 1, 1, f_trunc},
};

constexpr std::array<std::string_view, 3> kConstants = {"pi", "e", "tau"};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = up;
        }
    }
    return row[b.size()];
}

} // namespace

Number factorial(const Number &n) {
    if (n.sign() < 0) throw NumberError("factorial of a negative number");
    if (!n.is_integer()) throw NumberError("factorial of a non-integer");
    const Integer v = n.to_integer();
    if (v > kMaxFactorial) {
        throw NumberError("factorial argument too large (limit: " + std::to_string(kMaxFactorial) +
                          ")");
    }
    Integer r = 1;
    for (unsigned i = 2; i <= v.convert_to<unsigned>(); ++i)
        r *= i;
    return Number(Rational(r));
}

const Function *find_function(std::string_view name) {
    const std::string key = lower(name);
    for (const Function &f : kFunctions) {
        if (f.name == key) return &f;
    }
    return nullptr;
}

std::optional<Number> find_constant(std::string_view name) {
    const std::string key = lower(name);
    if (key == "pi") return Number(pi());
    if (key == "tau") return Number(Real(2 * pi()));
    if (key == "e") return Number(mp::exp(Real(1)));
    return std::nullopt;
}

std::optional<std::string> suggest_name(std::string_view name) {
    const std::string key = lower(name);
    std::optional<std::string> best;
    size_t best_distance = 3;
    bool best_same_start = false;
    auto consider = [&](std::string_view candidate) {
        if (candidate.size() < 2 && key.size() > 2) return; // "e" is close to every short word
        const size_t d = edit_distance(key, candidate);
        const bool same_start = !key.empty() && key[0] == candidate[0];
        if (d < best_distance || (d == best_distance && same_start && !best_same_start)) {
            best = std::string(candidate);
            best_distance = d;
            best_same_start = same_start;
        }
    };
    for (const Function &f : kFunctions)
        consider(f.name);
    for (std::string_view c : kConstants)
        consider(c);
    if (best && best_distance >= key.size()) return std::nullopt; // "x" is not a typo of "e"
    return best;
}

} // namespace tinyllm::calculator
