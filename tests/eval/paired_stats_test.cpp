// The paired statistics of `tinyllm eval compare` (host/common/tinyllm/paired_stats.hpp),
// against values computed by hand and by R (mcnemar.test, binom.test).
#include "tinyllm/paired_stats.hpp"

#include <gtest/gtest.h>

namespace tinyllm::stats {
namespace {

TEST(EvalPairedStats, McNemarIsExactForFewDiscordantPairs) {
    // binom.test(1, 10, 0.5): p = 0.02148
    const McNemar m = mcnemar(1, 9);
    EXPECT_TRUE(m.exact);
    EXPECT_NEAR(m.p_value, 0.021484375, 1e-9);
    // Symmetric, and 1 when the two agree everywhere or split evenly.
    EXPECT_NEAR(mcnemar(9, 1).p_value, m.p_value, 1e-12);
    EXPECT_EQ(mcnemar(0, 0).p_value, 1.0);
    EXPECT_EQ(mcnemar(5, 5).p_value, 1.0);
}

TEST(EvalPairedStats, McNemarUsesTheCorrectedChiSquareForMany) {
    // mcnemar.test(matrix(c(0, 49, 13, 0), 2)): X2 = 19.758, p = 8.789e-06
    const McNemar m = mcnemar(49, 13);
    EXPECT_FALSE(m.exact);
    EXPECT_NEAR(m.p_value, 8.789e-06, 2e-08);
}

TEST(EvalPairedStats, TheBootstrapIntervalHoldsTheMeanAndIsReproducible) {
    const std::vector<double> a = {1, 0, 1, 1, 0, 1, 0, 1, 1, 1};
    const std::vector<double> b = {1, 1, 1, 1, 1, 1, 0, 1, 1, 1};
    const auto d = bootstrap_mean_difference(a, b);
    ASSERT_TRUE(d);
    EXPECT_DOUBLE_EQ(d->mean, 0.2);
    EXPECT_LE(d->low, d->mean);
    EXPECT_GE(d->high, d->mean);
    EXPECT_GE(d->low, 0.0); // no resample can show B worse: B is never below A
    const auto again = bootstrap_mean_difference(a, b);
    EXPECT_EQ(again->low, d->low);
    EXPECT_EQ(again->high, d->high);
    const std::vector<double> same(10, 0.5);
    const auto zero = bootstrap_mean_difference(same, same);
    EXPECT_EQ(zero->low, 0.0);
    EXPECT_EQ(zero->high, 0.0);
    EXPECT_FALSE(bootstrap_mean_difference({}, {}));
    EXPECT_FALSE(bootstrap_mean_difference({1}, {1, 2}));
}

} // namespace
} // namespace tinyllm::stats
