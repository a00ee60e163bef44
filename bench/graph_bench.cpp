// Orchestration overhead of the graph executor, with real passthrough node plugins (the .so
// from the build tree): chains of 1, 10 and 100 nodes, and a router→specialist→gate-shaped
// graph whose edges carry conditions. Each iteration is one whole run (trace recorded in
// memory, no run store), so time per node = time per run / nodes.
#include "bench_support.hpp"

#include "graph/executor.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "plugin/registry.hpp"

#include <benchmark/benchmark.h>

#include <fstream>

namespace tinyllm::bench {
namespace {

const plugin::Registry &node_registry() {
    static const plugin::Registry *registry = [] {
        auto *r = new plugin::Registry; // kept for the process: graphs hold its instances
        r->set_log_failures(false);
        r->load_file(kPluginDir / "tinyllm-passthrough.so");
        return r;
    }();
    return *registry;
}

std::unique_ptr<graph::Graph> build(const std::string &name, const std::string &yaml) {
    const auto path = std::filesystem::temp_directory_path() / ("tinyllm-bench-" + name + ".yaml");
    std::ofstream(path) << yaml;
    auto g = graph::build_graph(graph::load_graph_def(path), node_registry(), nullptr,
                                graph::BuildMode::run);
    std::filesystem::remove(path);
    return g;
}

std::string chain_yaml(int n) {
    std::string y = "id: chain\nversion: 1.0.0\nentry: n0\nexits: [n" + std::to_string(n - 1) +
                    "]\nlimits: {max_steps: 1000}\nnodes:\n";
    for (int i = 0; i < n; ++i)
        y += "  - {id: n" + std::to_string(i) + ", type: passthrough}\n";
    if (n > 1) y += "edges:\n";
    for (int i = 0; i + 1 < n; ++i) {
        y += "  - {from: n" + std::to_string(i) + ", to: n" + std::to_string(i + 1) + "}\n";
    }
    return y;
}

void BM_GraphChain(benchmark::State &state) {
    const int n = static_cast<int>(state.range(0));
    const auto g = build("chain" + std::to_string(n), chain_yaml(n));
    const graph::Executor executor(*g);
    for (auto _ : state) {
        graph::RunOptions options;
        const trace::Run run = executor.run("hello", options);
        if (run.status != trace::RunStatus::succeeded) state.SkipWithError("run failed");
        benchmark::DoNotOptimize(run.answer.data());
    }
    state.counters["nodes"] = n;
    state.counters["us_per_node"] = benchmark::Counter(
        static_cast<double>(n) * static_cast<double>(state.iterations()),
        benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_GraphChain)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);

// router → specialist (one of two, by condition) → gate → exit.
void BM_RouterSpecialistGate(benchmark::State &state) {
    const auto g = build("rsg", R"(id: rsg
version: 1.0.0
entry: router
exits: [answer]
nodes:
  - {id: router, type: passthrough}
  - {id: math, type: passthrough}
  - {id: general, type: passthrough}
  - {id: gate, type: passthrough, max_visits: 3}
  - {id: answer, type: passthrough}
edges:
  - {from: router, to: math, when: 'route == "math"'}
  - {from: router, to: general, when: else}
  - {from: math, to: gate}
  - {from: general, to: gate}
  - {from: gate, to: answer, when: 'not data.failed'}
  - {from: gate, to: general, when: else}
)");
    const graph::Executor executor(*g);
    for (auto _ : state) {
        graph::RunOptions options;
        const trace::Run run = executor.run("what is 2+2?", options);
        if (run.status != trace::RunStatus::succeeded) state.SkipWithError("run failed");
        benchmark::DoNotOptimize(run.answer.data());
    }
}
BENCHMARK(BM_RouterSpecialistGate)->Unit(benchmark::kMicrosecond);

} // namespace
} // namespace tinyllm::bench
