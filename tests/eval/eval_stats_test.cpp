// The statistics of `tinyllm eval`: each formula against values computed by hand or published.
#include "cli/eval_stats.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tinyllm::cli::eval {
namespace {

// Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3
// (the Wilson score interval without continuity correction), to four decimals.
TEST(EvalStats, WilsonIntervalMatchesPublishedValues) {
    struct Case {
        int64_t k, n;
        double low, high;
    };
    for (const Case c : {Case{81, 263, 0.2553, 0.3662}, Case{15, 148, 0.0624, 0.1605},
                         Case{0, 20, 0.0, 0.1611}, Case{1, 29, 0.0061, 0.1718}}) {
        SCOPED_TRACE(std::to_string(c.k) + "/" + std::to_string(c.n));
        const auto ci = wilson_interval(c.k, c.n);
        ASSERT_TRUE(ci);
        EXPECT_NEAR(ci->low, c.low, 5e-5);
        EXPECT_NEAR(ci->high, c.high, 5e-5);
    }
}

TEST(EvalStats, WilsonIntervalStaysInsideZeroToOneAndIsNeverEmpty) {
    const auto none = wilson_interval(0, 10);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->low, 0.0);
    EXPECT_NEAR(none->high, 0.2775, 5e-5); // not the zero-width [0, 0] of p ± z·se
    const auto all = wilson_interval(10, 10);
    ASSERT_TRUE(all);
    EXPECT_NEAR(all->low, 0.7225, 5e-5);
    EXPECT_LE(all->high, 1.0);
    const auto one = wilson_interval(1, 1);
    ASSERT_TRUE(one);
    EXPECT_GT(one->low, 0.2);
    EXPECT_FALSE(wilson_interval(0, 0));
}

TEST(EvalStats, AProportionHasNoRateWithoutATotal) {
    EXPECT_FALSE(Proportion{}.rate());
    EXPECT_FALSE(Proportion{}.interval());
    const Proportion six_of_nine{6, 9};
    EXPECT_DOUBLE_EQ(*six_of_nine.rate(), 6.0 / 9.0);
    const auto ci = six_of_nine.interval();
    ASSERT_TRUE(ci);
    EXPECT_NEAR(ci->low, 0.3542, 5e-5); // by hand: center 0.6168, half-width 0.2626
    EXPECT_NEAR(ci->high, 0.8794, 5e-5);
}

