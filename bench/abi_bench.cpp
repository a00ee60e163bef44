// BM_AbiCall: the host calling a backend's chat through the C ABI, the way every model call
// crosses from the host into a plugin.
//
// What one iteration isolates: constructing the CallContext (a shared cancel flag and the event
// sink std::function), runtime::Backend::chat (vtable size check, cancellation check), the
// indirect call into the dlopen'ed plugin, the plugin's work (a strstr for the last message, one
// token event per word, snprintf of the answer), each event crossing back through tllm_call.emit
// into the sink, set_output copying the answer into the host, and take_output moving it out.
// No I/O, no JSON parser: the echo plugins are the cheapest backend possible, so what remains is
// the cost of the boundary itself plus a trivial body.
//
//   c_echo   tests/plugins/echo_backend.c, plain C against plugin.h
//   sdk_echo the same plugin written with plugin.hpp (exception guard, std::string result)
//   /words:1 a one-word message (one event): close to the fixed per-call cost
//   /words:N the typical request's last message (one event per word)
#include "bench_support.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace tinyllm::bench {
namespace {

std::string one_word_request() {
    return R"({"model":"echo","messages":[{"role":"user","content":"ping"}],"stream":false})";
}

void BM_AbiCall(benchmark::State &state, const std::filesystem::path &file, const char *component) {
    LoadedBackend loaded(file, component, "{}");
    const std::string request =
        state.range(0) == 1 ? one_word_request() : typical_chat_request(false);
    int64_t events = 0;
    for (auto _ : state) {
        auto call = make_call([&events](std::string_view) { ++events; });
        std::string out = loaded.backend->chat(call, request);
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["events/call"] =
        benchmark::Counter(static_cast<double>(events) / static_cast<double>(state.iterations()));
}

// The typical request's last message has 19 words; the label is informative only.
BENCHMARK_CAPTURE(BM_AbiCall, c_echo, kCEchoPlugin, "echo")->ArgName("words")->Arg(1)->Arg(19);
BENCHMARK_CAPTURE(BM_AbiCall, sdk_echo, kSdkEchoPlugin, "sdk-echo")
    ->ArgName("words")
    ->Arg(1)
    ->Arg(19);

// The fixed part alone: a CallContext built and destroyed, no plugin call. Subtracting it from
// BM_AbiCall/words:1 leaves the crossing itself.
void BM_CallContext(benchmark::State &state) {
    for (auto _ : state) {
        auto call = make_call([](std::string_view) {});
        benchmark::DoNotOptimize(call.raw());
    }
}
BENCHMARK(BM_CallContext);

} // namespace
} // namespace tinyllm::bench
