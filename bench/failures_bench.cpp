// Issue 15's failure forensics benchmark: `tinyllm failures analyze --last 100` (target: under
// 100 ms) on a store whose last 100 runs all failed or were graded low, with full traces of the
// default graph's shape.
//
//   BM_FailuresLast100      what the command does after opening the store: list the window,
//                           read 100 full traces and their grades, classify, group, print the
//                           table (into memory).
//   BM_FailuresLast100Cold  the same with the store opened for each query, as each `tinyllm
//                           failures analyze` process does (SQLite's page cache cold; the file
//                           in the OS's cache).
//   BM_FailuresLast100Json  the same, printing --json.
//   BM_FailuresLoadWindow   only reading the window from the store.
//   BM_FailuresAnalyse      only the analysis of a window already in memory.
//
// The fixture (built once per process in a temp dir, in under a second): 900 older runs that
// went well, then 100 that did not, in the default graph's shapes: gates that stop after a retry
// and two escalations (numeric_answer with reasons that change with every answer, code_block),
// backends down after a retry, tool loops, timeouts, and answers graded wrong_number by a judge
// (some misrouted, the dataset's route in the grade's labels). Messages carry what the real nodes
// write: the router's stages and scores, the model's ladder, the gate's checks, answers of a few
// hundred characters.
#include "cli/forensics_render.hpp"
#include "cli/forensics_window.hpp"
#include "forensics/analysis.hpp"
#include "store/run_store.hpp"
#include "tinyllm/json.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>
#include <sstream>

#include <unistd.h>

namespace tinyllm::bench {
namespace {

namespace fs = std::filesystem;

constexpr int kGoodRuns = 900;
constexpr int kBadRuns = 100;
constexpr int64_t kStartMs = 1'735'689'600'000; // 2025-01-01T00:00Z

std::string quoted(const std::string &text) {
    std::string out;
    json::append_quoted(out, text);
    return out;
}

std::string router_member(const std::string &route) {
    return R"("router":{"route":)" + quoted(route) +
           R"x(,"stage":"rules","confidence":1,"scores":{"math":1,"code":0,"general":0},)x"
           R"x("stages":[{"stage":"rules","ms":0.0123,"outcome":"decided","detail":"keyword )x"
           R"x(\"how much\" (math)","scores":{"math":1,"code":0,"general":0}}]})x";
}

std::string model_member(const std::string &role, int rung) {
    static const char *kModels[] = {"qwen2.5:0.5b", "qwen2.5:1.5b", "qwen2.5:7b"};
    return R"("model":{"name":")" + std::string(kModels[rung]) + R"(","role":)" + quoted(role) +
           R"(,"rung":)" + std::to_string(rung) + R"(,"rungs":3})";
}

std::string gate_member(const std::string &action, const std::string &rule,
                        const std::string &reason, int failures) {
    const bool pass = action == "pass";
    return R"("gate":{"pass":)" + std::string(pass ? "true" : "false") + R"(,"action":")" + action +
           R"(","reasons":[)" + (pass ? "" : quoted(reason)) + R"(],"failures":)" +
           std::to_string(failures) +
           R"(,"checks":[{"rule":"non_empty","pass":true,"reason":"","ms":0.002},)"
           R"({"rule":"length","pass":true,"reason":"","detail":"412 characters","ms":0.004},)"
           R"({"rule":)" +
           quoted(rule) + R"(,"pass":)" + (pass ? "true" : "false") + R"(,"reason":)" +
           quoted(pass ? "" : reason) + R"(,"ms":0.35}]})";
}

std::string message(const std::string &input, const std::string &content,
                    const std::vector<std::string> &data) {
    std::string out = R"({"input":)" + quoted(input) + R"(,"content":)" + quoted(content) +
                      R"(,"route":"","attempt":1,"data":{)";
    for (size_t i = 0; i < data.size(); ++i)
        out += (i ? "," : "") + data[i];
    return out + "}}";
}

// Runs of the default graph's shapes, deterministic in the seed.
class RunMaker {
public:
    explicit RunMaker(store::RunStore &store) : store_(store) {}

