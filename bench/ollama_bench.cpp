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

// One server for the whole process: starting it is not what is measured, and keeping it up
// does not affect any layer under test (it holds no plugin and no client state).
testing::FakeOllama &server() {
    static testing::FakeOllama *const fake = [] {
        auto *s = new testing::FakeOllama();
        s->set_recording(false); // keeps memory flat over millions of requests
        return s;
    }();
    return *fake;
}

// Runs `body` once per iteration; a failure stops the benchmark with its message instead of
// terminating the process (an exception must not escape a benchmark function). Each request is
// also timed on its own (two clock reads, ~50 ns against tens of microseconds) so that the
// median and the tail are reported next to the mean: a mean alone hides rare stalls.
template <class Body> void run(benchmark::State &state, Body &&body) {
    using Clock = std::chrono::steady_clock;
    std::vector<double> micros;
    micros.reserve(1 << 16);
    for (auto _ : state) {
        const auto start = Clock::now();
        try {
            body();
        } catch (const std::exception &e) {
            state.SkipWithError(e.what());
            break;
        }
        micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    state.SetItemsProcessed(state.iterations());
    if (micros.empty()) return;
    std::sort(micros.begin(), micros.end());
    const auto at = [&](double q) {
        return micros[std::min(micros.size() - 1, static_cast<size_t>(q * micros.size()))];
    };
    // Per-thread percentiles, averaged over threads.
    state.counters["p50_us"] = benchmark::Counter(at(0.50), benchmark::Counter::kAvgThreads);
    state.counters["p99_us"] = benchmark::Counter(at(0.99), benchmark::Counter::kAvgThreads);
    state.counters["max_us"] = benchmark::Counter(micros.back(), benchmark::Counter::kAvgThreads);
}

// Shared by the threads of one run: made by thread 0 before the loop and destroyed by it after
// (benchmark synchronises all threads at the start and the end of the loop).
template <class T> struct PerRun {
    static inline std::unique_ptr<T> value;
    static inline std::string error;
};
template <class T, class Make> void setup(benchmark::State &state, Make &&make) {
    if (state.thread_index() != 0) return;
    PerRun<T>::error.clear();
    try {
        PerRun<T>::value = make();
    } catch (const std::exception &e) {
        PerRun<T>::error = e.what();
    }
}
// The shared object, read inside the loop only: that is after the start barrier, so thread 0's
// setup is complete. Throws (ending the run with the reason) when the setup failed.
template <class T> T &shared() {
    if (T *v = PerRun<T>::value.get()) return *v;
    throw std::runtime_error("setup failed: " + PerRun<T>::error);
}
template <class T> void teardown(benchmark::State &state) {
    if (state.thread_index() == 0) PerRun<T>::value.reset();
}

// Token events the caller received per request: proves the stream was really parsed and
// forwarded (9 for stream:1, 0 for stream:0). Averaged over threads, not summed.
void report_events(benchmark::State &state, int64_t events) {
    if (state.iterations() == 0) return;
    state.counters["events/req"] =
        benchmark::Counter(static_cast<double>(events) / static_cast<double>(state.iterations()),
                           benchmark::Counter::kAvgThreads);
}

// ---- (a) raw libcurl -------------------------------------------------------------------

size_t collect(char *data, size_t size, size_t count, void *out) {
    static_cast<std::string *>(out)->append(data, size * count);
    return size * count;
}

void BM_OllamaDirect(benchmark::State &state) {
    const std::string url = server().url() + "/api/chat";
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
        config.url = server().url();
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
                                               R"({"url":")" + server().url() + R"("})");
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

// ---- (c) the whole host: Registry + Runtime --------------------------------------------

// A config dir in the temp dir with one ollama backend pointing at the fake server, the
// plugins loaded from the build tree, and the Runtime over both (destroyed in reverse order).
struct HostEnv {
    std::filesystem::path dir;
    config::Config config;
    plugin::Registry registry;
    std::unique_ptr<runtime::Runtime> runtime;

    HostEnv() {
        dir = std::filesystem::temp_directory_path() /
              ("tinyllm-bench-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        // data_dir is set so that loading needs no HOME (the benchmark passes no environment).
        std::ofstream(dir / "system.yaml")
            << "data_dir: " << (dir / "data").string() << "\nplugins: []\n";
        std::ofstream(dir / "models.yaml") << "default_model: qwen2.5:0.5b\n"
                                              "backends:\n"
                                              "  - name: local\n"
                                              "    type: ollama\n"
                                              "    config: {url: \""
                                           << server().url()
                                           << "\"}\n"
                                              "models:\n"
                                              "  - name: qwen2.5:0.5b\n"
                                              "    backend: local\n"
                                              "    options: {temperature: 0.2, num_ctx: 4096}\n"
                                              "    keep_alive: 5m\n";
        config::LoadOptions options;
        options.config_dir = dir;
        options.getenv = [](const std::string &) -> std::optional<std::string> { return {}; };
        config = config::load(options);
        registry.load({plugin::SearchPath{kPluginDir, "bench", true}});
        runtime = std::make_unique<runtime::Runtime>(config, registry);
    }
    ~HostEnv() {
        runtime.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

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
