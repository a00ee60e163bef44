// Sequential tests for self-improvement experiments: whether to promote a candidate graph version
// over the one it would replace, and whether to roll a promoted version back. Both can be looked
// at after every graded outcome, as often as one likes, without the "peeking" problem of fixed-
// sample tests (checking McNemar's p-value after each pair and stopping at the first p < 0.05
// promotes a no-better candidate far more often than 5% of the time).
//
// The method: a mixture sequential probability ratio test (H. Robbins, 1970, "Statistical methods
// related to the law of the iterated logarithm", Annals of Mathematical Statistics 41(5)). The
// likelihood of the data under each alternative parameter q, divided by its likelihood under the
// null, is averaged over a mixing prior on q; the result Λ_n is a nonnegative martingale (a
// supermartingale for a composite null) with Λ_0 = 1 under the null, so Ville's inequality
// (J. Ville, 1939, "Étude critique de la notion de collectif") bounds the chance that it EVER
// reaches 1/α: P(sup_n Λ_n ≥ 1/α) ≤ α. Stopping at the first n where Λ_n ≥ 1/α is therefore an
// α-level test at whatever data-dependent time one stops, and min(1, 1/max_{k≤n} Λ_k) is an
// always-valid p-value (Johari, Koomen, Pekelis, Walsh, "Always valid inference: continuous
// monitoring of A/B tests", Operations Research 70(3), 2022; arXiv 2015/2017). For the theory of
// such time-uniform bounds and the confidence sequences they give, see Howard, Ramdas,
// McAuliffe, Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of
// Statistics 49(2), 2021.
//
// SequentialPairTest (promote or not): outcomes come in pairs (base passed?, candidate passed?),
// either both versions on the same input (offline replay) or the i-th graded request of each arm
// of a live traffic split in arrival order. Only discordant pairs carry information, as in
// McNemar's test: under H0 (equal pass rates) each discordant pair favours the candidate with
// probability exactly 1/2, whatever the common rate (for independent arms: p1(1-p0) = p0(1-p1)
// iff p0 = p1). With n discordant pairs of which x favour the candidate, and a Beta(a, b) mixing
// prior on p = P(candidate better | discordant),
//     Λ_n = ∫ p^x (1-p)^(n-x) dBeta(a,b)(p) / (1/2)^n = B(a+x, b+n-x) / B(a,b) · 2^n,
// computed in log space with lgamma (O(1) per pair). The test is two-sided: which of x and n-x
// is larger says which way it went. With a symmetric prior (a = b) the two directions are
// symmetric under H0, so a wrong promotion has probability at most α/2, a wrong rejection too.
//
// RateDropWatch (roll back or not): after promotion the new version runs alone. Its predecessor
// passed s0 of n0 graded outcomes; the watch tests H0: p ≥ p0' against H1: p < p0', with
// p0' = s0/n0 - margin (the margin absorbs small drops and the predecessor's estimation error).
// With s passes and f failures of the new version and a Beta(a, b) prior restricted to [0, p0'],
//     Λ_n = [∫_0^p0' q^s (1-q)^f dBeta(a,b)(q) / ∫_0^p0' dBeta(a,b)(q)] / (p0'^s (1-p0')^f)
//         = B(a+s, b+f) I_p0'(a+s, b+f) / (B(a,b) I_p0'(a,b)) / (p0'^s (1-p0')^f),
// where I is the regularized incomplete beta function, computed here exactly (a continued
// fraction, modified Lentz, in log space) rather than on a grid. For every q < p0' the factor
// (q/p0')^s ((1-q)/(1-p0'))^f has expectation ≤ 1 per outcome when p ≥ p0', so Λ is a
// supermartingale under the whole composite null and Ville's bound holds.
//
// Plain arithmetic, no I/O and no clock, so every formula is tested on its own
// (tests/stats/sequential_test_test.cpp). Not thread-safe: one object per experiment.
#pragma once

