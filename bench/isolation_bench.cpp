// `isolation: process` priced: one call of a passthrough node through its own process (a round
// trip over the socket: the call, the output, done) against the same node in the host's
// process, and the cost of starting a plugin's process (spawn, dlopen, init, the hello).
//
//   BM_IsolatedCall/in_process  runtime::Node::process on the dlopen'ed passthrough node
//   BM_IsolatedCall/process     the same through tinyllm-plugin-host serve
//   BM_IsolatedStart            load_isolated + the process's end, per iteration
#include "bench_support.hpp"

#include "isolation/plugin_process.hpp"
#include "plugin/loader.hpp"
#include "runtime/node.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace tinyllm::bench {
namespace {

const std::filesystem::path kPassthrough = kPluginDir / "tinyllm-passthrough.so";

isolation::ProcessOptions process_options() {
    isolation::ProcessOptions o;
    o.plugin_host = TINYLLM_BENCH_PLUGIN_HOST;
    return o;
}

std::unique_ptr<plugin::LoadedPlugin> load(bool isolated) {
    std::vector<plugin::LoadFailure> ignored;
    plugin::LoadResult r = isolated ? isolation::load_isolated(kPassthrough, process_options())
                                    : plugin::load_plugin(kPassthrough, ignored);
    if (auto *f = std::get_if<plugin::LoadFailure>(&r)) {
        throw std::runtime_error(plugin::describe(*f));
    }
    return std::move(std::get<std::unique_ptr<plugin::LoadedPlugin>>(r));
}

void BM_IsolatedCall(benchmark::State &state, bool isolated) {
    const auto plugin = load(isolated);
    runtime::Node node("n", {plugin->components.front(), plugin.get()}, "{}", nullptr);
    const std::string message = R"({"input":"hi","content":"hi","route":"","attempt":1,"data":{}})";
    std::vector<double> us;
    us.reserve(1 << 16);
    for (auto _ : state) {
        const auto start = std::chrono::steady_clock::now();
        auto call = make_call();
        std::string out = node.process(call, message);
        benchmark::DoNotOptimize(out);
        us.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                .count());
    }
    std::sort(us.begin(), us.end());
    state.counters["p50_us"] = us.empty() ? 0 : us[us.size() / 2];
    state.counters["p99_us"] = us.empty() ? 0 : us[us.size() * 99 / 100];
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_IsolatedCall, in_process, false)->UseRealTime();
BENCHMARK_CAPTURE(BM_IsolatedCall, process, true)->UseRealTime();

void BM_IsolatedStart(benchmark::State &state) {
    for (auto _ : state) {
        auto plugin = load(true);
        benchmark::DoNotOptimize(plugin);
    }
}
BENCHMARK(BM_IsolatedStart)->UseRealTime()->Unit(benchmark::kMillisecond);

} // namespace
} // namespace tinyllm::bench
