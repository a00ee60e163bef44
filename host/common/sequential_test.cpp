#include "tinyllm/sequential_test.hpp"

#include "tinyllm/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tinyllm::stats {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double log_beta(double a, double b) {
    return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

// The continued fraction of the incomplete beta function (Numerical Recipes' betacf, evaluated by
// the modified Lentz method): I_x(a,b) = x^a (1-x)^b / (a B(a,b)) · cf. Converges in
// O(sqrt(max(a,b))) terms for x < (a+1)/(a+b+2).
double beta_continued_fraction(double x, double a, double b) {
    constexpr int kMaxTerms = 100000;
    constexpr double kEpsilon = 1e-15;
    constexpr double kTiny = 1e-300;
    const double qab = a + b;
    const double qap = a + 1;
    const double qam = a - 1;
    double c = 1;
    double d = 1 - qab * x / qap;
    if (std::fabs(d) < kTiny) d = kTiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= kMaxTerms; ++m) {
        const double md = m;
        const double m2 = 2 * md;
        double aa = md * (b - md) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1 + aa / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1 + aa / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1 / d;
        const double delta = d * c;
        h *= delta;
        if (std::fabs(delta - 1) < kEpsilon) break;
    }
    return h;
}

// "23.1", "1.2e+05", "∞": Λ from its logarithm.
std::string format_lambda(double log_lambda) {
    const double lambda = std::exp(log_lambda);
    if (std::isinf(lambda)) return "∞";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", lambda);
    return buffer;
}

std::string format_g(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

std::string format_rate(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", value);
    return buffer;
}

double p_value_of(double max_log_lambda) {
    return std::min(1.0, std::exp(-max_log_lambda));
}

void check_common(double alpha, double prior_a, double prior_b, const char *what) {
    const std::string name = what;
    if (!(alpha > 0 && alpha < 1))
        throw Error(ErrorCode::invalid_argument,
                    name + ": alpha must be in (0, 1), got " + format_g(alpha));
    if (!(prior_a > 0 && prior_b > 0 && std::isfinite(prior_a) && std::isfinite(prior_b)))
        throw Error(ErrorCode::invalid_argument,
                    name + ": the prior's parameters must be positive, got " + format_g(prior_a) +
                        " and " + format_g(prior_b));
}

} // namespace

double log_regularized_incomplete_beta(double x, double a, double b) {
    if (x <= 0) return -kInf;
    if (x >= 1) return 0;
    const double log_front = a * std::log(x) + b * std::log1p(-x) - log_beta(a, b);
    if (x < (a + 1) / (a + b + 2))
        return log_front + std::log(beta_continued_fraction(x, a, b)) - std::log(a);
    // The symmetry I_x(a,b) = 1 - I_{1-x}(b,a); here I_x(a,b) is not small, so no cancellation.
    const double log_rest =
        log_front + std::log(beta_continued_fraction(1 - x, b, a)) - std::log(b);
    return std::log1p(-std::min(1.0, std::exp(log_rest)));
}

const char *to_string(Verdict verdict) noexcept {
    switch (verdict) {
    case Verdict::continue_: return "continue";
    case Verdict::better: return "better";
    case Verdict::worse: return "worse";
    case Verdict::no_evidence: return "no_evidence";
    }
    return "continue";
}

// SequentialPairTest

SequentialPairTest::SequentialPairTest(SequentialSettings settings) : settings_(settings) {
    check_common(settings_.alpha, settings_.prior_a, settings_.prior_b, "sequential test");
    if (settings_.min_pairs > settings_.max_pairs)
        throw Error(ErrorCode::invalid_argument,
                    "sequential test: min_pairs (" + std::to_string(settings_.min_pairs) +
                        ") is above max_pairs (" + std::to_string(settings_.max_pairs) + ")");
    log_prior_beta_ = log_beta(settings_.prior_a, settings_.prior_b);
    log_threshold_ = -std::log(settings_.alpha);
}

void SequentialPairTest::update_lambda() {
    const double x = static_cast<double>(candidate_wins_);
    const double y = static_cast<double>(base_wins_);
    log_lambda_ = log_beta(settings_.prior_a + x, settings_.prior_b + y) - log_prior_beta_ +
                  (x + y) * std::log(2.0);
    max_log_lambda_ = std::max(max_log_lambda_, log_lambda_);
}