#include <cstddef>
#include <string>

namespace tinyllm::stats {

// SequentialPairTest's settings. Throws Error(invalid_argument) from the constructor unless
// 0 < alpha < 1, prior_a > 0, prior_b > 0 and min_pairs <= max_pairs.
struct SequentialSettings {
    double alpha = 0.05;    // the bound on a wrong promotion (or rejection), at any stopping time
    size_t min_pairs = 30;  // no verdict before this many pairs (concordant ones included)
    size_t max_pairs = 400; // no_evidence when this many pairs have not decided
    double prior_a = 1;     // the Beta mixing prior on P(candidate better | discordant)
    double prior_b = 1;
};

enum class Verdict {
    continue_,   // keep collecting pairs
    better,      // promote: the candidate passes more often (Λ ≥ 1/α, more candidate wins)
    worse,       // reject: the candidate passes less often (Λ ≥ 1/α, more base wins)
    no_evidence, // reject: max_pairs pairs without evidence either way
};
// "continue", "better", "worse", "no_evidence".
const char *to_string(Verdict verdict) noexcept;

// Everything the test knows, for a JSON record of the experiment.
struct PairEvidence {
    Verdict verdict = Verdict::continue_;
    size_t decided_at = 0;     // pairs when the verdict was reached; 0 while continuing
    size_t pairs = 0;          // all pairs so far, concordant ones included
    size_t discordant = 0;     // pairs where exactly one arm passed
    size_t candidate_wins = 0; // candidate passed, base failed
    size_t base_wins = 0;      // base passed, candidate failed
    size_t base_passes = 0;
    size_t candidate_passes = 0;
    double difference = 0;     // candidate pass rate - base pass rate (0 with no pairs)
    double log_lambda = 0;     // ln Λ_n now
    double max_log_lambda = 0; // ln max_{k<=n} Λ_k (0: Λ_0 = 1)
    double log_threshold = 0;  // ln(1/α)
    double p_value = 1;        // always valid: min(1, 1/max_k Λ_k)
};

// The sequential paired test. add() and decision() are O(1). The first verdict other than
// continue_ is final: it is the stopping time the guarantee covers, and later pairs (results that
// arrive after the decision) are still counted but do not change it.
class SequentialPairTest {
public:
    explicit SequentialPairTest(SequentialSettings settings = {});

    void add(bool base_pass, bool candidate_pass);

    Verdict decision() const { return verdict_; }
    // One line: "candidate better at 95% confidence: 28 of 34 discordant pairs favour it,
    // Λ = 23.1 ≥ 20 after 120 pairs". For a final verdict, the figures when it was reached.
    std::string describe() const;

    double log_lambda() const { return log_lambda_; }
    double p_value() const;
    size_t pairs() const { return pairs_; }
    size_t discordant() const { return candidate_wins_ + base_wins_; }
    size_t candidate_wins() const { return candidate_wins_; }
    size_t base_wins() const { return base_wins_; }
    double difference() const; // candidate pass rate - base pass rate
    PairEvidence evidence() const;
    // The figures when the verdict was reached (evidence() while continuing).
    PairEvidence evidence_at_decision() const;
    const SequentialSettings &settings() const { return settings_; }

    // True unless the test has found the candidate worse: at some point after min_pairs pairs
    // Λ ≥ 1/α with more base wins than candidate wins. Unlike decision(), not capped by
    // max_pairs nor fixed by an earlier verdict, so an offline regression gate can replay a
    // whole dataset and ask once (for a small dataset, lower min_pairs). Valid at level α by the
    // same Ville bound.
    bool not_worse() const { return !worse_seen_; }

private:
    void update_lambda();

