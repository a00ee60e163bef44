// The default graph's own overhead (issue 14: < 30 us per request): one run of
// config/graphs/default.yaml — router (rules stage), the code specialist (prompt file, the code
// tool offered), its gate, done — against a zero-latency Ollama-protocol server, compared with
// the specialist's one model call made directly with the very bytes the graph sent. The
// difference is everything TinyLLM does around the model call: routing, prompt rendering, the
// gate's checks, the executor, the trace.
//
//   BM_RoutedGraph         the whole run, as `tinyllm run` makes it (run store excluded)
//   BM_RoutedGraphDirect   the specialist's request replayed through the Ollama client
#include "bench_support.hpp"
#include "host_support.hpp"

#include "graph/executor.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "ollama_client.hpp"

#include <benchmark/benchmark.h>

namespace tinyllm::bench {
namespace {

// Routed to code by the rules stage alone (no classifier call), answered with a fenced block so
// that the gate passes on the first attempt: one model call per run.
constexpr const char *kRequest = "write a function that reverses a string";
const std::vector<std::string> kAnswer = {"```python\n", "def reverse(s):\n",
                                          "    return s[::-1]\n", "```\n",
                                          "Slicing with step -1 reverses it."};

struct RoutedEnv {
    HostEnv host;
    std::unique_ptr<graph::Graph> graph;
    std::string specialist_request; // what the code node sent, for the direct path

    RoutedEnv() {
        if (external_server()) throw std::runtime_error("needs the in-process server");
        server().set_default("POST", "/api/chat", testing::chat_stream("qwen2.5:0.5b", kAnswer));
        graph = graph::build_graph(graph::load_graph_def(TINYLLM_BENCH_DEFAULT_GRAPH),
                                   host.registry, host.runtime.get(), graph::BuildMode::run);
        server().clear_requests();
        server().set_recording(true);
        const trace::Run run = graph::Executor(*graph).run(kRequest, {});
        server().set_recording(false);
        check(run);
        if (run.nodes.size() != 4 || run.nodes[1].node_id != "specialist.code") {
            throw std::runtime_error("the request did not take router -> code -> gate -> done");
        }
        specialist_request = server().last_request("/api/chat").body;
        server().clear_requests();
    }
    ~RoutedEnv() {
        graph.reset();
        server().clear_default("POST", "/api/chat");
    }

    static void check(const trace::Run &run) {
        if (run.status != trace::RunStatus::succeeded) {
            throw std::runtime_error("run failed: " + run.error_message);
        }
    }
};

void BM_RoutedGraph(benchmark::State &state) {
    setup<RoutedEnv>(state, [] { return std::make_unique<RoutedEnv>(); });
    int64_t tokens = 0;
    run(state, [&] {
        graph::RunOptions options;
        options.on_event = [&tokens](const graph::NodeEvent &ev) {
            if (ev.final_answer) ++tokens;
        };
        const trace::Run run = graph::Executor(*shared<RoutedEnv>().graph).run(kRequest, options);
        RoutedEnv::check(run);
        benchmark::DoNotOptimize(run.output.data());
    });
    report_events(state, tokens);
    teardown<RoutedEnv>(state);
}
BENCHMARK(BM_RoutedGraph)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_RoutedGraphDirect(benchmark::State &state) {
    setup<RoutedEnv>(state, [] { return std::make_unique<RoutedEnv>(); });
    ollama::ClientConfig config;
    config.url = server_url();
    ollama::OllamaClient client(config);
    int64_t events = 0;
    run(state, [&] {
        auto call = make_call([&events](std::string_view) { ++events; });
        const sdk::Call c(call.raw());
        const std::string out = client.chat(c, shared<RoutedEnv>().specialist_request);
        benchmark::DoNotOptimize(out.data());
    });
    report_events(state, events);
    teardown<RoutedEnv>(state);
}
BENCHMARK(BM_RoutedGraphDirect)->Unit(benchmark::kMicrosecond)->UseRealTime();

} // namespace
} // namespace tinyllm::bench
