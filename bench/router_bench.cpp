// The router node's stages alone (plugins/node/router), no host and no model:
//
// BM_RouterRules: one request through the rules stage with 50 rules (30 keywords, 20 RE2
// patterns over 5 routes), compiled into one RE2::Set. `hit` is a 90-byte question two rules of
// one route match, `miss` one that nothing matches, `long` a 4 KB text. Target: < 5 us.
//
// BM_RouterSemanticIndex: one request vector scored against 1,000 examples of 768 dimensions
// (3 MB of floats, more than L2: the loop streams it from L3), the closest example per route
// over 10 routes. Target: < 50 us. `classify` adds the stage's decision (threshold, margin,
// detail line) on top of the index.
//
// BM_RouterOutput: the node's answer and event for a decision that went through all three
// stages (what every request pays after the stages).
#include "cascade.hpp"
#include "graph/graph_def.hpp"
#include "router_config.hpp"
#include "rules_stage.hpp"
#include "semantic_stage.hpp"

#include <benchmark/benchmark.h>

#include <fstream>
#include <random>

namespace tinyllm::router {
namespace {

const std::vector<std::string> kRuleRoutes = {"math", "code", "general", "weather", "travel"};

RulesStage fifty_rules() {
    RulesConfig config;
    config.by_route.resize(kRuleRoutes.size());
    const char *keywords[] = {"calculate",  "how much",    "percent",      "sum",     "integral",
                              "derivative", "python",      "function",     "compile", "bug",
                              "segfault",   "refactor",    "story",        "poem",    "joke",
                              "tell me",    "explain",     "why",          "rain",    "forecast",
                              "sunny",      "temperature", "wind",         "snow",    "flight",
                              "hotel",      "visa",        "train ticket", "luggage", "itinerary"};
    for (size_t i = 0; i < 30; ++i)
        config.by_route[i / 6].keywords.emplace_back(keywords[i]);
    const char *patterns[] = {R"(\d+\s*[-+*/^x×÷]\s*\d+)",
                              R"(\b\d+(\.\d+)?\s*%)",
                              R"((?i)\bsolve\s+for\s+\w)",
                              R"(\$\s*\d+)",
                              "```",
                              R"(\bdef\s+\w+\()",
                              R"(\bfn\s+\w+\s*\()",
                              R"(#include\s*<)",
                              R"((?i)\bwhat\s+is\s+the\s+meaning)",
                              R"((?i)\bonce upon a time)",
                              R"(\?\s*$)",
                              R"((?i)\bi\s+feel\b)",
                              R"((?i)\b(will|is) it (rain|snow)\b)",
                              R"(\b\d+\s*°\s*[CF]\b)",
                              R"((?i)\bumbrella\b)",
                              R"((?i)\bweather in\s+[A-Z]\w+)",
                              R"(\b[A-Z]{3}\s*(->|to)\s*[A-Z]{3}\b)",
                              R"((?i)\bcheck[- ]in\b)",
                              R"(\b\d{1,2}/\d{1,2}/\d{2,4}\b)",
                              R"((?i)\bbook(ing)? a (room|flight)\b)"};
    for (size_t i = 0; i < 20; ++i)
        config.by_route[i / 4].patterns.emplace_back(patterns[i]);
    return RulesStage(kRuleRoutes, config);
}

void BM_RouterRules(benchmark::State &state, std::string text) {
    const RulesStage stage = fifty_rules();
    for (auto _ : state) {
        StageResult r = stage.classify(text);
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
// The shipped rules (config/graphs/default.yaml's router: 82 keywords, 15 patterns) over the
// 338 requests of tests/data/routing, one request per iteration, in turn.
void BM_RouterRulesShipped(benchmark::State &state) {
    const graph::GraphDef def = graph::load_graph_def(TINYLLM_BENCH_DEFAULT_GRAPH);
    const auto node = std::find_if(def.nodes.begin(), def.nodes.end(),
                                   [](const graph::NodeDef &n) { return n.type == "router"; });
    if (node == def.nodes.end() || !node->config) {
        state.SkipWithError("the default graph has no router");
        return;
    }
    const RouterConfig config = parse_config(json::to_string(*node->config));
    const RulesStage stage(config.routes, *config.rules);
    std::vector<std::string> requests;
    std::ifstream in(TINYLLM_BENCH_ROUTING_SET);
    for (std::string line; std::getline(in, line);) {
        requests.push_back(json::get_string(json::parse(line, "request"), "input").value_or(""));
    }
    size_t i = 0;
    int64_t bytes = 0;
    for (auto _ : state) {
        const std::string &text = requests[i++ % requests.size()];
        StageResult r = stage.classify(text);
        benchmark::DoNotOptimize(r);
        bytes += static_cast<int64_t>(text.size());
    }
    state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_RouterRulesShipped);

BENCHMARK_CAPTURE(BM_RouterRules, hit,
                  std::string("Could you calculate how much 15% of 240 is, and then add 12 + 7 to "
                              "the result for me please"));
BENCHMARK_CAPTURE(BM_RouterRules, miss,
                  std::string("Tell me something interesting about the history of the Roman "
                              "Empire and its roads today"));
BENCHMARK_CAPTURE(BM_RouterRules, long, [] {
    std::string s;
    while (s.size() < 4096)
        s += "Some long pasted text about a project without any of the "
             "words the rules look for, repeated. ";
    return s + "Is there a bug in this function?";
}());

constexpr size_t kRoutes = 10;

struct Index {
    std::vector<std::string> routes;
    SemanticIndex index;
    std::vector<std::string> texts;
    std::vector<float> query;
};

Index random_index(size_t examples, size_t dims) {
    std::mt19937 rng(42);
    std::normal_distribution<float> normal;
    std::vector<std::vector<float>> vectors(examples, std::vector<float>(dims));
    std::vector<int> routes(examples);
    for (size_t i = 0; i < examples; ++i) {
        for (float &x : vectors[i])
            x = normal(rng);
        routes[i] = static_cast<int>(i % kRoutes);
    }
    Index out{{}, SemanticIndex(kRoutes, routes, vectors), {}, std::vector<float>(dims)};
    for (size_t r = 0; r < kRoutes; ++r)
        out.routes.push_back("route" + std::to_string(r));
    for (size_t i = 0; i < examples; ++i)
        out.texts.push_back("example request number " + std::to_string(i));
    for (float &x : out.query)
        x = normal(rng);
    return out;
}

void BM_RouterSemanticIndex(benchmark::State &state) {
    const Index ix =
        random_index(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(1)));
    std::vector<float> best(kRoutes);
    std::vector<int> example(kRoutes);
    for (auto _ : state) {
        ix.index.score(ix.query, best, example);
        benchmark::DoNotOptimize(best.data());
    }
    state.SetBytesProcessed(state.iterations() * state.range(0) * state.range(1) * 4);
}
BENCHMARK(BM_RouterSemanticIndex)->Args({1000, 768})->Args({1000, 384})->Args({100, 768});

void BM_RouterSemanticClassify(benchmark::State &state) {
    Index ix = random_index(1000, 768);
    const SemanticStage stage(ix.routes, std::vector<double>(kRoutes, 0.75), 0.02,
                              std::move(ix.index), ix.texts);
    for (auto _ : state) {
        StageResult r = stage.classify(ix.query);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_RouterSemanticClassify);

void BM_RouterOutput(benchmark::State &state) {
    const std::vector<std::string> routes = {"math", "code", "general"};
    StageResult unsure;
    unsure.scores = {1, 1, 0};
    unsure.detail = "tie: 1 match each for math, code";
    StageResult semantic = unsure;
    semantic.scores = {0.71, 0.69, kNoScore};
    semantic.detail = "math 0.710 (example 3: \"what is 12 times 7\"), runner-up code 0.690: "
                      "below the threshold 0.750";
    StageResult model;
    model.outcome = Outcome::sure;
    model.route = 0;
    model.confidence = 0.92;
    model.scores = {0.92, kNoScore, kNoScore};
    model.detail = "model qwen2.5:0.5b: math with confidence 0.92";
    const std::vector<Step> steps = {{"rules", [&](std::string_view) { return unsure; }},
                                     {"semantic", [&](std::string_view) { return semantic; }},
                                     {"model", [&](std::string_view) { return model; }}};
    for (auto _ : state) {
        const Decision d = decide("text", steps, routes.size(), 2);
        std::string out = output_json(d, routes);
        std::string event = event_json(d, routes);
        benchmark::DoNotOptimize(out);
        benchmark::DoNotOptimize(event);
    }
}
BENCHMARK(BM_RouterOutput);

} // namespace
} // namespace tinyllm::router
