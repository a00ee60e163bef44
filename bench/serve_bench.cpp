// Issue 16's overhead benchmark: a graph request through `tinyllm serve` against the same graph
// run in-process, with a zero-latency Ollama-protocol server behind both. The difference is
// what serving adds per request: HTTP parsing, the request's JSON, the hop to a run worker and
// back, the answer's JSON on the wire.
//
//   BM_ServeGraph/stream:S/threads:T  POST /api/chat {"model": "tinyllm/direct", "stream": S}
//                                     through a serve::Server in this process (the direct graph
//                                     built as in direct_graph_bench.cpp, runs not stored, like
//                                     BM_DirectGraph), from T clients, each a libcurl handle on a
//                                     kept-alive connection; the answer's body is read whole.
// The baseline is BM_DirectGraph/stream:1/threads:T (direct_graph_bench.cpp): the same graph
// run by graph::Executor in the caller's thread. Run side by side:
//   build/bin/tinyllm_bench --benchmark_filter='BM_DirectGraph/stream:1|BM_ServeGraph'
//
// The graph's model node streams from the fake server in both (the shipped direct graph);
// stream:S is only how serve answers its client: NDJSON lines or one document.
//
//   BM_ServePassThrough/stream:S      POST /api/chat {"model": "qwen2.5:0.5b", "stream": S}, a
//                                     backend's own model: passed through serve to the fake
//                                     server unchanged (backend_proxy)
//   BM_BackendDirect/stream:S         the same request straight to the fake server: the baseline
//   build/bin/tinyllm_bench --benchmark_filter='BM_ServePassThrough|BM_BackendDirect'
//
//   BM_ServeIdleConnections/N         N kept-alive connections, each having made one chat request
//                                     and then left idle: the growth of this process's RSS
//                                     (which holds the server) in MiB and KiB a connection
//   build/bin/tinyllm_bench --benchmark_filter=BM_ServeIdleConnections
//
// The server has system.yaml's default of 2 I/O threads; TINYLLM_BENCH_IO_THREADS=N sets
// another number (server.io_threads), to compare.
#include "bench_support.hpp"
#include "host_support.hpp"

#include "graph/executor.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "serve/server.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace tinyllm::bench {
namespace {

constexpr const char *kQuestion = "What is the capital of Australia?";

// The direct graph served by a serve::Server on a free loopback port.
struct ServeEnv {
    HostEnv host;
    std::unique_ptr<serve::Server> server;
    runtime::CancelToken stop;
    std::thread serving;

    ServeEnv() {
        serve::ServedGraph served;
        served.name = "direct";
        served.model = "tinyllm/direct";
        std::shared_ptr<graph::Graph> built =
            graph::build_graph(graph::load_graph_def(TINYLLM_BENCH_DIRECT_GRAPH), host.registry,
                               host.runtime.get(), graph::BuildMode::run);
        served.holds_answer = serve::answer_may_change(*built);
        served.graph = std::move(built);
        serve::GraphCatalog catalog;
        catalog.add(std::move(served));
        serve::ServerOptions options;
        options.http.port = 0;
        if (const char *n = std::getenv("TINYLLM_BENCH_IO_THREADS"))
            options.http.threads = static_cast<unsigned>(std::max(1, std::atoi(n)));
        options.max_concurrent_runs = 16;
        serve::ServerHooks hooks;
        hooks.run_graph = [](const serve::ServedGraph &g, const std::string &input,
                             graph::RunOptions o) {
            return graph::Executor(*g.graph).run(input, o);
        };
        hooks.backend_models = [] { return std::vector<std::string>{}; };
        std::string why;
        hooks.passthrough = serve::proxy_target("local", server_url(), why);
        server = std::make_unique<serve::Server>(options, std::move(catalog), std::move(hooks));
        serving = std::thread([this] { server->serve(stop); });
    }
    ~ServeEnv() {
        stop.cancel();
        serving.join();
        server.reset();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

// POST `body` to url_of() + `path` over one kept-alive libcurl connection per benchmark thread,
// each iteration one whole answer (checked: 200 and the last line's "done":true).
template <class UrlOf>
void post_loop(benchmark::State &state, UrlOf url_of, const std::string &path,
               const std::string &body) {
    CURL *easy = curl_easy_init();
    curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    std::string answer;
    std::string url;
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_PROXY, "");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(
        easy, CURLOPT_WRITEFUNCTION, +[](char *data, size_t size, size_t count, void *out) {
            static_cast<std::string *>(out)->append(data, size * count);
            return size * count;
        });
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &answer);
    run(state, [&] {
        if (url.empty()) {
            url = url_of() + path;
            curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
        }
        answer.clear();
        const CURLcode rc = curl_easy_perform(easy);
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200 || answer.find("\"done\":true") == std::string::npos) {
            throw std::runtime_error("POST " + path + " failed: " + curl_easy_strerror(rc) +
                                     ", HTTP " + std::to_string(status) + ": " + answer);
        }
    });
    curl_slist_free_all(headers);
    curl_easy_cleanup(easy);
}