    void good(int index) {
        begin(index, "What is the capital of Australia?");
        const std::string answer = "The capital of Australia is Canberra. " + filler(300);
        ok("router", "router", message(run_.input, run_.input, {router_member("general")}),
           "general");
        model("general", "general", answer, 0, 0);
        ok("general_check", "gate",
           message(run_.input, answer,
                   {router_member("general"), model_member("general", 0),
                    gate_member("pass", "length", "", 0)}),
           "pass");
        ok("done", "passthrough", message(run_.input, answer, {router_member("general")}), "");
        finish_ok(answer);
    }

    void bad(int index) {
        const int kind = index % 10;
        if (kind < 3) return math_gate_stops(index);
        if (kind == 3) return code_gate_stops(index);
        if (kind == 4) return backend_down(index);
        if (kind == 5) return tool_loop(index);
        if (kind == 6) return timed_out(index);
        return graded_wrong(index, kind == 9 ? "general" : "math");
    }

private:
    std::string filler(size_t n) {
        static const std::string kWords = "so the result follows from the numbers given above ";
        std::string out;
        while (out.size() < n)
            out += kWords;
        return out.substr(0, n);
    }

    void begin(int index, std::string input) {
        run_ = trace::Run();
        char id[32];
        std::snprintf(id, sizeof id, "r%08d", index);
        run_.id = id;
        run_.graph_id = "default";
        run_.graph_version = "2.0.0";
        run_.input = std::move(input);
        run_.started_at_ms = kStartMs + index * 600LL;
        clock_ = run_.started_at_ms;
    }

