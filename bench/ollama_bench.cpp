// One chat request against a zero-latency FakeOllama (tests/fake_ollama), through each layer of
// the stack in turn. The server answers instantly from the same process, so every figure is
// "the floor (loopback HTTP + the fake's own work) + what the layer adds"; the differences
// between rows are TinyLLM's overhead per request. Wall-clock time (UseRealTime) because the
// server's threads do part of the work on the other core.
//
//   BM_OllamaDirect       raw libcurl easy handle, kept-alive connection, body collected into a
//                         string: the floor nobody can go below with HTTP/1.1 on loopback.
//   BM_OllamaClient       tinyllm_ollama_client (the plugin's logic, linked in): handle pool,
//                         curl multi loop with cancellation/deadline polling, status mapping,
//                         NDJSON parsing, token events and folding the stream into one answer.
//   BM_OllamaPlugin       the same through the dlopen'ed tinyllm-ollama.so and runtime::Backend:
//                         adds the C ABI crossing (CallContext, vtable, output copy).
//   BM_OllamaThroughHost  Runtime::chat: adds model resolution, the request's typed JSON round
//                         trip with the models.yaml options merged, and the answer's validation.
//
// stream:0 is one JSON answer; stream:1 is Ollama's NDJSON stream of 9 tokens + a final line.
// threads:8 runs 8 callers on one shared client/runtime (the server has a thread per
// connection); read items_per_second there (requests per second over all threads).
#include "bench_support.hpp"
#include "host_support.hpp"

#include "config/config.hpp"
#include "fake_ollama.hpp"
#include "ollama_client.hpp"
#include "runtime/runtime.hpp"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace tinyllm::bench {
namespace {

// ---- (a) raw libcurl -------------------------------------------------------------------

void BM_OllamaDirect(benchmark::State &state) {
    raw_curl_chat(state, typical_chat_request(state.range(0) != 0));
}

// ---- (b) the client library ------------------------------------------------------------

void BM_OllamaClient(benchmark::State &state) {
    setup<ollama::OllamaClient>(state, [] {
        ollama::ClientConfig config;
        config.url = server_url();
        return std::make_unique<ollama::OllamaClient>(config);
    });
    const std::string request = typical_chat_request(state.range(0) != 0);
    int64_t events = 0;
    run(state, [&] {
        auto call = make_call([&events](std::string_view) { ++events; });
        const sdk::Call c(call.raw());
        std::string out = shared<ollama::OllamaClient>().chat(c, request);
        benchmark::DoNotOptimize(out);
    });
    report_events(state, events);
    teardown<ollama::OllamaClient>(state);
}

// ---- (b') the plugin through the C ABI -------------------------------------------------

void BM_OllamaPlugin(benchmark::State &state) {
    setup<LoadedBackend>(state, [] {
        return std::make_unique<LoadedBackend>(kPluginDir / "tinyllm-ollama.so", "ollama",
                                               R"({"url":")" + server_url() + R"("})");
    });
    const std::string request = typical_chat_request(state.range(0) != 0);
    int64_t events = 0;
    run(state, [&] {
        auto call = make_call([&events](std::string_view) { ++events; });
        std::string out = shared<LoadedBackend>().backend->chat(call, request);
        benchmark::DoNotOptimize(out);
    });
    report_events(state, events);
    teardown<LoadedBackend>(state);
}

// ---- (c) the whole host: Registry + Runtime (HostEnv, host_support.hpp) -------------

void BM_OllamaThroughHost(benchmark::State &state) {
    setup<HostEnv>(state, [] { return std::make_unique<HostEnv>(); });
    const messages::ChatRequest request =
        messages::parse_chat_request(typical_chat_request(state.range(0) != 0));
    int64_t events = 0;
    run(state, [&] {
        auto call = make_call([&events](std::string_view) { ++events; });
        messages::ChatResponse out = shared<HostEnv>().runtime->chat(call, request);
        benchmark::DoNotOptimize(out);
    });
    report_events(state, events);
    teardown<HostEnv>(state);
}

// Each layer at 1 and 8 callers, non-streamed and streamed.
void layers(benchmark::internal::Benchmark *b) {
    b->ArgName("stream")->Arg(0)->Arg(1)->Threads(1)->Threads(8)->UseRealTime();
}
BENCHMARK(BM_OllamaDirect)->Apply(layers);
BENCHMARK(BM_OllamaClient)->Apply(layers);
BENCHMARK(BM_OllamaPlugin)->Apply(layers);
BENCHMARK(BM_OllamaThroughHost)->Apply(layers);

} // namespace
} // namespace tinyllm::bench