    SequentialSettings settings_;
    double log_prior_beta_ = 0; // ln B(a, b)
    double log_threshold_ = 0;  // ln(1/α)
    size_t pairs_ = 0;
    size_t candidate_wins_ = 0;
    size_t base_wins_ = 0;
    size_t base_passes_ = 0;
    size_t candidate_passes_ = 0;
    double log_lambda_ = 0;
    double max_log_lambda_ = 0;
    bool worse_seen_ = false;
    Verdict verdict_ = Verdict::continue_;
    size_t decided_at_ = 0;
    PairEvidence at_decision_; // a snapshot when the verdict was reached
};

// The offline regression gate: SequentialPairTest::not_worse.
inline bool not_worse(const SequentialPairTest &test) {
    return test.not_worse();
}

// RateDropWatch's settings. Throws Error(invalid_argument) from the constructor unless
// 0 < alpha < 1, 0 <= margin < 1, prior_a > 0 and prior_b > 0.
struct WatchSettings {
    double alpha = 0.05;      // the bound on a false rollback, however long the watch runs
    double margin = 0.05;     // drops of up to this much below the predecessor's rate are fine
    size_t min_outcomes = 30; // never fire before this many outcomes
    double prior_a = 1;       // the Beta prior on the dropped rate, restricted to [0, p0']
    double prior_b = 1;
};

struct WatchEvidence {
    bool fired = false;
    size_t fired_at = 0; // outcomes when it fired; 0 while it has not
    size_t outcomes = 0; // the new version's graded outcomes
    size_t passes = 0;
    double pass_rate = 0;      // passes / outcomes (0 with none)
    double base_rate = 0;      // the predecessor's: base_passes / base_total
    double threshold_rate = 0; // p0' = base_rate - margin (H0: p >= p0')
    double log_lambda = 0;
    double max_log_lambda = 0;
    double log_threshold = 0; // ln(1/α)
    double p_value = 1;       // always valid: min(1, 1/max_k Λ_k)
};

// The post-promotion watch: fires (roll back) once Λ ≥ 1/α after min_outcomes outcomes, and
// stays fired. add() costs one regularized incomplete beta (a continued fraction of about
// sqrt(outcomes) terms) and three lgamma calls. When p0' <= 0 (the predecessor passed no more
// than `margin` of its outcomes) the rate cannot drop below it and the watch never fires.
class RateDropWatch {
public:
    // Throws Error(invalid_argument) when base_total is 0 or base_passes > base_total.
    RateDropWatch(size_t base_passes, size_t base_total, WatchSettings settings = {});

    void add(bool pass);

    bool fired() const { return fired_at_ != 0; }
    // One line: "pass rate dropped at 95% confidence: 0.62 (31 of 50) below the predecessor's
    // 0.90 - 0.05 = 0.85, Λ = 25.3 ≥ 20 after 50 outcomes".
    std::string describe() const;

    double log_lambda() const { return log_lambda_; }
    double p_value() const;
    size_t outcomes() const { return passes_ + failures_; }
    size_t passes() const { return passes_; }
    double pass_rate() const;
    double base_rate() const { return base_rate_; }
    double threshold_rate() const { return threshold_rate_; }
    WatchEvidence evidence() const;
    // The figures when the watch fired (evidence() until then).
    WatchEvidence evidence_at_fire() const;
    const WatchSettings &settings() const { return settings_; }

private:
    void update_lambda();

    WatchSettings settings_;
    double base_rate_ = 0;
    double threshold_rate_ = 0; // p0'
    double log_threshold_ = 0;
    double log_prior_mass_ = 0; // ln[B(a,b) I_p0'(a,b)]
    size_t passes_ = 0;
    size_t failures_ = 0;
    double log_lambda_ = 0;
    double max_log_lambda_ = 0;
    size_t fired_at_ = 0;
    WatchEvidence at_fire_;
};

// ln I_x(a, b), the regularized incomplete beta function, for a, b > 0 (-inf at x <= 0, 0 at
// x >= 1). Exposed for its tests.
double log_regularized_incomplete_beta(double x, double a, double b);

} // namespace tinyllm::stats
