#include "semantic_index.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace tinyllm::router {

namespace {

constexpr size_t kLanes = 16;

size_t round_up(size_t n) {
    return (n + kLanes - 1) / kLanes * kLanes;
}

// The Euclidean length in double: float sums of 768 squares lose digits.
double length_of(std::span<const float> v) {
    double sum = 0;
    for (const float x : v)
        sum += static_cast<double>(x) * x;
    return std::sqrt(sum);
}

} // namespace

// The sum of one row's products, in 16 independent partial sums: one running sum is a chain
// the compiler may not reorder without -ffast-math, whereas 16 lanes fill whole vector
// registers.
inline float dot_row(const float *row, const float *query, size_t stride) {
    float acc[kLanes] = {};
    for (size_t i = 0; i < stride; i += kLanes) {
        for (size_t j = 0; j < kLanes; ++j)
            acc[j] += row[i + j] * query[i + j];
    }
    float sum = 0;
    for (size_t j = 0; j < kLanes; ++j)
        sum += acc[j];
    return sum;
}

// Four rows at a time: each query load serves four rows, and the four rows' partial sums are
// eight independent multiply-add chains with AVX2, enough to hide the instruction's latency
// (one row's two chains left the loop waiting on it: 60 us for 1,000 x 768 instead of ~40).
// Built once for baseline x86-64 and once for x86-64-v3 (AVX2, FMA), the one chosen when the
// plugin loads (GCC function multi-versioning).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void dot_rows(const float *matrix, size_t rows, size_t stride, const float *query, float *out) {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *a = matrix + r * stride;
        const float *b = a + stride;
        const float *c = b + stride;
        const float *d = c + stride;
        float acc[4][kLanes] = {};
        for (size_t i = 0; i < stride; i += kLanes) {
            for (size_t j = 0; j < kLanes; ++j) {
                const float q = query[i + j];
                acc[0][j] += a[i + j] * q;
                acc[1][j] += b[i + j] * q;
                acc[2][j] += c[i + j] * q;
                acc[3][j] += d[i + j] * q;
            }
        }
        for (size_t k = 0; k < 4; ++k) {
            float sum = 0;
            for (size_t j = 0; j < kLanes; ++j)
                sum += acc[k][j];
            out[r + k] = sum;
        }
    }
    for (; r < rows; ++r)
        out[r] = dot_row(matrix + r * stride, query, stride);
}

SemanticIndex::SemanticIndex(size_t route_count, const std::vector<int> &example_routes,
                             const std::vector<std::vector<float>> &vectors)
    : rows_(vectors.size()), ranges_(route_count) {
    if (example_routes.size() != vectors.size()) {
        throw std::invalid_argument("got " + std::to_string(vectors.size()) + " vectors for " +
                                    std::to_string(example_routes.size()) + " examples");
    }
    if (vectors.empty()) return;
    dims_ = vectors.front().size();
    if (dims_ == 0) throw std::invalid_argument("the embeddings have no dimensions");
    stride_ = round_up(dims_);
    matrix_.assign(rows_ * stride_, 0.0f);
    original_.resize(rows_);

    // Rows grouped by route (stable), so a route's examples are one contiguous range.
    std::vector<size_t> order(rows_);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return example_routes[a] < example_routes[b]; });
    for (size_t row = 0; row < rows_; ++row) {
        const size_t i = order[row];
        const int route = example_routes[i];
        if (route < 0 || static_cast<size_t>(route) >= route_count) {
            throw std::invalid_argument("example " + std::to_string(i) + " has no route");
        }
        if (vectors[i].size() != dims_) {
            throw std::invalid_argument("example " + std::to_string(i) + " has " +
                                        std::to_string(vectors[i].size()) + " dimensions, not " +
                                        std::to_string(dims_));
        }
        const double length = length_of(vectors[i]);
        if (!(length > 0) || !std::isfinite(length)) {
            throw std::invalid_argument("example " + std::to_string(i) +
                                        " has a zero or non-finite vector");
        }
        float *out = matrix_.data() + row * stride_;
        for (size_t k = 0; k < dims_; ++k)
            out[k] = static_cast<float>(vectors[i][k] / length);
        original_[row] = static_cast<int>(i);
        Range &range = ranges_[static_cast<size_t>(route)];
        if (range.end == range.begin) range.begin = row;
        range.end = row + 1;
    }
}

bool SemanticIndex::score(std::span<const float> query, std::span<float> best,
                          std::span<int> best_example) const {
    if (query.size() != dims_) {
        throw std::invalid_argument("the request's embedding has " + std::to_string(query.size()) +
                                    " dimensions, the examples' " + std::to_string(dims_));
    }
    const double length = length_of(query);
    if (!(length > 0) || !std::isfinite(length)) return false;
    FloatBuffer q(stride_, 0.0f);
    for (size_t k = 0; k < dims_; ++k)
        q[k] = static_cast<float>(query[k] / length);
    std::vector<float> sims(rows_);
    dot_rows(matrix_.data(), rows_, stride_, q.data(), sims.data());
    for (size_t r = 0; r < ranges_.size(); ++r) {
        float top = -std::numeric_limits<float>::infinity();
        int which = -1;
        for (size_t row = ranges_[r].begin; row < ranges_[r].end; ++row) {
            if (sims[row] > top) {
                top = sims[row];
                which = original_[row];
            }
        }
        best[r] = top;
        best_example[r] = which;
    }
    return true;
}

} // namespace tinyllm::router
