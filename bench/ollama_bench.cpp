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
#include <curl/curl.h>
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

size_t collect(char *data, size_t size, size_t count, void *out) {
    static_cast<std::string *>(out)->append(data, size * count);
    return size * count;
}

void BM_OllamaDirect(benchmark::State &state) {
    const std::string url = server_url() + "/api/chat";
    const std::string request = typical_chat_request(state.range(0) != 0);
    std::string body;
    CURL *easy = curl_easy_init();
    curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_PROXY, "");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.size()));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
    run(state, [&] {
        body.clear();
        const CURLcode rc = curl_easy_perform(easy);
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200) {
            throw std::runtime_error(std::string("raw POST failed: ") + curl_easy_strerror(rc) +
                                     ", HTTP " + std::to_string(status));
        }
        benchmark::DoNotOptimize(body.data());
    });
    curl_slist_free_all(headers);
    curl_easy_cleanup(easy);
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
    const std::string request = typical_chat_request(state.range(0) != 0);
    int64_t events = 0;
    run(state, [&] {
        auto call = make_call([&events](std::string_view) { ++events; });
        std::string out = shared<HostEnv>().runtime->chat(call, request);
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
