// Shared by the benchmarks that talk to a zero-latency Ollama-protocol server: the server
// itself, the per-request timing loop with its latency percentiles, state shared by the threads
// of a multi-threaded run, and the whole host (config + Registry + Runtime) pointed at the server.
#pragma once

#include "bench_support.hpp"

#include "config/config.hpp"
#include "fake_ollama.hpp"
#include "runtime/runtime.hpp"

#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinyllm::bench {

// One server for the whole process: starting it is not what is measured, and keeping it up
// does not affect any layer under test (it holds no plugin and no client state).
inline testing::FakeOllama &server() {
    static testing::FakeOllama *const fake = [] {
        auto *s = new testing::FakeOllama();
        s->set_recording(false); // keeps memory flat over millions of requests
        return s;
    }();
    return *fake;
}

// The server every benchmark talks to: the in-process FakeOllama above, or, when the
// environment variable TINYLLM_BENCH_OLLAMA_URL is set, a server in another process (e.g.
// `taskset -c 1 build/bin/fake-ollama --port 18434` and
// TINYLLM_BENCH_OLLAMA_URL=http://127.0.0.1:18434). It must answer like FakeOllama's defaults.
inline bool external_server() {
    const char *url = std::getenv("TINYLLM_BENCH_OLLAMA_URL");
    return url != nullptr && *url != '\0';
}
inline std::string server_url() {
    if (external_server()) return std::getenv("TINYLLM_BENCH_OLLAMA_URL");
    return server().url();
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
inline void report_events(benchmark::State &state, int64_t events) {
    if (state.iterations() == 0) return;
    state.counters["events/req"] =
        benchmark::Counter(static_cast<double>(events) / static_cast<double>(state.iterations()),
                           benchmark::Counter::kAvgThreads);
}

// A config dir in the temp dir with one ollama backend pointing at the server, the plugins
// loaded from the build tree, the repository's prompts, and the Runtime over them (destroyed in
// reverse order). The one model is configured like config/models.yaml's default model (options
// and keep_alive) and has every role the default graph asks for.
struct HostEnv {
    std::filesystem::path dir;
    config::Config config;
    plugin::Registry registry;
    prompts::Library prompts; // the repository's prompts/
    std::unique_ptr<runtime::Runtime> runtime;

    HostEnv() {
        static std::atomic<int> counter{0};
        dir = std::filesystem::temp_directory_path() /
              ("tinyllm-bench-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        std::filesystem::create_directories(dir);
        // data_dir is set so that loading needs no HOME (the benchmark passes no environment).
        std::ofstream(dir / "system.yaml")
            << "data_dir: " << (dir / "data").string() << "\nplugins: []\n";
        std::ofstream(dir / "models.yaml") << "default_model: qwen2.5:0.5b\n"
                                              "backends:\n"
                                              "  - name: local\n"
                                              "    type: ollama\n"
                                              "    config: {url: \""
                                           << server_url()
                                           << "\"}\n"
                                              "models:\n"
                                              "  - name: qwen2.5:0.5b\n"
                                              "    backend: local\n"
                                              "    roles: [router, general, math, code]\n"
                                              "    options: {temperature: 0.2, num_ctx: 4096}\n"
                                              "    keep_alive: 5m\n";
        config::LoadOptions options;
        options.config_dir = dir;
        options.getenv = [](const std::string &) -> std::optional<std::string> { return {}; };
        config = config::load(options);
        registry.load({plugin::SearchPath{kPluginDir, "bench", true}});
        prompts = prompts::Library::load({TINYLLM_BENCH_PROMPTS_DIR});
        runtime = std::make_unique<runtime::Runtime>(config, registry, &prompts);
    }
    ~HostEnv() {
        runtime.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

// The floor every chat benchmark is compared with: `request` POSTed to the server's /api/chat
// through one bare libcurl handle on a kept-alive connection, the body collected into a string.
inline void raw_curl_chat(benchmark::State &state, const std::string &request) {
    const std::string url = server_url() + "/api/chat";
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
    curl_easy_setopt(
        easy, CURLOPT_WRITEFUNCTION, +[](char *data, size_t size, size_t count, void *out) {
            static_cast<std::string *>(out)->append(data, size * count);
            return size * count;
        });
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

} // namespace tinyllm::bench
