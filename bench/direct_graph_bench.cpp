// Issue 3's overhead benchmark: one run of the one-model graph (config/graphs/direct.yaml, which
// was the default graph until 2.0.0; these benchmarks were BM_DefaultGraph* then) against a
// zero-latency Ollama-protocol server, compared with the same single model call made directly.
// The difference is TinyLLM's overhead per request. The routed default graph is measured in
// routed_graph_bench.cpp.
//
//   BM_DirectGraph          the real thing: config/graphs/direct.yaml built with the plugins
//                            of the build tree (model node, Ollama backend) through the host's
//                            Registry and Runtime, run by graph::Executor with its trace recorded
//                            in memory and the answer's tokens delivered to an on_event callback,
//                            as `tinyllm run` does (run store excluded: see BM_DirectGraphStored).
//   BM_DirectGraphStored    the same plus the SQLite run store (begin_run, add_node, finish_run
//                            in <tmp>/runs.db), i.e. all that `tinyllm run` does per request.
//   BM_DirectGraphDirect    "direct": the same chat request, byte for byte what the graph run
//                            puts on the wire (checked at setup), written from the question with
//                            RapidJSON's Writer and sent straight through the Ollama client
//                            library (tinyllm_ollama_client linked in, no plugin, no runtime, no
//                            graph), tokens delivered to a callback, the answer's content read.
//                            This is what a program calling Ollama with a good client would pay.
//   BM_DirectGraphRawCurl   the same bytes through a bare libcurl easy handle on a kept-alive
//                            connection, body collected into a string: the floor for HTTP/1.1.
//
// stream:1 is the graph as shipped (the model node streams: 9 token lines + a final
// line); stream:0 sets `stream: false` on the node (one JSON answer). threads:8 is 8 callers
// in a loop on one shared graph/runtime/client; read items_per_second (requests per second).
#include "bench_support.hpp"
#include "host_support.hpp"

