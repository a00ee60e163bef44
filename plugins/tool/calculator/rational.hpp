// An exact fraction of cpp_ints, always in lowest terms with a positive denominator.
//
// Why not cpp_rational: Boost 1.74 normalises every result with a binary GCD that is quadratic
// in the size of the operands even when one of them is 1 (adding 1 to a 33,000-bit integer took
// about 10 ms, a chain of such additions seconds). Here integers skip the GCD entirely, and the
// GCD is Euclid's, which is one cheap division when either operand is small.
#pragma once

// GCC 12 at -O2 reports a false "may be used uninitialized" inside cpp_int (a union member of
// its small-buffer optimisation) when a cpp_int is converted to cpp_bin_float. The warning
// location is in this header, so it must be silenced around the first include of it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/multiprecision/cpp_int.hpp>
#pragma GCC diagnostic pop

namespace tinyllm::calculator {

using Integer = boost::multiprecision::cpp_int;

Integer euclid_gcd(Integer a, Integer b);

class Rational {
public:
    Rational() = default;
    Rational(Integer n) : num_(std::move(n)) {} // NOLINT(google-explicit-constructor)
    Rational(long long n) : num_(n) {}          // NOLINT(google-explicit-constructor)
    Rational(Integer n, Integer d);             // d != 0

    const Integer &num() const noexcept { return num_; }
    const Integer &den() const noexcept { return den_; }
    bool is_integer() const { return den_ == 1; }
    int sign() const { return num_.sign(); }
    int compare(const Rational &other) const;

    friend Rational operator-(const Rational &a) { return Rational(-a.num_, a.den_, Reduced{}); }
    friend Rational operator+(const Rational &a, const Rational &b);
    friend Rational operator-(const Rational &a, const Rational &b) { return a + (-b); }
    friend Rational operator*(const Rational &a, const Rational &b);
    friend Rational operator/(const Rational &a, const Rational &b); // b != 0
    friend bool operator==(const Rational &a, const Rational &b) {
        return a.num_ == b.num_ && a.den_ == b.den_;
    }
    // a^e. The powers of a reduced fraction are reduced: no GCD of the two big results (on
    // 10,000-digit terms that GCD was most of the time of 0.588^4221).
    friend Rational pow(const Rational &a, unsigned e);
    friend Rational abs(const Rational &a) {
        return Rational(a.num_.sign() < 0 ? Integer(-a.num_) : a.num_, a.den_, Reduced{});
    }

private:
    struct Reduced {};
    Rational(Integer n, Integer d, Reduced) : num_(std::move(n)), den_(std::move(d)) {}

    Integer num_ = 0;
    Integer den_ = 1;
};

} // namespace tinyllm::calculator