    trace::NodeExecution &add(const std::string &id, const std::string &type) {
        trace::NodeExecution n;
        n.seq = static_cast<int64_t>(run_.nodes.size());
        n.node_id = id;
        n.node_type = type;
        n.started_at_ms = clock_++;
        n.duration_us = 1000 + pick(400'000);
        n.input =
            run_.nodes.empty() ? message(run_.input, run_.input, {}) : run_.nodes.back().output;
        for (const auto &e : run_.nodes)
            n.visit += e.node_id == id ? 1 : 0;
        run_.nodes.push_back(std::move(n));
        return run_.nodes.back();
    }

    void ok(const std::string &id, const std::string &type, std::string output, std::string route) {
        trace::NodeExecution &n = add(id, type);
        n.output = std::move(output);
        n.route = std::move(route);
    }

    trace::NodeExecution &model(const std::string &id, const std::string &role,
                                const std::string &answer, int rung, int tools) {
        ok(id, "model",
           message(run_.input, answer, {router_member(role), model_member(role, rung)}), "");
        trace::NodeExecution &n = run_.nodes.back();
        for (int i = 0; i <= tools; ++i)
            n.model_calls.push_back(model_call());
        for (int i = 0; i < tools; ++i) {
            n.tool_calls.push_back({"calculator", R"({"expression":"9 * 3"})",
                                    R"({"content":"27","is_error":false,"value":"27"})", clock_, 60,
                                    ""});
        }
        return n;
    }

    trace::ModelCall model_call(const std::string &error = "") {
        trace::ModelCall c;
        c.model = "qwen2.5:0.5b";
        c.backend = "local";
        c.started_at_ms = clock_;
        c.duration_us = 300'000;
        c.prompt_tokens = 300 + pick(200);
        c.completion_tokens = error.empty() ? 40 + pick(100) : 0;
        c.error = error;
        return c;
    }

    void fail(const std::string &id, const std::string &type, const std::string &code,
              const std::string &error, trace::NodeStatus status = trace::NodeStatus::failed) {
        trace::NodeExecution &n = add(id, type);
        n.status = status;
        n.error_code = code;
        n.error = error;
    }

    void finish_failed(const std::string &code) {
        const trace::NodeExecution &last = run_.nodes.back();
        run_.status = trace::RunStatus::failed;
        run_.error_code = code;
        run_.error_node = last.node_id;
        run_.error_message =
            "node " + last.node_id + " (" + last.node_type + ") failed: " + last.error;
        run_.finished_at_ms = clock_;
        store_.finish_run(run_);
    }

    void finish_ok(const std::string &answer) {
        run_.status = trace::RunStatus::succeeded;
        run_.output = run_.nodes.back().output;
        run_.answer = answer;
        run_.finished_at_ms = clock_;
        store_.finish_run(run_);
    }

    std::string wrong_sum(int a, int b) {
        return "\"" + std::to_string(a) + " * " + std::to_string(b) + " = " +
               std::to_string(a * b + 1 + pick(9)) + "\" is wrong: the calculator gives " +
               std::to_string(a * b);
    }

    // The math specialist wrong four times: retry, two escalations, then the gate stops.
    void math_gate_stops(int index) {
        const int a = 10 + pick(80), b = 10 + pick(80);
        begin(index, "What is " + std::to_string(a) + " * " + std::to_string(b) + "?");
        ok("router", "router", message(run_.input, run_.input, {router_member("math")}), "math");
        const char *kActions[] = {"retry", "escalate", "escalate"};
        for (int round = 0; round < 3; ++round) {
            const std::string reason = wrong_sum(a, b);
            model("math", "math", reason + ". " + filler(250), round, 1);
            ok("math_check", "gate",
               message(run_.input, reason,
                       {router_member("math"), model_member("math", round),
                        gate_member(kActions[round], "numeric_answer", reason, round + 1)}),
               kActions[round]);
        }
        model("math", "math", filler(300), 2, 1);
        fail("math_check", "gate", "protocol",
             "quality gate failed after 4 attempts: " + wrong_sum(a, b));
        finish_failed("protocol");
    }

    void code_gate_stops(int index) {
        begin(index, "write a python function that reverses a string");
        ok("router", "router", message(run_.input, run_.input, {router_member("code")}), "code");
        const std::string reason = "the answer has no fenced code block (```)";
        const char *kActions[] = {"retry", "escalate"};
        for (int round = 0; round < 2; ++round) {
            model("code", "code", filler(400), round, 0);
            ok("code_check", "gate",
               message(run_.input, filler(400),
                       {router_member("code"), model_member("code", round),
                        gate_member(kActions[round], "code_block", reason, round + 1)}),
               kActions[round]);
        }
        model("code", "code", filler(400), 2, 0);
        fail("code_check", "gate", "protocol", "quality gate failed after 3 attempts: " + reason);
        finish_failed("protocol");
    }

    void backend_down(int index) {
        begin(index, "What is 17 * 23?");
        ok("router", "router", message(run_.input, run_.input, {router_member("math")}), "math");
        for (int attempt = 1; attempt <= 2; ++attempt) {
            fail("math", "model", "unavailable",
                 "backend local: cannot connect to http://127.0.0.1:11434: connection refused");
            run_.nodes.back().attempt = attempt;
            run_.nodes.back().model_calls.push_back(
                model_call("cannot connect to http://127.0.0.1:11434: connection refused"));
        }
        finish_failed("unavailable");
    }

    void tool_loop(int index) {
        begin(index, "What is 2 to the power of 64?");
        ok("router", "router", message(run_.input, run_.input, {router_member("math")}), "math");
        fail("math", "model", "protocol",
             "the model still asked for tools after 4 rounds (max_tool_rounds); its last "
             "request: [{\"function\":{\"name\":\"calculator\",\"arguments\":{\"expression\":"
             "\"2^64\"}}}]");
        for (int i = 0; i < 5; ++i)
            run_.nodes.back().model_calls.push_back(model_call());
        for (int i = 0; i < 4; ++i) {
            run_.nodes.back().tool_calls.push_back(
                {"calculator", R"({"expression":"2^64"})",
                 R"({"content":"18446744073709551616","is_error":false})", clock_, 50, ""});
        }
        finish_failed("protocol");
    }

    void timed_out(int index) {
        begin(index, "Explain the proof of Fermat's last theorem");
        ok("router", "router", message(run_.input, run_.input, {router_member("general")}),
           "general");
        fail("general", "model", "timeout", "timed out after 60000 ms (timeout_ms): cancelled",
             trace::NodeStatus::timed_out);
        run_.nodes.back().model_calls.push_back(model_call("cancelled"));
        finish_failed("timeout");
    }

    // Answered, passed by the gate, graded wrong by the judge (the dataset's route in labels).
    void graded_wrong(int index, const std::string &route) {
        begin(index, "Noah buys 9 notebooks at $3 each. How much does he spend in dollars?");
        const std::string answer = "9 + 3 = 12. He spends $12. " + filler(200);
        ok("router", "router", message(run_.input, run_.input, {router_member(route)}), route);
        model(route, route, answer, 0, route == "math" ? 1 : 0);
        ok(route + "_check", "gate",
           message(run_.input, answer,
                   {router_member(route), model_member(route, 0),
                    gate_member("pass", "numeric_answer", "", 0)}),
           "pass");
        ok("done", "passthrough", message(run_.input, answer, {router_member(route)}), "");
        finish_ok(answer);
        store::GradeRecord g;
        g.run_id = run_.id;
        g.judge = "rules";
        g.score = 0;
        g.pass = false;
        g.reasons = R"(["the answer's final number 12 is not 27"])";
        g.labels = R"({"check":"numeric","failure":"wrong_number","route":"math"})";
        g.expected = "27";
        store_.record_grade(g);
    }

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

    store::RunStore &store_;
    trace::Run run_;
    int64_t clock_ = 0;
    std::mt19937_64 rng_{15};
};

struct Fixture {
    fs::path dir =
        fs::temp_directory_path() / ("tinyllm-bench-failures-" + std::to_string(::getpid()));
    fs::path db = dir / "runs.db";

