// The sequential tests of graph experiments (host/common/tinyllm/sequential_test.hpp), per
// graded outcome. Both run once per graded request of an experiment, next to a model call of
// 100 ms or more, so anything under a few microseconds is free.
//
// BM_SequentialPairAdd: SequentialPairTest::add + decision() per pair, on live-traffic pairs at
// pass rates 0.6 and 0.65, a fresh test every 400 pairs (max_pairs; the construction is in the
// figure, amortized). Target: O(1), < 1 us.
// BM_SequentialPairDescribe: the one-line reason (string formatting), once per experiment.
// BM_RateDropWatchAdd/N/R: RateDropWatch::add on a watch that has already seen N outcomes at
// pass rate R% against a predecessor at 0.90 (p0' = 0.85): one regularized incomplete beta and
// three lgamma calls. The continued fraction needs the most terms (about sqrt(N)) when the rate
// sits at p0' itself (R = 85, the worst case), few when it is clearly above (R = 90, a healthy
// version). Target: < 5 us.
#include "tinyllm/sequential_test.hpp"

#include <benchmark/benchmark.h>

#include <random>
#include <utility>
#include <vector>

namespace tinyllm::stats {
namespace {

std::vector<std::pair<bool, bool>> random_pairs(size_t count, double p_base, double p_candidate) {
    std::mt19937_64 rng(42);
    const auto draw = [&](double p) { return static_cast<double>(rng() >> 11) * 0x1.0p-53 < p; };
    std::vector<std::pair<bool, bool>> pairs(count);
    for (auto &[base, candidate] : pairs) {
        base = draw(p_base);
        candidate = draw(p_candidate);
    }
    return pairs;
}

void BM_SequentialPairAdd(benchmark::State &state) {
    const auto pairs = random_pairs(400, 0.6, 0.65);
    SequentialPairTest test;
    size_t i = 0;
    for (auto _ : state) {
        if (i == pairs.size()) {
            test = SequentialPairTest();
            i = 0;
        }
        test.add(pairs[i].first, pairs[i].second);
        benchmark::DoNotOptimize(test.decision());
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SequentialPairAdd);

void BM_SequentialPairDescribe(benchmark::State &state) {
    const auto pairs = random_pairs(120, 0.6, 0.65);
    SequentialPairTest test;
    for (const auto &[base, candidate] : pairs)
        test.add(base, candidate);
    for (auto _ : state)
        benchmark::DoNotOptimize(test.describe());
}
BENCHMARK(BM_SequentialPairDescribe);

void BM_RateDropWatchAdd(benchmark::State &state) {
    const auto seen = static_cast<size_t>(state.range(0));
    const double rate = static_cast<double>(state.range(1)) / 100;
    const auto outcomes = random_pairs(seen + 64, rate, rate);
    RateDropWatch start(180, 200);
    for (size_t k = 0; k < seen; ++k)
        start.add(outcomes[k].first);
    RateDropWatch watch = start;
    size_t i = 0;
    for (auto _ : state) {
        if (i == 64) { // stay near `seen` outcomes
            watch = start;
            i = 0;
        }
        watch.add(outcomes[seen + i].first);
        benchmark::DoNotOptimize(watch.fired());
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RateDropWatchAdd)->ArgsProduct({{30, 400, 5000, 100000}, {85, 90}});

} // namespace
} // namespace tinyllm::stats
