// BM_PluginLoad: a new Registry loading plugins and dropping them again, every iteration.
//
// What it isolates: discovery (directory listing), Boost.DLL's dlopen(RTLD_NOW) with symbol
// relocation, the entry point and descriptor checks, component validation (including parsing
// each config_schema), then dlclose when the Registry dies. "Cold-ish": the file is in the page
// cache and, for the Ollama plugin, libcurl and its dependency chain stay mapped because this
// executable links libcurl itself — so this is the plugin's own load cost. The first load in a
// fresh `tinyllm` process also maps libcurl's ~30 libraries; docs/performance.md measures that
// separately at process level.
//
//   c_echo      one small C plugin with no dependency beyond libc
//   plugin_dir  the build tree's plugin directory (today: tinyllm-ollama.so)
#include "bench_support.hpp"

#include <benchmark/benchmark.h>

namespace tinyllm::bench {
namespace {

void BM_PluginLoad(benchmark::State &state, bool whole_dir) {
    for (auto _ : state) {
        plugin::Registry registry;
        registry.set_log_failures(false);
        if (whole_dir) {
            registry.load({plugin::SearchPath{kPluginDir, "bench", true}});
        } else {
            registry.load_file(kCEchoPlugin);
        }
        if (registry.plugins().empty() || !registry.failures().empty()) {
            state.SkipWithError("a plugin failed to load (run `tinyllm plugins list`)");
            break;
        }
        benchmark::DoNotOptimize(registry.plugins().front()->descriptor);
    }
}
BENCHMARK_CAPTURE(BM_PluginLoad, c_echo, false);
BENCHMARK_CAPTURE(BM_PluginLoad, plugin_dir, true);

} // namespace
} // namespace tinyllm::bench
