// The semantic stage's example vectors: one contiguous, row-major float matrix of unit vectors
// (rows grouped by route, each row padded with zeros to a multiple of 16 floats so the dot
// product's loop has no tail), scored against a request's vector in one pass. Free of the SDK:
// it takes vectors, wherever they came from.
#pragma once

#include <cstddef>
#include <new>
#include <span>
#include <stdexcept>
#include <vector>

namespace tinyllm::router {

// Cache-line aligned storage: a 32-byte load from a 16-byte aligned row (what malloc gives)
// straddles two cache lines every other time.
template <class T> struct CacheAligned {
    using value_type = T;
    static constexpr std::align_val_t kAlignment{64};
    CacheAligned() = default;
    template <class U> CacheAligned(const CacheAligned<U> &) noexcept {}
    T *allocate(size_t n) { return static_cast<T *>(::operator new(n * sizeof(T), kAlignment)); }
    void deallocate(T *p, size_t) noexcept { ::operator delete(p, kAlignment); }
    template <class U> bool operator==(const CacheAligned<U> &) const noexcept { return true; }
};
using FloatBuffer = std::vector<float, CacheAligned<float>>;

class SemanticIndex {
public:
    SemanticIndex() = default;
    // `vectors[i]` is an example of route `example_routes[i]` (< route_count). Every vector
    // must have the same, non-zero number of dimensions and a non-zero length; they are
    // normalised here. Throws std::invalid_argument saying which one is not.
    SemanticIndex(size_t route_count, const std::vector<int> &example_routes,
                  const std::vector<std::vector<float>> &vectors);

    size_t dims() const noexcept { return dims_; }
    size_t size() const noexcept { return rows_; }
    size_t route_count() const noexcept { return ranges_.size(); }
    bool has_examples(size_t route) const noexcept {
        return ranges_[route].end > ranges_[route].begin;
    }

    // For every route the cosine similarity of `query` (dims() floats, any length) to its
    // closest example, and that example's index in the constructor's order; routes without
    // examples get -infinity and -1. False (and nothing written) when `query` has length 0.
    // Throws std::invalid_argument when the dimensions differ. Thread-safe.
    bool score(std::span<const float> query, std::span<float> best,
               std::span<int> best_example) const;

private:
    struct Range {
        size_t begin = 0;
        size_t end = 0;
    };
    size_t dims_ = 0;
    size_t stride_ = 0; // dims_ rounded up to a multiple of 16
    size_t rows_ = 0;
    FloatBuffer matrix_;        // rows_ x stride_
    std::vector<int> original_; // row -> index in the constructor's order
    std::vector<Range> ranges_; // route -> its rows
};

// The dot products of `query` with each of `rows` rows of `matrix` (`stride` floats apart,
// stride a multiple of 16) into `out`. Exposed for the benchmark.
void dot_rows(const float *matrix, size_t rows, size_t stride, const float *query, float *out);

} // namespace tinyllm::router
