// Statistics for comparing two systems on the same examples (paired data): McNemar's test for
// pass/fail outcomes and a bootstrap interval for the difference of mean scores. `tinyllm eval
// compare` reports them, and graph experiments (A/B tests of graph versions) decide with them.
// Plain arithmetic, no I/O, so each formula is tested on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace tinyllm::stats {

// McNemar's test: only the discordant pairs carry information. `a_only` = examples A passes and
// B fails, `b_only` = the reverse. The two-sided p-value is exact (binomial, p = 1/2) when there
// are at most 50 discordant pairs, else the chi-square approximation with continuity correction.
// p = 1 when there are none.
struct McNemar {
    int64_t a_only = 0;
    int64_t b_only = 0;
    double p_value = 1;
    bool exact = true;
};
McNemar mcnemar(int64_t a_only, int64_t b_only);

struct DifferenceInterval {
    double mean = 0; // mean of (b - a)
    double low = 0;  // 2.5th percentile of the bootstrap means
    double high = 0; // 97.5th percentile
};

// The mean of the paired differences b[i] - a[i] with a 95% percentile-bootstrap interval from
// `resamples` resamples of the pairs, drawn with a generator seeded by `seed` (the same inputs
// give the same interval). nullopt when the inputs are empty or of different sizes.
std::optional<DifferenceInterval> bootstrap_mean_difference(const std::vector<double> &a,
                                                            const std::vector<double> &b,
                                                            int resamples = 2000,
                                                            uint64_t seed = 15);

} // namespace tinyllm::stats
