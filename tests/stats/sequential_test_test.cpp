// The sequential tests of graph experiments (host/common/tinyllm/sequential_test.hpp): Λ against
// values worked by hand and by mpmath, decisions on fixed sequences, and deterministic Monte
// Carlo runs (fixed seeds) of the guarantees: a candidate no better than the base is promoted in
// at most α of experiments that look after every pair, and a version as good as its predecessor
// is rolled back in at most α of watches. The Monte Carlo figures are printed.
#include "tinyllm/sequential_test.hpp"

#include "tinyllm/error.hpp"
#include "tinyllm/paired_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

namespace tinyllm::stats {
namespace {

// A pass with probability p, from the generator's bits alone (std::bernoulli_distribution's
// algorithm is the library's choice; this keeps the figures the same everywhere).
bool draw(std::mt19937_64 &rng, double p) {
    return static_cast<double>(rng() >> 11) * 0x1.0p-53 < p;
}

void add_many(SequentialPairTest &test, size_t count, bool base_pass, bool candidate_pass) {
    for (size_t i = 0; i < count; ++i)
        test.add(base_pass, candidate_pass);
}

SequentialSettings no_minimum() {
    SequentialSettings s;
    s.min_pairs = 0;
    return s;
}

// --- Λ and the incomplete beta, by hand ---

TEST(StatsSequentialPairTest, LambdaMatchesHandWorkedValues) {
    // Beta(1,1): Λ = x! y! / (n+1)! · 2^n.
    SequentialPairTest t(no_minimum());
    EXPECT_EQ(t.log_lambda(), 0.0); // Λ_0 = 1
    add_many(t, 3, false, true);
    EXPECT_NEAR(std::exp(t.log_lambda()), 2.0, 1e-12); // 3!/4! · 8
    add_many(t, 5, true, true);                        // concordant: no change
    EXPECT_NEAR(std::exp(t.log_lambda()), 2.0, 1e-12);
    add_many(t, 2, false, true);
    t.add(true, false);
    EXPECT_NEAR(std::exp(t.log_lambda()), 32.0 / 21.0, 1e-12); // 5! 1! / 7! · 64
    EXPECT_EQ(t.pairs(), 11u);
    EXPECT_EQ(t.discordant(), 6u);
    EXPECT_EQ(t.candidate_wins(), 5u);
    EXPECT_EQ(t.base_wins(), 1u);
    EXPECT_NEAR(t.difference(), 4.0 / 11.0, 1e-12);

    // Beta(2,2): x = 2, y = 0: B(4,2) / B(2,2) · 4 = (1/20) / (1/6) · 4 = 1.2.
    SequentialSettings s = no_minimum();
    s.prior_a = s.prior_b = 2;
    SequentialPairTest t2(s);
    add_many(t2, 2, false, true);
    EXPECT_NEAR(std::exp(t2.log_lambda()), 1.2, 1e-12);

    // 28 of 34 (mpmath: beta(29, 7) · 2^34 = 364.9728198125).
    SequentialPairTest t3(no_minimum());
    add_many(t3, 28, false, true);
    add_many(t3, 6, true, false);
    EXPECT_NEAR(std::exp(t3.log_lambda()), 364.9728198125, 1e-7);
    // Symmetric prior: mirrored counts, the same Λ.
    SequentialPairTest t4(no_minimum());
    add_many(t4, 28, true, false);
    add_many(t4, 6, false, true);
    EXPECT_NEAR(t4.log_lambda(), t3.log_lambda(), 1e-12);
}

TEST(StatsSequentialPairTest, IncompleteBetaMatchesReferenceValues) {
    EXPECT_EQ(log_regularized_incomplete_beta(0, 2, 3), -INFINITY);
    EXPECT_EQ(log_regularized_incomplete_beta(1, 2, 3), 0.0);
    EXPECT_NEAR(std::exp(log_regularized_incomplete_beta(0.37, 1, 1)), 0.37, 1e-14);
    EXPECT_NEAR(std::exp(log_regularized_incomplete_beta(0.37, 4, 1)), std::pow(0.37, 4), 1e-14);
    EXPECT_NEAR(std::exp(log_regularized_incomplete_beta(0.37, 1, 3)), 1 - std::pow(0.63, 3),
                1e-14);
    EXPECT_NEAR(std::exp(log_regularized_incomplete_beta(0.5, 7.5, 7.5)), 0.5, 1e-13);
    // mpmath.betainc(..., regularized=True)
    EXPECT_NEAR(std::exp(log_regularized_incomplete_beta(0.3, 2, 3)), 0.3483, 1e-13);
    EXPECT_NEAR(std::exp(log_regularized_incomplete_beta(0.4, 50, 60)), 0.1247068583431004, 1e-12);
    EXPECT_NEAR(std::exp(log_regularized_incomplete_beta(0.85, 200, 30)), 0.1857465824279693,
                1e-12);
    EXPECT_NEAR(std::exp(log_regularized_incomplete_beta(0.99, 0.5, 0.5)), 0.9362314391414801,
                1e-12);
    // Far in the tail, in log space without underflow: I_0.1(300, 200) = 1.71e-165.
    EXPECT_NEAR(log_regularized_incomplete_beta(0.1, 300, 200), -379.3896953067762, 1e-9);
}

// --- decisions on fixed sequences ---

TEST(StatsSequentialPairTest, AClearlyBetterCandidateIsPromoted) {
    // Blocks of 10 pairs: 3 candidate-only passes, 1 base-only, 6 concordant.
    SequentialPairTest t;
    size_t block = 0;
    while (t.decision() == Verdict::continue_ && t.pairs() < 400) {
        add_many(t, 3, false, true);
        t.add(true, false);
        add_many(t, 4, true, true);
        add_many(t, 2, false, false);
        ++block;
    }
    EXPECT_EQ(t.decision(), Verdict::better);
    const PairEvidence e = t.evidence_at_decision();
    EXPECT_EQ(e.verdict, Verdict::better);
    EXPECT_EQ(e.decided_at, e.pairs);
    EXPECT_LE(e.pairs, t.pairs());
    EXPECT_GE(e.log_lambda, std::log(20.0));
    EXPECT_GT(e.candidate_wins, e.base_wins);
    EXPECT_LE(e.p_value, 0.05);
    EXPECT_GT(t.difference(), 0);
    EXPECT_TRUE(t.not_worse());
    const std::string line = t.describe();
    std::printf("    %s\n", line.c_str());
    EXPECT_EQ(line.rfind("candidate better at 95% confidence: ", 0), 0u) << line;
    EXPECT_NE(line.find("≥ 20 after " + std::to_string(e.decided_at) + " pairs"), std::string::npos)
        << line;
    EXPECT_LT(block, 40u);
}

TEST(StatsSequentialPairTest, AClearlyWorseCandidateIsRejected) {
    SequentialPairTest t;
    while (t.decision() == Verdict::continue_) {
        t.add(false, true);
        add_many(t, 3, true, false);
        add_many(t, 6, true, true);
    }
    EXPECT_EQ(t.decision(), Verdict::worse);
    EXPECT_FALSE(t.not_worse());
    EXPECT_FALSE(not_worse(t));
    EXPECT_LT(t.difference(), 0);
    const std::string line = t.describe();
    std::printf("    %s\n", line.c_str());
    EXPECT_EQ(line.rfind("candidate worse at 95% confidence: ", 0), 0u) << line;
}

TEST(StatsSequentialPairTest, EqualArmsContinueThenEndWithNoEvidenceAtMaxPairs) {
    SequentialPairTest t;
    for (int i = 0; i < 99; ++i) {
        t.add(true, false);
        t.add(false, true);
        t.add(true, true);
        t.add(false, false);
        ASSERT_EQ(t.decision(), Verdict::continue_) << t.describe();
    }
    EXPECT_EQ(t.pairs(), 396u);
    EXPECT_NE(t.describe().find("undecided after 396 pairs"), std::string::npos) << t.describe();
    add_many(t, 3, true, true);
    EXPECT_EQ(t.decision(), Verdict::continue_);
    t.add(false, false);
    EXPECT_EQ(t.decision(), Verdict::no_evidence);
    EXPECT_EQ(t.evidence().decided_at, 400u);
    EXPECT_TRUE(t.not_worse());
    const std::string line = t.describe();
    std::printf("    %s\n", line.c_str());
    EXPECT_EQ(line.rfind("no evidence of improvement after 400 pairs: 99 of 198 discordant pairs "
                         "favour the candidate, Λ = ",
                         0),
              0u)
        << line;
}

TEST(StatsSequentialPairTest, NothingIsDecidedBeforeMinPairs) {
    SequentialPairTest t; // min_pairs 30
    add_many(t, 20, false, true);
    // 20 of 20 discordant: Λ = 2^20 / 21, far above 20, and still a peek before the minimum.
    EXPECT_NEAR(std::exp(t.log_lambda()), 1048576.0 / 21.0, 1e-6);
    EXPECT_EQ(t.decision(), Verdict::continue_);
    EXPECT_NE(t.describe().find("(minimum 30)"), std::string::npos) << t.describe();
    add_many(t, 9, true, true);
    EXPECT_EQ(t.decision(), Verdict::continue_);
    t.add(true, true);
    EXPECT_EQ(t.decision(), Verdict::better);
    EXPECT_EQ(t.evidence().decided_at, 30u);
    // Worse evidence before the minimum does not fail the regression gate either.
    SequentialPairTest w;
    add_many(w, 20, true, false);
    EXPECT_TRUE(w.not_worse());
    add_many(w, 10, false, false);
    EXPECT_FALSE(w.not_worse());
}

TEST(StatsSequentialPairTest, TheVerdictIsFinalAndThePValueKeepsTheRunningMax) {
    SequentialPairTest t(no_minimum());
    add_many(t, 20, false, true);
    // Decided at the 8th pair (Λ = 2^8 / 9 = 28.4), still counting.
    ASSERT_EQ(t.decision(), Verdict::better);
    EXPECT_EQ(t.evidence().decided_at, 8u);
    EXPECT_EQ(t.evidence_at_decision().candidate_wins, 8u);
    const std::string line = t.describe();
    const double p = t.p_value();
    EXPECT_NEAR(p, 21.0 / 1048576.0, 1e-12);
    // Results that arrive after the decision are counted but change neither the verdict nor the
    // line that explains it; the p-value is the best evidence seen.
    add_many(t, 20, true, false);
    EXPECT_EQ(t.decision(), Verdict::better);
    EXPECT_EQ(t.describe(), line);
    EXPECT_LT(t.log_lambda(), 0.0);
    EXPECT_EQ(t.p_value(), p);
    EXPECT_EQ(t.pairs(), 40u);
    EXPECT_EQ(t.evidence().decided_at, 8u);
    EXPECT_EQ(SequentialPairTest().p_value(), 1.0);
}

TEST(StatsSequentialPairTest, ReplayingADatasetGatesRegressions) {
    // The offline gate: 200 examples, the candidate loses 14 that the base passed and wins 2.
    SequentialPairTest worse;
    SequentialPairTest fine;
    for (int i = 0; i < 200; ++i) {
        if (i < 14)
            worse.add(true, false);
        else if (i < 16)
            worse.add(false, true);
        else
            worse.add(i % 2 == 0, i % 2 == 0);
        fine.add(i % 5 != 0, i % 5 != 0 || i % 10 == 0); // 20 candidate wins, none for the base
    }
    // Λ = B(3, 15) · 2^16 = 2 · 65536 / (15 · 16 · 17) = 32.1
    EXPECT_NEAR(std::exp(worse.log_lambda()), 131072.0 / 4080.0, 1e-9);
    EXPECT_FALSE(worse.not_worse()) << worse.describe();
    EXPECT_TRUE(fine.not_worse()) << fine.describe();
    // Past max_pairs the verdict is no_evidence, but the gate still looks at all of the evidence.
    SequentialPairTest late;
    add_many(late, 400, true, true);
    EXPECT_EQ(late.decision(), Verdict::no_evidence);
    add_many(late, 40, true, false);
    EXPECT_EQ(late.decision(), Verdict::no_evidence);
    EXPECT_FALSE(late.not_worse());
}

TEST(StatsSequentialPairTest, RejectsInvalidSettings) {
    const auto rejects = [](SequentialSettings s) {
        try {
            SequentialPairTest t(s);
        } catch (const Error &e) {
            return e.code() == ErrorCode::invalid_argument;
        }
        return false;
    };
    SequentialSettings s;
    s.alpha = 0;
    EXPECT_TRUE(rejects(s));
    s.alpha = 1;
    EXPECT_TRUE(rejects(s));
    s = {};
    s.prior_a = 0;
    EXPECT_TRUE(rejects(s));
    s = {};
    s.min_pairs = 500;
    EXPECT_TRUE(rejects(s));
    EXPECT_FALSE(rejects({}));
    EXPECT_STREQ(to_string(Verdict::continue_), "continue");
    EXPECT_STREQ(to_string(Verdict::no_evidence), "no_evidence");
}

// --- Monte Carlo: the guarantee and the power ---

struct PairOutcomes {
    int better = 0;
    int worse = 0;
    int no_evidence = 0;
    double mean_pairs = 0; // at the verdict
    int naive_better = 0;  // McNemar p < α checked after every pair from min_pairs, stop at first
};

// `experiments` live traffic splits (independent arms) with pass rates p_base and p_candidate,
// each looked at after every pair until a verdict (at most max_pairs).
PairOutcomes simulate(double p_base, double p_candidate, int experiments, uint64_t seed,
                      bool with_naive = false) {
    std::mt19937_64 rng(seed);
    PairOutcomes out;
    double pairs = 0;
    for (int i = 0; i < experiments; ++i) {
        SequentialPairTest t;
        bool naive_done = false;
        while (t.decision() == Verdict::continue_) {
            t.add(draw(rng, p_base), draw(rng, p_candidate));
            if (with_naive && !naive_done && t.pairs() >= t.settings().min_pairs) {
                const McNemar m = mcnemar(static_cast<int64_t>(t.base_wins()),
                                          static_cast<int64_t>(t.candidate_wins()));
                if (m.p_value < t.settings().alpha) {
                    naive_done = true;
                    if (t.candidate_wins() > t.base_wins()) ++out.naive_better;
                }
            }
        }
        pairs += static_cast<double>(t.evidence().decided_at);
        switch (t.decision()) {
        case Verdict::better: ++out.better; break;
        case Verdict::worse: ++out.worse; break;
        case Verdict::no_evidence: ++out.no_evidence; break;
        case Verdict::continue_: break;
        }
    }
    out.mean_pairs = pairs / experiments;
    return out;
}

TEST(StatsSequentialPairTest, MonteCarloEqualArmsArePromotedAtMostAlpha) {
    constexpr int kExperiments = 2000;
    for (const double p : {0.6, 0.9}) {
        const PairOutcomes o = simulate(p, p, kExperiments, 20240601, true);
        const double promoted = static_cast<double>(o.better) / kExperiments;
        const double rejected = static_cast<double>(o.worse) / kExperiments;
        const double naive = static_cast<double>(o.naive_better) / kExperiments;
        std::printf("    equal arms at p=%.1f, %d experiments checked after every pair: false "
                    "promotions %.2f%%, 'worse' %.2f%%, no_evidence %.2f%%, mean pairs %.0f "
                    "(McNemar p<0.05 on every peek would promote %.2f%%)\n",
                    p, kExperiments, 100 * promoted, 100 * rejected,
                    100.0 * o.no_evidence / kExperiments, o.mean_pairs, 100 * naive);
        EXPECT_LE(promoted, 0.05);
        EXPECT_LE(promoted + rejected, 0.05);
        EXPECT_LT(promoted, naive); // the peeking problem the sequential test avoids
    }
}

TEST(StatsSequentialPairTest, MonteCarloPowerAgainstARealDifference) {
    constexpr int kExperiments = 2000;
    const PairOutcomes o = simulate(0.6, 0.8, kExperiments, 7);
    const double power = static_cast<double>(o.better) / kExperiments;
    std::printf("    0.6 -> 0.8, %d experiments: promoted %.2f%% (power), 'worse' %.2f%%, "
                "no_evidence %.2f%%, mean pairs at the verdict %.0f\n",
                kExperiments, 100 * power, 100.0 * o.worse / kExperiments,
                100.0 * o.no_evidence / kExperiments, o.mean_pairs);
    EXPECT_GE(power, 0.9);
    EXPECT_EQ(o.worse, 0);
    const PairOutcomes small = simulate(0.8, 0.85, kExperiments, 8);
    std::printf("    0.80 -> 0.85: promoted %.2f%%, mean pairs %.0f\n",
                100.0 * small.better / kExperiments, small.mean_pairs);
}

// --- the post-promotion watch ---

TEST(StatsRateDropWatch, LambdaMatchesHandWorkedValues) {
    WatchSettings s;
    s.min_outcomes = 0;
    // p0 = 0.9, p0' = 0.85, uniform prior on [0, 0.85].
    RateDropWatch fail(9, 10, s);
    EXPECT_NEAR(fail.base_rate(), 0.9, 1e-15);
    EXPECT_NEAR(fail.threshold_rate(), 0.85, 1e-15);
    fail.add(false);
    // [∫_0^.85 (1-q) dq / .85] / .15 = (1 - .425) / .15
    EXPECT_NEAR(std::exp(fail.log_lambda()), 0.575 / 0.15, 1e-12);
    RateDropWatch pass(9, 10, s);
    pass.add(true);
    EXPECT_NEAR(std::exp(pass.log_lambda()), 0.5, 1e-12); // (.85/2) / .85
    // mpmath quadrature: 6 passes, 4 failures -> 2.6250334028; 31 and 19 -> 527.620983999.
    RateDropWatch w(9, 10, s);
    for (int i = 0; i < 10; ++i)
        w.add(i % 5 < 3);
    EXPECT_EQ(w.passes(), 6u);
    EXPECT_NEAR(std::exp(w.log_lambda()), 2.6250334028, 1e-9);
    RateDropWatch w2(90, 100, s);
    for (int i = 0; i < 50; ++i)
        w2.add(i < 31);
    EXPECT_NEAR(std::exp(w2.log_lambda()), 527.620983999, 1e-6);
}

TEST(StatsRateDropWatch, FiresOnADropAndExplainsIt) {
    RateDropWatch w(180, 200); // 0.90
    int added = 0;
    while (!w.fired() && added < 500) {
        w.add(added % 5 < 3); // 0.60
        ++added;
    }
    ASSERT_TRUE(w.fired());
    const WatchEvidence e = w.evidence();
    EXPECT_EQ(e.fired_at, static_cast<size_t>(added));
    EXPECT_EQ(e.outcomes, e.fired_at);
    EXPECT_GE(e.fired_at, 30u);
    EXPECT_LE(e.p_value, 0.05);
    const std::string line = w.describe();
    std::printf("    %s\n", line.c_str());
    EXPECT_EQ(line.rfind("pass rate dropped at 95% confidence: ", 0), 0u) << line;
    EXPECT_NE(line.find("below the predecessor's 0.90 - 0.05 = 0.85"), std::string::npos) << line;
    // It stays fired, and says so with the figures it fired on.
    for (int i = 0; i < 100; ++i)
        w.add(true);
    EXPECT_TRUE(w.fired());
    EXPECT_EQ(w.describe(), line);
    EXPECT_EQ(w.evidence_at_fire().outcomes, e.fired_at);
    EXPECT_EQ(w.evidence().outcomes, e.fired_at + 100);
}

TEST(StatsRateDropWatch, NeverFiresBeforeMinOutcomes) {
    RateDropWatch w(95, 100);
    for (int i = 0; i < 29; ++i)
        w.add(false);
    EXPECT_GT(w.log_lambda(), 20.0);
    EXPECT_FALSE(w.fired());
    EXPECT_NE(w.describe().find("(minimum 30)"), std::string::npos) << w.describe();
    w.add(false);
    EXPECT_TRUE(w.fired());
    EXPECT_EQ(w.evidence().fired_at, 30u);
}

TEST(StatsRateDropWatch, SmallDropsWithinTheMarginDoNotFire) {
    RateDropWatch w(900, 1000); // 0.90; p0' = 0.85
    for (int i = 0; i < 2000; ++i)
        w.add(i % 100 < 87); // 0.87
    EXPECT_FALSE(w.fired()) << w.describe();
    std::printf("    %s\n", w.describe().c_str());
}

TEST(StatsRateDropWatch, EdgeCasesAndInvalidInput) {
    // The predecessor passed no more than the margin: nothing to drop below.
    RateDropWatch off(1, 100);
    for (int i = 0; i < 100; ++i)
        off.add(false);
    EXPECT_FALSE(off.fired());
    EXPECT_EQ(off.describe().rfind("watch off: ", 0), 0u) << off.describe();
    // A perfect predecessor and no margin: one failure refutes p >= 1.
    WatchSettings strict;
    strict.margin = 0;
    RateDropWatch perfect(50, 50, strict);
    for (int i = 0; i < 40; ++i)
        perfect.add(true);
    EXPECT_FALSE(perfect.fired());
    EXPECT_LE(perfect.log_lambda(), 0.0);
    perfect.add(false);
    EXPECT_TRUE(perfect.fired());
    EXPECT_EQ(perfect.p_value(), 0.0);

    const auto rejects = [](size_t passes, size_t total, WatchSettings s) {
        try {
            RateDropWatch w(passes, total, s);
        } catch (const Error &e) {
            return e.code() == ErrorCode::invalid_argument;
        }
        return false;
    };
    EXPECT_TRUE(rejects(1, 0, {}));
    EXPECT_TRUE(rejects(0, 0, {}));
    EXPECT_TRUE(rejects(11, 10, {}));
    WatchSettings s;
    s.margin = -0.1;
    EXPECT_TRUE(rejects(5, 10, s));
    s = {};
    s.alpha = 1.5;
    EXPECT_TRUE(rejects(5, 10, s));
    EXPECT_FALSE(rejects(0, 10, {}));
}

struct WatchOutcomes {
    double fire_rate = 0;
    double mean_fired_at = 0; // over the watches that fired
};

// `watches` watches of `horizon` outcomes at pass rate p_new; the predecessor's record is
// `base_total` outcomes drawn at p_base (or exactly round(p_base · base_total) passes when
// `fixed_base`).
WatchOutcomes simulate_watch(double p_base, double p_new, size_t base_total, bool fixed_base,
                             int watches, int horizon, uint64_t seed) {
    std::mt19937_64 rng(seed);
    int fired = 0;
    double at = 0;
    for (int i = 0; i < watches; ++i) {
        size_t base_passes = 0;
        if (fixed_base)
            base_passes =
                static_cast<size_t>(std::lround(p_base * static_cast<double>(base_total)));
        else
            for (size_t k = 0; k < base_total; ++k)
                base_passes += draw(rng, p_base) ? 1 : 0;
        RateDropWatch w(base_passes, base_total);
        for (int k = 0; k < horizon && !w.fired(); ++k)
            w.add(draw(rng, p_new));
        if (w.fired()) {
            ++fired;
            at += static_cast<double>(w.evidence().fired_at);
        }
    }
    return {static_cast<double>(fired) / watches, fired > 0 ? at / fired : 0};
}

TEST(StatsRateDropWatch, MonteCarloFalseFiresStayBelowAlpha) {
    constexpr int kWatches = 2000;
    constexpr int kHorizon = 500;
    // The worst case of the null: the new version's rate exactly p0' = 0.90 - 0.05.
    const WatchOutcomes edge = simulate_watch(0.9, 0.85, 200, true, kWatches, kHorizon, 11);
    // Equal rates, the predecessor's rate estimated from 200 outcomes.
    const WatchOutcomes equal9 = simulate_watch(0.9, 0.9, 200, false, kWatches, kHorizon, 12);
    const WatchOutcomes equal6 = simulate_watch(0.6, 0.6, 200, false, kWatches, kHorizon, 13);
    std::printf("    false rollbacks over %d outcomes, %d watches: new rate = p0' exactly %.2f%%; "
                "equal rates 0.9 %.2f%%, 0.6 %.2f%% (predecessor from 200 outcomes)\n",
                kHorizon, kWatches, 100 * edge.fire_rate, 100 * equal9.fire_rate,
                100 * equal6.fire_rate);
    EXPECT_LE(edge.fire_rate, 0.05);
    EXPECT_LE(equal9.fire_rate, 0.05);
    EXPECT_LE(equal6.fire_rate, 0.05);
}

TEST(StatsRateDropWatch, MonteCarloDropsAreCaught) {
    constexpr int kWatches = 1000;
    const WatchOutcomes drop = simulate_watch(0.9, 0.6, 200, false, kWatches, 500, 21);
    const WatchOutcomes mild = simulate_watch(0.9, 0.75, 200, false, kWatches, 500, 22);
    std::printf("    0.9 -> 0.6: fired in %.2f%% of watches, after %.1f outcomes on average; "
                "0.9 -> 0.75: %.2f%%, after %.1f\n",
                100 * drop.fire_rate, drop.mean_fired_at, 100 * mild.fire_rate, mild.mean_fired_at);
    EXPECT_GE(drop.fire_rate, 0.99);
    EXPECT_LE(drop.mean_fired_at, 60);
    EXPECT_GE(mild.fire_rate, 0.9);
}

} // namespace
} // namespace tinyllm::stats