void SequentialPairTest::add(bool base_pass, bool candidate_pass) {
    ++pairs_;
    base_passes_ += base_pass ? 1 : 0;
    candidate_passes_ += candidate_pass ? 1 : 0;
    if (base_pass != candidate_pass) {
        if (candidate_pass)
            ++candidate_wins_;
        else
            ++base_wins_;
        update_lambda(); // concordant pairs leave Λ as it is
    }
    if (pairs_ < settings_.min_pairs) return;
    const bool crossed = log_lambda_ >= log_threshold_;
    if (crossed && base_wins_ > candidate_wins_) worse_seen_ = true;
    if (verdict_ != Verdict::continue_) return;
    if (crossed && candidate_wins_ > base_wins_)
        verdict_ = Verdict::better;
    else if (crossed && base_wins_ > candidate_wins_)
        verdict_ = Verdict::worse;
    else if (pairs_ >= settings_.max_pairs)
        verdict_ = Verdict::no_evidence;
    if (verdict_ == Verdict::continue_) return;
    decided_at_ = pairs_;
    at_decision_ = evidence();
}

double SequentialPairTest::p_value() const {
    return p_value_of(max_log_lambda_);
}

double SequentialPairTest::difference() const {
    if (pairs_ == 0) return 0;
    return (static_cast<double>(candidate_passes_) - static_cast<double>(base_passes_)) /
           static_cast<double>(pairs_);
}

PairEvidence SequentialPairTest::evidence() const {
    PairEvidence e;
    e.verdict = verdict_;
    e.decided_at = decided_at_;
    e.pairs = pairs_;
    e.discordant = discordant();
    e.candidate_wins = candidate_wins_;
    e.base_wins = base_wins_;
    e.base_passes = base_passes_;
    e.candidate_passes = candidate_passes_;
    e.difference = difference();
    e.log_lambda = log_lambda_;
    e.max_log_lambda = max_log_lambda_;
    e.log_threshold = log_threshold_;
    e.p_value = p_value();
    return e;
}

PairEvidence SequentialPairTest::evidence_at_decision() const {
    return verdict_ == Verdict::continue_ ? evidence() : at_decision_;
}

std::string SequentialPairTest::describe() const {
    const PairEvidence e = evidence_at_decision();
    const std::string confidence = format_g(100 * (1 - settings_.alpha)) + "% confidence";
    const std::string lambda = "Λ = " + format_lambda(e.log_lambda);
    const std::string threshold = format_g(1 / settings_.alpha);
    const std::string discordant = std::to_string(e.discordant) + " discordant pairs";
    const std::string after = " after " + std::to_string(e.pairs) + " pairs";
    switch (verdict_) {
    case Verdict::better:
        return "candidate better at " + confidence + ": " + std::to_string(e.candidate_wins) +
               " of " + discordant + " favour it, " + lambda + " ≥ " + threshold + after;
    case Verdict::worse:
        return "candidate worse at " + confidence + ": " + std::to_string(e.base_wins) + " of " +
               discordant + " favour the base, " + lambda + " ≥ " + threshold + after;
    case Verdict::no_evidence:
        return "no evidence of improvement after " + std::to_string(e.pairs) +
               " pairs: " + std::to_string(e.candidate_wins) + " of " + discordant +
               " favour the candidate, " + lambda + " < " + threshold;
    case Verdict::continue_: break;
    }
    std::string out = "undecided after " + std::to_string(e.pairs) + " pairs";
    if (e.pairs < settings_.min_pairs)
        out += " (minimum " + std::to_string(settings_.min_pairs) + ")";
    return out + ": " + std::to_string(e.candidate_wins) + " of " + discordant +
           " favour the candidate, " + lambda + (e.log_lambda >= e.log_threshold ? " ≥ " : " < ") +
           threshold;
}

// RateDropWatch