std::string chat_body(const std::string &model, bool stream) {
    return R"({"model":")" + model + R"(","stream":)" + (stream ? "true" : "false") +
           R"(,"messages":[{"role":"user","content":")" + kQuestion + "\"}]}";
}

// POST /api/chat for `model` through serve, stream:S as the benchmark's argument.
void serve_chat(benchmark::State &state, const std::string &model) {
    setup<ServeEnv>(state, [] { return std::make_unique<ServeEnv>(); });
    post_loop(
        state, [] { return shared<ServeEnv>().url(); }, "/api/chat",
        chat_body(model, state.range(0) != 0));
    teardown<ServeEnv>(state);
}

// stream:0 and 1, from 1, 8 and 64 clients (the issue's throughput target is at 64).
void args(benchmark::internal::Benchmark *b) {
    b->ArgName("stream")->Arg(0)->Arg(1)->Threads(1)->Threads(8)->Threads(64)->UseRealTime();
}

void BM_ServeGraph(benchmark::State &state) {
    serve_chat(state, "tinyllm/direct");
}
BENCHMARK(BM_ServeGraph)->Apply(args);

void BM_ServePassThrough(benchmark::State &state) {
    serve_chat(state, "qwen2.5:0.5b");
}
BENCHMARK(BM_ServePassThrough)->Apply(args);

void BM_BackendDirect(benchmark::State &state) {
    post_loop(state, server_url, "/api/chat", chat_body("qwen2.5:0.5b", state.range(0) != 0));
}
BENCHMARK(BM_BackendDirect)->Apply(args);

// This process's resident memory in KiB (VmRSS), or -1.
long rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// One connection that made `request` and read its whole answer (Connection: keep-alive, a
// Content-Length body), then stays open. Throws when the server does not answer 200.
int idle_connection(uint16_t port, const std::string &request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string answer;
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
        char buffer[4096];
        for (;;) {
            const size_t head_end = answer.find("\r\n\r\n");
            if (head_end != std::string::npos) {
                const size_t at = answer.find("Content-Length: ");
                if (at != std::string::npos &&
                    answer.size() >= head_end + 4 + std::stoul(answer.substr(at + 16)))
                    break;
            }
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            answer.append(buffer, static_cast<size_t>(n));
        }
    }
    if (answer.rfind("HTTP/1.1 200 ", 0) != 0) {
        ::close(fd);
        throw std::runtime_error("an idle connection's request was not answered 200: " +
                                 answer.substr(0, 200));
    }
    return fd;
}

// Issue 16's target: 1,000 idle kept-alive connections under 50 MB. Each connection first makes
// one chat request (so its session has read a request and written an answer), then idles; the
// figure is how much this process's RSS grew, and the server is most of this process (the
// client side is a socket each: kernel memory, not RSS). One request is made before measuring, so
// the graph's and libcurl's one-time allocations are not counted.
void BM_ServeIdleConnections(benchmark::State &state) {
    const auto n = static_cast<size_t>(state.range(0));
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < 2 * n + 256 && files.rlim_max >= 2 * n + 256) {
        files.rlim_cur = 2 * n + 256;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    try {
        ServeEnv env;
        const std::string body = chat_body("tinyllm/direct", false);
        const std::string request =
            "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body;
        ::close(idle_connection(env.server->port(), request));
        for (auto _ : state) {
            const long before = rss_kib();
            std::vector<int> open;
            open.reserve(n);
            for (size_t i = 0; i < n; ++i)
                open.push_back(idle_connection(env.server->port(), request));
            std::this_thread::sleep_for(std::chrono::milliseconds(200)); // the server settles
            const long grown = rss_kib() - before;
            state.counters["rss_added_MiB"] = static_cast<double>(grown) / 1024.0;
            state.counters["KiB_per_connection"] =
                static_cast<double>(grown) / static_cast<double>(n);
            for (const int fd : open)
                ::close(fd);
        }
    } catch (const std::exception &e) {
        state.SkipWithError(e.what());
    }
}
BENCHMARK(BM_ServeIdleConnections)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace tinyllm::bench
