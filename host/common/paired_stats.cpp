#include "tinyllm/paired_stats.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace tinyllm::stats {

namespace {

// P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so n in the thousands stays exact
// enough.
double binomial_half_cdf(int64_t k, int64_t n) {
    double total = 0;
    for (int64_t i = 0; i <= k; ++i) {
        const double log_term =
            std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(i) + 1) -
            std::lgamma(static_cast<double>(n - i) + 1) - static_cast<double>(n) * std::log(2.0);
        total += std::exp(log_term);
    }
    return total;
}

} // namespace

McNemar mcnemar(int64_t a_only, int64_t b_only) {
    McNemar out;
    out.a_only = a_only;
    out.b_only = b_only;
    const int64_t n = a_only + b_only;
    if (n == 0) return out;
    if (n <= 50) {
        out.exact = true;
        out.p_value = std::min(1.0, 2 * binomial_half_cdf(std::min(a_only, b_only), n));
        return out;
    }
    out.exact = false;
    const double diff = std::fabs(static_cast<double>(a_only - b_only)) - 1;
    const double chi2 = diff * diff / static_cast<double>(n);
    // The chi-square survival function with one degree of freedom.
    out.p_value = std::erfc(std::sqrt(chi2 / 2));
    return out;
}

std::optional<DifferenceInterval> bootstrap_mean_difference(const std::vector<double> &a,
                                                            const std::vector<double> &b,
                                                            int resamples, uint64_t seed) {
    if (a.empty() || a.size() != b.size() || resamples < 1) return std::nullopt;
    const size_t n = a.size();
    std::vector<double> diff(n);
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
        diff[i] = b[i] - a[i];
        sum += diff[i];
    }
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, n - 1);
    std::vector<double> means(static_cast<size_t>(resamples));
    for (double &m : means) {
        double s = 0;
        for (size_t i = 0; i < n; ++i)
            s += diff[pick(rng)];
        m = s / static_cast<double>(n);
    }
    std::sort(means.begin(), means.end());
    const auto at = [&](double q) {
        const size_t i = static_cast<size_t>(q * static_cast<double>(means.size() - 1) + 0.5);
        return means[std::min(i, means.size() - 1)];
    };
    return DifferenceInterval{sum / static_cast<double>(n), at(0.025), at(0.975)};
}

} // namespace tinyllm::stats