RateDropWatch::RateDropWatch(size_t base_passes, size_t base_total, WatchSettings settings)
    : settings_(settings) {
    check_common(settings_.alpha, settings_.prior_a, settings_.prior_b, "rate drop watch");
    if (!(settings_.margin >= 0 && settings_.margin < 1))
        throw Error(ErrorCode::invalid_argument,
                    "rate drop watch: margin must be in [0, 1), got " + format_g(settings_.margin));
    if (base_total == 0 || base_passes > base_total)
        throw Error(ErrorCode::invalid_argument,
                    "rate drop watch: the predecessor's record needs 0 <= passes <= total and a "
                    "total above 0, got " +
                        std::to_string(base_passes) + " of " + std::to_string(base_total));
    base_rate_ = static_cast<double>(base_passes) / static_cast<double>(base_total);
    threshold_rate_ = base_rate_ - settings_.margin;
    log_threshold_ = -std::log(settings_.alpha);
    if (threshold_rate_ > 0)
        log_prior_mass_ =
            log_beta(settings_.prior_a, settings_.prior_b) +
            log_regularized_incomplete_beta(threshold_rate_, settings_.prior_a, settings_.prior_b);
}

void RateDropWatch::update_lambda() {
    if (threshold_rate_ <= 0) return; // nothing to drop below: Λ stays 1
    const double s = static_cast<double>(passes_);
    const double f = static_cast<double>(failures_);
    const double a = settings_.prior_a + s;
    const double b = settings_.prior_b + f;
    // The null's likelihood at p0'; p0' = 1 (a perfect predecessor, no margin) is refuted by any
    // failure.
    double log_null = s * std::log(threshold_rate_);
    if (failures_ > 0) log_null += f * std::log1p(-threshold_rate_);
    log_lambda_ = log_beta(a, b) + log_regularized_incomplete_beta(threshold_rate_, a, b) -
                  log_prior_mass_ - log_null;
    max_log_lambda_ = std::max(max_log_lambda_, log_lambda_);
}

void RateDropWatch::add(bool pass) {
    if (pass)
        ++passes_;
    else
        ++failures_;
    update_lambda();
    if (fired_at_ == 0 && outcomes() >= settings_.min_outcomes && log_lambda_ >= log_threshold_) {
        fired_at_ = outcomes();
        at_fire_ = evidence();
    }
}

double RateDropWatch::p_value() const {
    return p_value_of(max_log_lambda_);
}

double RateDropWatch::pass_rate() const {
    if (outcomes() == 0) return 0;
    return static_cast<double>(passes_) / static_cast<double>(outcomes());
}

WatchEvidence RateDropWatch::evidence() const {
    WatchEvidence e;
    e.fired = fired();
    e.fired_at = fired_at_;
    e.outcomes = outcomes();
    e.passes = passes_;
    e.pass_rate = pass_rate();
    e.base_rate = base_rate_;
    e.threshold_rate = threshold_rate_;
    e.log_lambda = log_lambda_;
    e.max_log_lambda = max_log_lambda_;
    e.log_threshold = log_threshold_;
    e.p_value = p_value();
    return e;
}

WatchEvidence RateDropWatch::evidence_at_fire() const {
    return fired() ? at_fire_ : evidence();
}

std::string RateDropWatch::describe() const {
    const std::string base = "the predecessor's " + format_rate(base_rate_) + " - " +
                             format_rate(settings_.margin) + " = " + format_rate(threshold_rate_);
    if (threshold_rate_ <= 0) return "watch off: " + base + " leaves no rate to drop below";
    const WatchEvidence e = evidence_at_fire();
    const std::string rate = format_rate(e.pass_rate) + " (" + std::to_string(e.passes) + " of " +
                             std::to_string(e.outcomes) + ")";
    const std::string lambda = "Λ = " + format_lambda(e.log_lambda);
    const std::string threshold = format_g(1 / settings_.alpha);
    if (fired())
        return "pass rate dropped at " + format_g(100 * (1 - settings_.alpha)) +
               "% confidence: " + rate + " below " + base + ", " + lambda + " ≥ " + threshold +
               " after " + std::to_string(e.outcomes) + " outcomes";
    std::string out = "no significant drop after " + std::to_string(e.outcomes) + " outcomes";
    if (e.outcomes < settings_.min_outcomes)
        out += " (minimum " + std::to_string(settings_.min_outcomes) + ")";
    return out + ": pass rate " + rate + " against " + base + ", " + lambda +
           (e.log_lambda >= e.log_threshold ? " ≥ " : " < ") + threshold;
}

} // namespace tinyllm::stats
