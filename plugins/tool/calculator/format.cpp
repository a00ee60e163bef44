#include "format.hpp"

#include <cmath>
#include <cstdlib>

namespace tinyllm::calculator {

namespace mp = boost::multiprecision;

namespace {

// A decimal value: digits[0].digits[1...] x 10^exponent, without trailing zeros ("0" for zero).
struct Decimal {
    bool negative = false;
    std::string digits;
    long exponent = 0;
};

void trim(Decimal &d) {
    const size_t last = d.digits.find_last_not_of('0');
    if (last == std::string::npos) {
        d.digits = "0";
        d.exponent = 0;
        d.negative = false;
    } else {
        d.digits.erase(last + 1);
    }
}

std::string plain(const Decimal &d) {
    std::string out = d.negative ? "-" : "";
    const long n = static_cast<long>(d.digits.size());
    if (d.exponent >= n - 1) {
        out += d.digits;
        out.append(static_cast<size_t>(d.exponent - (n - 1)), '0');
    } else if (d.exponent >= 0) {
        out += d.digits.substr(0, static_cast<size_t>(d.exponent + 1));
        out += '.';
        out += d.digits.substr(static_cast<size_t>(d.exponent + 1));
    } else {
        out += "0.";
        out.append(static_cast<size_t>(-d.exponent - 1), '0');
        out += d.digits;
    }
    return out;
}

std::string scientific(const Decimal &d) {
    std::string out = d.negative ? "-" : "";
    out += d.digits[0];
    if (d.digits.size() > 1) {
        out += '.';
        out += d.digits.substr(1);
    }
    out += d.exponent < 0 ? "e-" : "e+";
    out += std::to_string(std::labs(d.exponent));
    return out;
}

Integer pow10(long n) {
    return mp::pow(Integer(10), static_cast<unsigned>(n));
}

// The exact decimal expansion of q when it terminates within `max_digits` significant digits.
std::optional<Decimal> terminating(const Rational &q, size_t max_digits) {
    const Integer &n = q.num();
    const Integer &d = q.den();
    const long twos = static_cast<long>(mp::lsb(d));
    const Integer rest = d >> twos;
    long fives = 0;
    if (rest != 1) {
        // rest must be a power of 5: guess the exponent from its size, then verify.
        const long guess = std::lround(static_cast<double>(mp::msb(rest)) / std::log2(5.0));
        bool found = false;
        for (long k = std::max(1L, guess - 1); k <= guess + 1 && !found; ++k) {
            if (mp::pow(Integer(5), static_cast<unsigned>(k)) == rest) {
                fives = k;
                found = true;
            }
        }
        if (!found) return std::nullopt;
    }
    const long places = std::max(twos, fives);
    // n/d = n * 2^(places-twos) * 5^(places-fives) / 10^places.
    const Integer scaled = mp::abs(n) * (Integer(1) << static_cast<unsigned>(places - twos)) *
                           mp::pow(Integer(5), static_cast<unsigned>(places - fives));
    Decimal out;
    out.negative = n < 0;
    out.digits = scaled.str();
    out.exponent = static_cast<long>(out.digits.size()) - 1 - places;
    trim(out);
    if (out.digits.size() > max_digits) return std::nullopt;
    return out;
}

// q rounded half-up to `digits` significant digits, computed exactly.
Decimal rounded(const Rational &q, int digits) {
    Decimal out;
    if (q.sign() == 0) {
        out.digits = "0";
        return out;
    }
    out.negative = q.sign() < 0;
    const Integer n = mp::abs(q.num());
    const Integer &d = q.den();
    // |q| * 10^-e in [1, 10): estimate e from the bit sizes, then correct it.
    long e = static_cast<long>(std::floor(
        (static_cast<double>(mp::msb(n)) - static_cast<double>(mp::msb(d))) * std::log10(2.0)));
    auto scaled = [&](long shift, Integer &num, Integer &den) { // |q| * 10^shift = num/den
        num = n;
        den = d;
        if (shift >= 0)
            num *= pow10(shift);
        else
            den *= pow10(-shift);
    };
    for (;;) {
        Integer num, den;
        scaled(-e, num, den);
        if (num < den) {
            --e;
        } else if (num >= 10 * den) {
            ++e;
        } else {
            break;
        }
    }
    Integer num, den;
    scaled(digits - 1 - e, num, den);
    Integer r = (2 * num + den) / (2 * den);
    if (r == pow10(digits)) { // 9.99...5 rounds up to the next power of ten
        r = pow10(digits - 1);
        ++e;
    }
    out.digits = r.str();
    out.exponent = e;
    trim(out);
    return out;
}

Decimal rounded(const Real &x, int digits) {
    // Boost rounds correctly; in scientific notation its precision counts the digits after the
    // point: "-1.4142e+00".
    const std::string s = x.str(digits - 1, std::ios_base::scientific);
    Decimal out;
    size_t i = 0;
    if (s[i] == '-') {
        out.negative = true;
        ++i;
    }
    const size_t e_pos = s.find('e', i);
    for (size_t j = i; j < e_pos; ++j) {
        if (s[j] != '.') out.digits += s[j];
    }
    out.exponent = std::strtol(s.c_str() + e_pos + 1, nullptr, 10);
    trim(out);
    return out;
}

std::string show_rounded(const Decimal &d, int digits) {
    return (d.exponent >= -10 && d.exponent < digits) ? plain(d) : scientific(d);
}

} // namespace

Formatted format_number(const Number &value, int digits) {
    Formatted out;
    if (!value.exact()) {
        out.text = show_rounded(rounded(value.real_value(), digits), digits);
        out.rounded = true;
        return out;
    }
    const Rational &q = value.rational();
    if (q.den() == 1) {
        out.text = q.num().str();
        return out;
    }
    out.fraction = q.num().str() + "/" + q.den().str();
    if (auto d = terminating(q, 100)) {
        out.text = d->exponent >= -30 ? plain(*d) : scientific(*d);
        return out;
    }
    out.text = show_rounded(rounded(q, digits), digits);
    out.rounded = true;
    return out;
}

} // namespace tinyllm::calculator
