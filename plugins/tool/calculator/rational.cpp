#include "rational.hpp"

#include <utility>

namespace tinyllm::calculator {

Integer euclid_gcd(Integer a, Integer b) {
    if (a.sign() < 0) a = -a;
    if (b.sign() < 0) b = -b;
    while (b != 0) {
        Integer r = a % b;
        a = std::move(b);
        b = std::move(r);
    }
    return a;
}

Rational::Rational(Integer n, Integer d) {
    if (d.sign() < 0) {
        n = -n;
        d = -d;
    }
    const Integer g = euclid_gcd(n, d);
    if (g > 1) {
        n /= g;
        d /= g;
    }
    num_ = std::move(n);
    den_ = std::move(d);
}

int Rational::compare(const Rational &other) const {
    if (den_ == 1 && other.den_ == 1) return num_.compare(other.num_);
    const Integer lhs = num_ * other.den_, rhs = other.num_ * den_;
    return lhs.compare(rhs);
}

Rational operator+(const Rational &a, const Rational &b) {
    if (a.den_ == 1 && b.den_ == 1) return Rational(a.num_ + b.num_);
    // Knuth's method: the GCDs stay as small as the denominators allow.
    const Integer g = euclid_gcd(a.den_, b.den_);
    if (g == 1) {
        return Rational(a.num_ * b.den_ + b.num_ * a.den_, a.den_ * b.den_, Rational::Reduced{});
    }
    const Integer t = a.num_ * (b.den_ / g) + b.num_ * (a.den_ / g);
    const Integer g2 = euclid_gcd(t, g);
    return Rational(t / g2, (a.den_ / g) * (b.den_ / g2), Rational::Reduced{});
}

Rational operator*(const Rational &a, const Rational &b) {
    if (a.den_ == 1 && b.den_ == 1) return Rational(a.num_ * b.num_);
    const Integer g1 = euclid_gcd(a.num_, b.den_), g2 = euclid_gcd(b.num_, a.den_);
    return Rational((a.num_ / g1) * (b.num_ / g2), (a.den_ / g2) * (b.den_ / g1),
                    Rational::Reduced{});
}

Rational pow(const Rational &a, unsigned e) {
    return Rational(boost::multiprecision::pow(a.num_, e), boost::multiprecision::pow(a.den_, e),
                    Rational::Reduced{});
}

Rational operator/(const Rational &a, const Rational &b) {
    Integer n = b.den_, d = b.num_;
    if (d.sign() < 0) {
        n = -n;
        d = -d;
    }
    return a * Rational(std::move(n), std::move(d), Rational::Reduced{});
}

} // namespace tinyllm::calculator