    Fixture() {
        fs::remove_all(dir);
        store::StoreOptions options;
        options.path = db;
        const auto store = store::RunStore::open(options);
        RunMaker maker(*store);
        for (int i = 0; i < kGoodRuns; ++i)
            maker.good(i);
        for (int i = 0; i < kBadRuns; ++i)
            maker.bad(kGoodRuns + i);
    }
    ~Fixture() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    std::unique_ptr<store::RunStore> open() const {
        store::StoreOptions options;
        options.path = db;
        return store::RunStore::open(options);
    }
};

const Fixture &fixture() {
    static const Fixture f;
    return f;
}

cli::WindowQuery last_100() {
    cli::WindowQuery q;
    q.last = 100;
    return q;
}

// The command's work on an open store; the size of what it printed.
size_t analyze(const store::RunStore &store, bool as_json) {
    const cli::WindowQuery query = last_100();
    const cli::Window window = cli::load_window(store, query);
    const forensics::Report report = forensics::analyse(window.runs, {});
    if (report.findings.size() != kBadRuns) throw std::logic_error("the fixture changed");
    if (as_json) return cli::failures_json(report, {query, window, std::nullopt}).size();
    std::ostringstream out;
    cli::print_failures(out, report, cli::describe_window(query, window), false);
    return out.str().size();
}

void BM_FailuresLast100(benchmark::State &state) {
    const auto store = fixture().open();
    for (auto _ : state)
        benchmark::DoNotOptimize(analyze(*store, false));
}

void BM_FailuresLast100Cold(benchmark::State &state) {
    const Fixture &f = fixture();
    for (auto _ : state) {
        const auto store = f.open();
        benchmark::DoNotOptimize(analyze(*store, false));
    }
}

void BM_FailuresLast100Json(benchmark::State &state) {
    const auto store = fixture().open();
    for (auto _ : state)
        benchmark::DoNotOptimize(analyze(*store, true));
}

void BM_FailuresLoadWindow(benchmark::State &state) {
    const auto store = fixture().open();
    for (auto _ : state)
        benchmark::DoNotOptimize(cli::load_window(*store, last_100()).runs.size());
}

void BM_FailuresAnalyse(benchmark::State &state) {
    const auto store = fixture().open();
    const cli::Window window = cli::load_window(*store, last_100());
    for (auto _ : state)
        benchmark::DoNotOptimize(forensics::analyse(window.runs, {}).groups.size());
}

} // namespace

BENCHMARK(BM_FailuresLast100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FailuresLast100Cold)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FailuresLast100Json)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FailuresLoadWindow)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FailuresAnalyse)->Unit(benchmark::kMillisecond);

} // namespace tinyllm::bench
