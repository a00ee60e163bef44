#include "cli/eval_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace tinyllm::cli::eval {

std::optional<Interval> wilson_interval(int64_t successes, int64_t total, double z) {
    if (total <= 0) return std::nullopt;
    const double n = static_cast<double>(total);
    const double p = static_cast<double>(successes) / n;
    const double z2 = z * z;
    const double denominator = 1 + z2 / n;
    const double center = (p + z2 / (2 * n)) / denominator;
    const double half = z / denominator * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    // Rounding may push an end a hair past [0, 1] at p = 0 or 1.
    return Interval{std::max(0.0, center - half), std::min(1.0, center + half)};
}

std::optional<double> Proportion::rate() const {
    if (total <= 0) return std::nullopt;
    return static_cast<double>(successes) / static_cast<double>(total);
}

double nearest_rank(const std::vector<double> &sorted, double p) {
    const double n = static_cast<double>(sorted.size());
    // The rank is ceil(p/100 * n); a tiny slack keeps 0.9 * 10 from becoming rank 10.
    const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * n - 1e-9));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

Percentiles percentiles(std::vector<double> values) {
    Percentiles out;
    if (values.empty()) return out;
    std::sort(values.begin(), values.end());
    out.count = values.size();
    out.p50 = nearest_rank(values, 50);
    out.p90 = nearest_rank(values, 90);
    out.p99 = nearest_rank(values, 99);
    out.max = values.back();
    return out;
}

ConfusionMatrix::ConfusionMatrix(std::vector<std::string> labels)
    : labels_(std::move(labels)), columns_(labels_),
      counts_(labels_.size(), std::vector<int64_t>(labels_.size(), 0)), errors_(labels_.size(), 0) {
}

size_t ConfusionMatrix::row_of(std::string_view label) const {
    const auto it = std::find(labels_.begin(), labels_.end(), label);
    if (it == labels_.end()) {
        throw std::invalid_argument("confusion matrix: \"" + std::string(label) +
                                    "\" is not a label");
    }
    return static_cast<size_t>(it - labels_.begin());
}

void ConfusionMatrix::add(std::string_view expected, std::string_view predicted) {
    const size_t row = row_of(expected);
    auto it = std::find(columns_.begin(), columns_.end(), predicted);
    if (it == columns_.end()) {
        columns_.emplace_back(predicted);
        for (auto &r : counts_)
            r.push_back(0);
        it = columns_.end() - 1;
    }
    ++counts_[row][static_cast<size_t>(it - columns_.begin())];
}

void ConfusionMatrix::add_error(std::string_view expected) {
    ++errors_[row_of(expected)];
}

int64_t ConfusionMatrix::total_errors() const {
    return std::accumulate(errors_.begin(), errors_.end(), int64_t{0});
}

int64_t ConfusionMatrix::row_total(size_t row) const {
    return std::accumulate(counts_[row].begin(), counts_[row].end(), errors_[row]);
}

int64_t ConfusionMatrix::column_total(size_t column) const {
    int64_t sum = 0;
    for (const auto &r : counts_)
        sum += r[column];
    return sum;
}

int64_t ConfusionMatrix::correct() const {
    int64_t sum = 0;
    for (size_t i = 0; i < labels_.size(); ++i)
        sum += counts_[i][i];
    return sum;
}

int64_t ConfusionMatrix::total() const {
    int64_t sum = 0;
    for (size_t i = 0; i < labels_.size(); ++i)
        sum += row_total(i);
    return sum;
}

namespace {

std::optional<double> ratio(int64_t numerator, int64_t denominator) {
    if (denominator <= 0) return std::nullopt;
    return static_cast<double>(numerator) / static_cast<double>(denominator);
}

std::optional<double> mean_of_defined(const std::vector<LabelMetrics> &metrics,
                                      std::optional<double> LabelMetrics::*field) {
    double sum = 0;
    int defined = 0;
    for (const auto &m : metrics) {
        if (const auto &v = m.*field) {
            sum += *v;
            ++defined;
        }
    }
    if (defined == 0) return std::nullopt;
    return sum / defined;
}

} // namespace

std::vector<LabelMetrics> label_metrics(const ConfusionMatrix &matrix) {
    std::vector<LabelMetrics> out;
    for (size_t i = 0; i < matrix.labels().size(); ++i) {
        LabelMetrics m;
        m.label = matrix.labels()[i];
        m.support = matrix.row_total(i);
        m.predicted = matrix.column_total(i);
        m.true_positives = matrix.count(i, i);
        m.precision = ratio(m.true_positives, m.predicted);
        m.recall = ratio(m.true_positives, m.support);
        if (m.precision && m.recall) {
            const double sum = *m.precision + *m.recall;
            m.f1 = sum > 0 ? 2 * *m.precision * *m.recall / sum : 0.0;
        }
        out.push_back(std::move(m));
    }
    return out;
}

MacroAverage macro_average(const std::vector<LabelMetrics> &metrics) {
    return {mean_of_defined(metrics, &LabelMetrics::precision),
            mean_of_defined(metrics, &LabelMetrics::recall),
            mean_of_defined(metrics, &LabelMetrics::f1)};
}

} // namespace tinyllm::cli::eval