TEST(EvalStats, PercentilesAreNearestRankValues) {
    std::vector<double> hundred;
    for (int i = 100; i >= 1; --i)
        hundred.push_back(i); // unsorted on purpose
    const Percentiles p = percentiles(hundred);
    EXPECT_EQ(p.count, 100u);
    EXPECT_EQ(p.p50, 50.0);
    EXPECT_EQ(p.p90, 90.0);
    EXPECT_EQ(p.p99, 99.0);
    EXPECT_EQ(p.max, 100.0);

    // Ten values: rank ceil(0.9 * 10) = 9, not 10 (0.9 * 10 is 9.000000000000002 in doubles).
    const Percentiles ten = percentiles({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    EXPECT_EQ(ten.p50, 5.0);
    EXPECT_EQ(ten.p90, 9.0);
    EXPECT_EQ(ten.p99, 10.0);

    // Always a measured value, never an interpolation between two.
    const Percentiles two = percentiles({0.5, 100});
    EXPECT_EQ(two.p50, 0.5);
    EXPECT_EQ(two.p90, 100.0);

    const Percentiles one = percentiles({3.25});
    EXPECT_EQ(one.p50, 3.25);
    EXPECT_EQ(one.p99, 3.25);

    const Percentiles none = percentiles({});
    EXPECT_EQ(none.count, 0u);
    EXPECT_EQ(none.max, 0.0);
}

TEST(EvalStats, TheConfusionMatrixCountsRowsAsExpectedAndColumnsAsPredicted) {
    ConfusionMatrix m({"math", "code", "general"});
    m.add("math", "math");
    m.add("math", "math");
    m.add("math", "general");
    m.add("code", "math");
    m.add("general", "general");
    m.add_error("code");
    EXPECT_EQ(m.count(0, 0), 2);
    EXPECT_EQ(m.count(0, 2), 1); // expected math, predicted general
    EXPECT_EQ(m.count(1, 0), 1); // expected code, predicted math
    EXPECT_EQ(m.count(2, 0), 0);
    EXPECT_EQ(m.errors(1), 1);
    EXPECT_EQ(m.total_errors(), 1);
    EXPECT_EQ(m.row_total(1), 2); // the error is part of code's support
    EXPECT_EQ(m.column_total(0), 3);
    EXPECT_EQ(m.correct(), 3);
    EXPECT_EQ(m.total(), 6);
}

TEST(EvalStats, APredictionOutsideTheLabelsGetsAColumnOfItsOwn) {
    ConfusionMatrix m({"a", "b"});
    m.add("a", "zzz");
    m.add("b", "");
    m.add("b", "zzz");
    ASSERT_EQ(m.columns(), (std::vector<std::string>{"a", "b", "zzz", ""}));
    EXPECT_EQ(m.labels().size(), 2u); // rows stay the labels
    EXPECT_EQ(m.count(0, 2), 1);
    EXPECT_EQ(m.count(1, 2), 1);
    EXPECT_EQ(m.count(1, 3), 1);
    EXPECT_EQ(m.correct(), 0);
    EXPECT_THROW(m.add("zzz", "a"), std::invalid_argument);
}

TEST(EvalStats, PerLabelMetricsFromTheMatrix) {
    // math: TP 2 of 4 predicted, support 3; code: TP 2 of 2, support 3 (one error); general:
    // TP 2 of 3 predicted, support 4.
    ConfusionMatrix m({"math", "code", "general"});
    for (const auto &[expected, predicted] :
         std::vector<std::pair<std::string, std::string>>{{"math", "math"},
                                                          {"math", "math"},
                                                          {"math", "general"},
                                                          {"code", "code"},
                                                          {"code", "code"},
                                                          {"general", "math"},
                                                          {"general", "general"},
                                                          {"general", "general"},
                                                          {"general", "math"}}) {
        m.add(expected, predicted);
    }
    m.add_error("code");
    const auto metrics = label_metrics(m);
    ASSERT_EQ(metrics.size(), 3u);
    EXPECT_EQ(metrics[0].label, "math");
    EXPECT_EQ(metrics[0].support, 3);
    EXPECT_EQ(metrics[0].predicted, 4);
    EXPECT_DOUBLE_EQ(*metrics[0].precision, 0.5);
    EXPECT_DOUBLE_EQ(*metrics[0].recall, 2.0 / 3);
    EXPECT_DOUBLE_EQ(*metrics[0].f1, 2 * 0.5 * (2.0 / 3) / (0.5 + 2.0 / 3)); // 4/7
    EXPECT_DOUBLE_EQ(*metrics[1].precision, 1.0);
    EXPECT_DOUBLE_EQ(*metrics[1].recall, 2.0 / 3); // the error is a miss
    EXPECT_DOUBLE_EQ(*metrics[1].f1, 0.8);
    EXPECT_EQ(metrics[2].support, 4);
    EXPECT_DOUBLE_EQ(*metrics[2].precision, 2.0 / 3);
    EXPECT_DOUBLE_EQ(*metrics[2].recall, 0.5);

    const MacroAverage macro = macro_average(metrics);
    EXPECT_DOUBLE_EQ(*macro.precision, (0.5 + 1.0 + 2.0 / 3) / 3);
    EXPECT_DOUBLE_EQ(*macro.recall, (2.0 / 3 + 2.0 / 3 + 0.5) / 3);
}

TEST(EvalStats, UndefinedScoresAreNotZero) {
    // "b" is never predicted (no precision) and "c" never expected (no recall): neither is
    // a score of 0, and the macro average leaves them out.
    ConfusionMatrix m({"a", "b", "c"});
    m.add("a", "a");
    m.add("b", "a");
    const auto metrics = label_metrics(m);
    EXPECT_DOUBLE_EQ(*metrics[0].precision, 0.5);
    EXPECT_FALSE(metrics[1].precision);
    EXPECT_DOUBLE_EQ(*metrics[1].recall, 0.0);
    EXPECT_FALSE(metrics[1].f1);
    EXPECT_FALSE(metrics[2].precision);
    EXPECT_FALSE(metrics[2].recall);
    const MacroAverage macro = macro_average(metrics);
    EXPECT_DOUBLE_EQ(*macro.precision, 0.5);
    EXPECT_DOUBLE_EQ(*macro.recall, 0.5); // (1 + 0) / 2
    EXPECT_DOUBLE_EQ(*macro.f1, 2 * 0.5 * 1.0 / 1.5);

    // A label predicted and expected but never right: 0, defined.
    ConfusionMatrix wrong({"a", "b"});
    wrong.add("a", "b");
    wrong.add("b", "a");
    const auto zero = label_metrics(wrong);
    EXPECT_DOUBLE_EQ(*zero[0].precision, 0.0);
    EXPECT_DOUBLE_EQ(*zero[0].f1, 0.0);

    EXPECT_FALSE(macro_average({}).f1);
}

} // namespace
} // namespace tinyllm::cli::eval
