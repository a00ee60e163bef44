// What evaluating the alert rules costs tinyllm serve, every evaluate_every (5 s) on its own
// thread: the committed alerts.yaml's five rules over a busy server's metrics.
//
//   BM_AlertEvaluation/N   AlertEvaluator::evaluate with N graphs of 8 nodes (N*8 node series,
//                          each with its 15-bucket histogram), a 10-minute window already full
//                          of samples (120 evaluations 5 s apart), Metrics::snapshot included.
#include "config/alerts_config.hpp"
#include "serve/alerts.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>

namespace {

using namespace tinyllm;

void fill(serve::Metrics &metrics, int graphs, int round) {
    trace::Run run;
    run.graph_version = "1.0.0";
    run.status = round % 7 == 0 ? trace::RunStatus::failed : trace::RunStatus::succeeded;
    run.started_at_ms = 0;
    run.finished_at_ms = 800 + round % 2000;
    for (int n = 0; n < 8; ++n) {
        trace::NodeExecution node;
        node.node_id = "node" + std::to_string(n);
        node.status =
            (round + n) % 5 == 0 ? trace::NodeStatus::failed : trace::NodeStatus::succeeded;
        node.duration_us = 1000 * (1 + (round * 7 + n) % 900);
        trace::ModelCall call;
        call.model = "qwen2.5:" + std::to_string(n % 3) + "b";
        call.duration_us = node.duration_us;
        node.model_calls.push_back(call);
        run.nodes.push_back(node);
    }
    for (int g = 0; g < graphs; ++g)
        metrics.run_ended("graph" + std::to_string(g), run);
}

void BM_AlertEvaluation(benchmark::State &state) {
    const int graphs = static_cast<int>(state.range(0));
    const config::AlertsConfig config =
        config::load_alerts_config(std::filesystem::path(TINYLLM_BENCH_CONFIG_DIR) / "alerts.yaml");
    serve::AlertEvaluator alerts(config.rules);
    serve::Metrics metrics;
    serve::AlertInputs inputs;
    inputs.backends_checked = true;
    inputs.max_queued_runs = 64;
    int64_t now = 1'700'000'000'000;
    for (int round = 0; round < 120; ++round, now += 5000) {
        fill(metrics, graphs, round);
        inputs.metrics = metrics.snapshot();
        alerts.evaluate(inputs, now);
    }
    int round = 120;
    for (auto _ : state) {
        state.PauseTiming(); // new runs keep the windows moving; not what is measured
        fill(metrics, graphs, round++);
        state.ResumeTiming();
        inputs.metrics = metrics.snapshot();
        benchmark::DoNotOptimize(alerts.evaluate(inputs, now));
        now += 5000;
    }
    state.counters["node_series"] = graphs * 8;
}
BENCHMARK(BM_AlertEvaluation)->Arg(1)->Arg(10)->Arg(50)->Unit(benchmark::kMicrosecond);

} // namespace