#include "graph/executor.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "ollama_client.hpp"
#include "store/run_id.hpp"
#include "store/run_store.hpp"

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace tinyllm::bench {
namespace {

const std::filesystem::path kDirectGraph = TINYLLM_BENCH_DIRECT_GRAPH;
constexpr const char *kQuestion = "What is the capital of Australia?";

// The direct graph's text, with `stream: false` added to the model node's config for stream:0.
std::string direct_graph_yaml(bool stream) {
    std::ifstream in(kDirectGraph);
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    if (yaml.empty()) throw std::runtime_error("cannot read " + kDirectGraph.string());
    if (!stream) {
        const std::string anchor = "      prompt: \"{{input}}\"\n";
        const size_t at = yaml.find(anchor);
        if (at == std::string::npos) {
            throw std::runtime_error(kDirectGraph.string() + " changed: no prompt line to " +
                                     "add `stream: false` after");
        }
        yaml.insert(at + anchor.size(), "      stream: false\n");
    }
    return yaml;
}

constexpr const char *kSystemPrompt = "You are a helpful, concise assistant.";

// What the graph run sends to the server for `question`: the model node's request (system
// prompt, the question as the user message, stream) with models.yaml's options and keep_alive
// added by the runtime. Written per call with RapidJSON's Writer, as a program calling the model
// directly would write it for each new question.
std::string wire_request(std::string_view question, bool stream) {
    rapidjson::StringBuffer buffer;
    json::Writer w(buffer);
    const auto message = [&w](const char *role, std::string_view content) {
        w.StartObject();
        w.Key("role");
        w.String(role);
        w.Key("content");
        w.String(content.data(), static_cast<rapidjson::SizeType>(content.size()));
        w.EndObject();
    };
    w.StartObject();
    w.Key("model");
    w.String("qwen2.5:0.5b");
    w.Key("messages");
    w.StartArray();
    message("system", kSystemPrompt);
    message("user", question);
    w.EndArray();
    w.Key("options");
    w.StartObject();
    w.Key("temperature");
    w.Double(0.2);
    w.Key("num_ctx");
    w.Int(4096);
    w.EndObject();
    w.Key("stream");
    w.Bool(stream);
    w.Key("keep_alive");
    w.String("5m");
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

// The answer FakeOllama gives by default, which every path must have received.
void check_answer(const std::string &answer) {
    if (answer != testing::kDefaultAnswer) {
        throw std::runtime_error("unexpected answer: \"" + answer + "\"");
    }
}

// Records every run in a SQLite run store, as `tinyllm run`'s observer does.
class StoreObserver final : public graph::RunObserver {
public:
    explicit StoreObserver(store::RunStore &store) : store_(store) {}
    void on_run_start(const trace::Run &run) override { store_.begin_run(run); }
    void on_node(const trace::Run &run, const trace::NodeExecution &node) override {
        store_.add_node(run.id, node);
    }
    void on_run_end(const trace::Run &run) override { store_.finish_run(run); }

private:
    store::RunStore &store_;
};

// The host with the direct graph built over it (nodes hold the runtime: destroyed first).
struct GraphEnv {
    HostEnv host;
    std::unique_ptr<graph::Graph> graph;
    std::unique_ptr<store::RunStore> store;
    std::unique_ptr<StoreObserver> observer;

    GraphEnv(bool stream, bool with_store) {
        const auto path = host.dir / "direct.yaml";
        std::ofstream(path) << direct_graph_yaml(stream);
        graph = graph::build_graph(graph::load_graph_def(path), host.registry, host.runtime.get(),
                                   graph::BuildMode::run);
        if (with_store) {
            store::StoreOptions options;
            options.path = host.dir / "data" / "runs.db";
            store = store::RunStore::open(options);
            observer = std::make_unique<StoreObserver>(*store);
        }
        // Fairness check: the graph's request on the wire is the direct benchmarks' request.
        if (!external_server()) {
            server().clear_requests();
            server().set_recording(true);
            graph::RunOptions options;
            const trace::Run run = graph::Executor(*graph).run(kQuestion, options);
            server().set_recording(false);
            if (run.status != trace::RunStatus::succeeded) {
                throw std::runtime_error("direct graph run failed: " + run.error_message);
            }
            const std::string sent = server().last_request("/api/chat").body;
            server().clear_requests();
            if (sent != wire_request(kQuestion, stream)) {
                throw std::runtime_error("the graph sent " + sent + ", not the direct request " +
                                         wire_request(kQuestion, stream));
            }
        }
    }
    ~GraphEnv() {
        graph.reset();
        observer.reset();
        store.reset();
    }
};

// One request through the graph, as `tinyllm run` makes it; `tokens` counts the answer's tokens.
void graph_request(GraphEnv &env, int64_t &tokens) {
    graph::RunOptions options;
    options.run_id = store::new_run_id();
    options.on_event = [&tokens](const graph::NodeEvent &ev) {
        if (ev.final_answer) ++tokens;
    };
    options.observer = env.observer.get();
    const trace::Run run = graph::Executor(*env.graph).run(kQuestion, options);
    if (run.status != trace::RunStatus::succeeded) {
        throw std::runtime_error("run failed: " + run.error_message);
    }
    check_answer(run.answer);
    benchmark::DoNotOptimize(run.output.data());
}

// The same request made directly through the Ollama client; `events` counts the tokens.
void direct_request(ollama::OllamaClient &client, bool stream, int64_t &events) {
    auto call = make_call([&events](std::string_view) { ++events; });
    const sdk::Call c(call.raw());
    const std::string out = client.chat(c, wire_request(kQuestion, stream));
    // The answer's content, as the graph's caller gets it (run.answer).
    const json::Document doc = json::parse_object(out, "chat response");
    const json::Value *msg = json::find(doc, "message");
    check_answer(msg != nullptr ? json::get_string(*msg, "content").value_or("") : "");
}

std::unique_ptr<ollama::OllamaClient> direct_client() {
    ollama::ClientConfig config;
    config.url = server_url();
    return std::make_unique<ollama::OllamaClient>(config);
}

template <bool kStore> void graph_bench(benchmark::State &state) {
    const bool stream = state.range(0) != 0;
    setup<GraphEnv>(state, [&] { return std::make_unique<GraphEnv>(stream, kStore); });
    int64_t tokens = 0;
    run(state, [&] { graph_request(shared<GraphEnv>(), tokens); });
    report_events(state, tokens);
    teardown<GraphEnv>(state);
}

void BM_DirectGraph(benchmark::State &state) {
    graph_bench<false>(state);
}
void BM_DirectGraphStored(benchmark::State &state) {
    graph_bench<true>(state);
}

void BM_DirectGraphDirect(benchmark::State &state) {
    setup<ollama::OllamaClient>(state, direct_client);
    const bool stream = state.range(0) != 0;
    int64_t events = 0;
    run(state, [&] { direct_request(shared<ollama::OllamaClient>(), stream, events); });
    report_events(state, events);
    teardown<ollama::OllamaClient>(state);
}

void BM_DirectGraphRawCurl(benchmark::State &state) {
    raw_curl_chat(state, wire_request(kQuestion, state.range(0) != 0));
}

// Issue 3's ratio measured the way a noisy machine allows: the throughput of the two paths at
// concurrency 8, in alternating phases of kPhase inside one process (direct then graph, then
// graph then direct, ...), so that both see the same machine. One iteration is one pair of
// phases; `graph/direct` is the ratio of the summed throughputs and `median_pair` the median of
// the pairs' ratios (separate benchmark runs drift by ±25 % on a shared 2-vCPU VM, phases this
// short do not).
constexpr auto kPhase = std::chrono::milliseconds(60);
constexpr int kCallers = 8;

struct Phase {
    int64_t requests = 0;
    double seconds = 0;
    double cpu_seconds = 0; // the whole process's (callers, server, kernel work for both)
};

double process_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval &t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// kCallers threads calling `request` in a loop for kPhase; the first failure is rethrown.
template <class Request> Phase run_phase(Request &&request) {
    std::atomic<bool> stop{false};
    std::atomic<int64_t> done{0};
    std::mutex failure_mutex;
    std::string failure;
    std::vector<std::thread> callers;
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kCallers; ++i) {
        callers.emplace_back([&] {
            int64_t mine = 0;
            try {
                while (!stop.load(std::memory_order_relaxed)) {
                    request();
                    ++mine;
                }
            } catch (const std::exception &e) {
                const std::lock_guard lock(failure_mutex);
                failure = e.what();
            }
            done += mine;
        });
    }
    std::this_thread::sleep_for(kPhase);
    stop = true;
    for (auto &t : callers)
        t.join();
    if (!failure.empty()) throw std::runtime_error(failure);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return {done.load(), seconds, process_cpu_seconds() - cpu_start};
}

void BM_DirectGraphVsDirect(benchmark::State &state) {
    const bool stream = state.range(0) != 0;
    std::unique_ptr<GraphEnv> env;
    std::unique_ptr<ollama::OllamaClient> client;
    try {
        env = std::make_unique<GraphEnv>(stream, false);
        client = direct_client();
    } catch (const std::exception &e) {
        state.SkipWithError(e.what());
        return;
    }
    std::atomic<int64_t> tokens{0};
    const auto graph = [&] {
        int64_t mine = 0;
        graph_request(*env, mine);
        tokens += mine;
    };
    const auto direct = [&] {
        int64_t mine = 0;
        direct_request(*client, stream, mine);
        tokens += mine;
    };
    Phase direct_total, graph_total;
    std::vector<double> pair_ratios;
    bool graph_first = false;
    for (auto _ : state) {
        try {
            Phase d, g;
            if (graph_first) {
                g = run_phase(graph);
                d = run_phase(direct);
            } else {
                d = run_phase(direct);
                g = run_phase(graph);
            }
            graph_first = !graph_first;
            direct_total.requests += d.requests;
            direct_total.seconds += d.seconds;
            direct_total.cpu_seconds += d.cpu_seconds;
            graph_total.cpu_seconds += g.cpu_seconds;
            graph_total.requests += g.requests;
            graph_total.seconds += g.seconds;
            pair_ratios.push_back((static_cast<double>(g.requests) / g.seconds) /
                                  (static_cast<double>(d.requests) / d.seconds));
        } catch (const std::exception &e) {
            state.SkipWithError(e.what());
            break;
        }
    }
    if (pair_ratios.empty()) return;
    const double direct_rps = static_cast<double>(direct_total.requests) / direct_total.seconds;
    const double graph_rps = static_cast<double>(graph_total.requests) / graph_total.seconds;
    std::sort(pair_ratios.begin(), pair_ratios.end());
    state.counters["direct_rps"] = direct_rps;
    state.counters["graph_rps"] = graph_rps;
    state.counters["graph/direct"] = graph_rps / direct_rps;
    state.counters["median_pair"] = pair_ratios[pair_ratios.size() / 2];
    // CPU per request: if the graph's ratio here matches graph/direct, both phases kept the
    // CPUs equally busy and the difference is work, not waiting.
    state.counters["direct_cpu_us"] =
        direct_total.cpu_seconds * 1e6 / static_cast<double>(direct_total.requests);
    state.counters["graph_cpu_us"] =
        graph_total.cpu_seconds * 1e6 / static_cast<double>(graph_total.requests);
    state.counters["events/req"] =
        static_cast<double>(tokens.load()) /
        static_cast<double>(direct_total.requests + graph_total.requests);
}

void args(benchmark::internal::Benchmark *b) {
    b->ArgName("stream")->Arg(1)->Arg(0)->Threads(1)->Threads(8)->Threads(64)->UseRealTime();
}
// Interleaved per configuration would be better still; benchmark runs them in this order.
BENCHMARK(BM_DirectGraphRawCurl)->Apply(args);
BENCHMARK(BM_DirectGraphDirect)->Apply(args);
BENCHMARK(BM_DirectGraph)->Apply(args);
BENCHMARK(BM_DirectGraphStored)->Apply(args);
// 20 pairs of 2 x 60 ms per configuration: about 5 s for both.
BENCHMARK(BM_DirectGraphVsDirect)
    ->ArgName("stream")
    ->Arg(1)
    ->Arg(0)
    ->Iterations(20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

} // namespace
} // namespace tinyllm::bench
