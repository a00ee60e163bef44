// Self-improvement's per-run cost (issue 18's target: evaluating the trigger when a run finishes
// under 10 us).
//
//   BM_TriggerOnGraded   expansion::TriggerCheck::on_graded for a node under its threshold: the
//                        node's graded count over the 24 h window read from the hourly rollups
//                        (the common case: nothing to record). The store holds 24 hours of
//                        graded runs of 3 nodes, one every 10 s.
//   BM_TriggerSettled    the same for a node already found pending in this process (no query).
#include "expansion/arm.hpp"
#include "expansion/trigger_check.hpp"
#include "store/graph_store.hpp"
#include "store/run_store.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>

#include <unistd.h>

namespace tinyllm::bench {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kStart = 1'735'689'600'000; // 2025-01-01T00:00Z

struct Fixture {
    fs::path dir =
        fs::temp_directory_path() / ("tinyllm-bench-expansion-" + std::to_string(::getpid()));
    std::unique_ptr<store::RunStore> store;

    Fixture() {
        fs::remove_all(dir);
        store::StoreOptions options;
        options.path = dir / "runs.db";
        store = store::RunStore::open(options);
        const char *nodes[] = {"specialist.math", "specialist.code", "specialist.general"};
        for (int64_t i = 0; i < 24 * 360; ++i) {
            trace::Run run;
            run.id = "r" + std::to_string(i);
            run.graph_id = "default";
            run.graph_version = "3.0.0";
            run.input = "what is 2+2?";
            run.started_at_ms = kStart + i * 10'000;
            trace::NodeExecution n;
            n.node_id = nodes[i % 3];
            n.node_type = "model";
            n.started_at_ms = run.started_at_ms;
            n.input = "{}";
            n.output = "{}";
            run.nodes.push_back(n);
            run.status = trace::RunStatus::succeeded;
            run.finished_at_ms = run.started_at_ms + 100;
            run.answer = "4";
            store->finish_run(run);
            store::GradeRecord g;
            g.run_id = run.id;
            g.node_id = n.node_id;
            g.judge = "rules";
            g.pass = i % 5 != 0;
            g.score = *g.pass ? 1.0 : 0.0;
            store->record_grade(g);
        }
    }
    ~Fixture() {
        store.reset();
        fs::remove_all(dir);
    }
};

Fixture &fixture() {
    static Fixture f;
    return f;
}

void BM_TriggerOnGraded(benchmark::State &state) {
    Fixture &f = fixture();
    config::ExpansionTrigger trigger; // 100 graded, 30 %: the node fails 20 %, so it is under
    expansion::TriggerCheck check(*f.store, trigger);
    const int64_t now = kStart + 24 * kHour;
    for (auto _ : state)
        benchmark::DoNotOptimize(
            check.on_graded("default", "3.0.0", "specialist.math", now).pending);
}

// The same with the grade's dataset label: the per-label rule's counts, read once from the
// store (before the loop) and then counted in memory.
void BM_TriggerOnGradedWithLabel(benchmark::State &state) {
    Fixture &f = fixture();
    config::ExpansionTrigger trigger;
    expansion::TriggerCheck check(*f.store, trigger);
    const int64_t now = kStart + 24 * kHour;
    const expansion::GradeSeen grade{"arithmetic", true, 0}; // a pass: the label stays under
    (void)check.on_graded("default", "3.0.0", "specialist.math", now, grade);
    for (auto _ : state)
        benchmark::DoNotOptimize(
            check.on_graded("default", "3.0.0", "specialist.math", now, grade).pending);
}

void BM_TriggerSettled(benchmark::State &state) {
    Fixture &f = fixture();
    config::ExpansionTrigger trigger;
    trigger.max_failure_rate = 0.1; // over: recorded pending once, then settled
    expansion::TriggerCheck check(*f.store, trigger);
    const int64_t now = kStart + 24 * kHour;
    (void)check.on_graded("default", "3.0.0", "specialist.code", now);
    for (auto _ : state)
        benchmark::DoNotOptimize(
            check.on_graded("default", "3.0.0", "specialist.code", now).pending);
}

// Routing a request to a live experiment's arm: one seeded XXH3 of the input (target < 1 us),
// for a short question, a 1 KB and a 4 KB prompt.
void BM_ChooseArm(benchmark::State &state) {
    const uint64_t seed = tinyllm::expansion::arm_seed("x01a244027f7e213019b7");
    std::string input(static_cast<size_t>(state.range(0)), 'q');
    size_t i = 0;
    bool any = false;
    for (auto _ : state) {
        input[i++ % input.size()] ^= 1; // a different input each time
        any ^= tinyllm::expansion::candidate_arm(seed, input, 0.2);
    }
    benchmark::DoNotOptimize(any);
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

BENCHMARK(BM_TriggerOnGraded)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ChooseArm)->Arg(64)->Arg(1024)->Arg(4096)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_TriggerOnGradedWithLabel)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TriggerSettled)->Unit(benchmark::kMicrosecond);

} // namespace
} // namespace tinyllm::bench
