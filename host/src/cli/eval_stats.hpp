// The statistics of `tinyllm eval`: a confidence interval for an accuracy, latency percentiles,
// a confusion matrix and the per-label precision, recall and F1 it gives. Plain arithmetic on
// counts and numbers, nothing about nodes or files, so each formula is tested on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::cli::eval {

// z for a two-sided 95% interval (the 0.975 quantile of the normal distribution).
inline constexpr double kZ95 = 1.959963984540054;

struct Interval {
    double low = 0;
    double high = 0;
};

// The Wilson score interval of `successes` out of `total`: unlike p ± z·sqrt(p(1-p)/n), it stays
// inside [0, 1] and is not zero-width at 0% or 100%, which matters for the small per-stage and
// per-subset counts an evaluation has. nullopt when `total` is 0.
std::optional<Interval> wilson_interval(int64_t successes, int64_t total, double z = kZ95);

// k out of n, with its rate (nullopt when n is 0) and 95% Wilson interval.
struct Proportion {
    int64_t successes = 0;
    int64_t total = 0;
    std::optional<double> rate() const;
    std::optional<Interval> interval() const { return wilson_interval(successes, total); }
};

// Nearest-rank percentiles: each is a value that was measured (no interpolation between two
// latencies), the smallest with at least p% of the values at or below it. All zero when there
// are no values.
struct Percentiles {
    size_t count = 0;
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double max = 0;
};
Percentiles percentiles(std::vector<double> values);
// The nearest-rank `p`th percentile (0 < p <= 100) of non-empty, ascending `sorted`.
double nearest_rank(const std::vector<double> &sorted, double p);

// Counts of (expected label, predicted label). Rows are the labels, in the order given;
// columns are the labels, then any other prediction in the order first seen (a node answering
// a route it did not declare), then, apart, the requests that got no prediction (errors).
class ConfusionMatrix {
public:
    explicit ConfusionMatrix(std::vector<std::string> labels);

    // Throws std::invalid_argument when `expected` is not a label.
    void add(std::string_view expected, std::string_view predicted);
    void add_error(std::string_view expected);

    const std::vector<std::string> &labels() const noexcept { return labels_; }
    const std::vector<std::string> &columns() const noexcept { return columns_; }
    int64_t count(size_t row, size_t column) const { return counts_[row][column]; }
    int64_t errors(size_t row) const { return errors_[row]; }
    int64_t total_errors() const;
    int64_t row_total(size_t row) const;       // the label's support, errors included
    int64_t column_total(size_t column) const; // how often it was predicted
    int64_t correct() const;                   // the diagonal
    int64_t total() const;                     // every request, errors included

private:
    size_t row_of(std::string_view label) const;

    std::vector<std::string> labels_;
    std::vector<std::string> columns_;
    std::vector<std::vector<int64_t>> counts_; // [row][column]
    std::vector<int64_t> errors_;              // [row]
};

// One label's scores. Precision is undefined for a label never predicted, recall for one with
// no support (nullopt, not 0: "never predicted" is not "always wrong"), F1 when either is.
// An error counts against its label's recall and nobody's precision.
struct LabelMetrics {
    std::string label;
    int64_t support = 0;
    int64_t predicted = 0;
    int64_t true_positives = 0;
    std::optional<double> precision;
    std::optional<double> recall;
    std::optional<double> f1;
};
std::vector<LabelMetrics> label_metrics(const ConfusionMatrix &matrix);

// The unweighted mean of each score over the labels where it is defined.
struct MacroAverage {
    std::optional<double> precision;
    std::optional<double> recall;
    std::optional<double> f1;
};
MacroAverage macro_average(const std::vector<LabelMetrics> &metrics);

} // namespace tinyllm::cli::eval
