// Issue 15's metrics benchmark: `tinyllm metrics show` over 1,000,000 stored runs (target:
// under 200 ms), and what keeping the rollups costs each finished run.
//
//   BM_MetricsWeekAllNodes      RunStore::metrics over the fixture's last 7 days, every node
//                               (`metrics show --since 7d`), on an open store.
//   BM_MetricsWeekAllNodesCold  the same with the store opened for each query, as each
//                               `tinyllm metrics show` process does (SQLite's page cache cold;
//                               the file in the OS's cache).
//   BM_MetricsWeekOneNode       `--since 7d --node math`.
//   BM_MetricsDayAllNodes       `--since 24h` (the default window).
//   BM_MetricsLast1000Runs      `--last 1000`: recounted from the runs' rows.
//   BM_FinishRun                RunStore::finish_run of an 8-execution run (rows, totals and the
//                               rollups, one transaction), runs 0.6 s apart as in the fixture.
//   BM_FinishRunWithoutRollups  the same writes without the rollups (the v1 finish_run, written
//                               out with the store's row functions): the difference is the
//                               rollups' cost per run.
//
// The fixture: 1,000,000 finished runs over 7 days (one every 0.6048 s), 3 graph versions, ~7.6
// node executions each (router, plan, retrieve, a specialist, its gate with retries and
// escalations, summarize, done; model and tool calls, failures and timeouts), written once in one
// transaction with prepared statements, its rollups summed per minute and hour in memory and
// written with the store's own rollup writer (the same rows finish_run would leave). It is cached
// in <tmp>/tinyllm-bench-metrics/ (2.5 GB) and rebuilt when kFixtureName changes.
#include "store/metric_rows.hpp"
#include "store/migrations.hpp"
#include "store/owner.hpp"
#include "store/run_metrics.hpp"
#include "store/run_store.hpp"
#include "store/sqlite.hpp"
#include "store/trace_rows.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include <unistd.h>

namespace tinyllm::bench {
namespace {

namespace fs = std::filesystem;
using store::metrics::Counters;

constexpr int64_t kRuns = 1'000'000;
constexpr int64_t kWeekMs = 7LL * 24 * 3600 * 1000;
constexpr int64_t kStartMs = 1'735'689'600'000; // 2025-01-01T00:00Z
constexpr int64_t kSpacingUs = kWeekMs * 1000 / kRuns;
// Change the name when the generator or the schema changes: a stale fixture is never reused.
const std::string kFixtureName =
    "runs-1m-g3-s" + std::to_string(store::migrations::latest_version()) + ".db";

fs::path bench_dir() {
    return fs::temp_directory_path() / "tinyllm-bench-metrics";
}

// One run of the synthetic graph, deterministic in `index`.
class RunMaker {
public:
    trace::Run make(int64_t index) {
        trace::Run run;
        char id[32];
        std::snprintf(id, sizeof id, "r%08lld", static_cast<long long>(index));
        run.id = id;
        run.graph_id = "default";
        static const char *kVersions[] = {"2.0.0", "2.1.0", "2.2.0"};
        run.graph_version = kVersions[pick(3)];
        run.input = "What is " + std::to_string(index % 97) + " + 25?";
        run.started_at_ms = kStartMs + index * kSpacingUs / 1000;
        run.status = trace::RunStatus::succeeded;
        clock_ = run.started_at_ms;
        seq_ = 0;
        static const char *kSpecs[] = {"math", "code", "general"};
        const std::string spec = kSpecs[pick(3)];
        bool ok = node(run, "router", "router", 1, 0, 2'000) &&
                  node(run, "plan", "model", 1, 0, 120'000) &&
                  node(run, "retrieve", "tool", 0, 1, 30'000);
        for (int round = 0; ok && round < 3; ++round) {
            ok = node(run, spec, "model", 1 + pick(2), spec == "math" ? pick(2) : 0, 400'000);
            if (!ok) break;
            trace::NodeExecution &gate = add(run, spec + "_check", "gate", 80);
            const int r = pick(100);
            if (r < 3) {
                gate.status = trace::NodeStatus::failed;
                gate.error = "answer rejected";
                gate.error_code = "protocol";
                fail(run, "protocol", gate.node_id);
                ok = false;
            } else {
                gate.route = r < 75 ? "pass" : r < 92 ? "retry" : "escalate";
                if (gate.route == "pass") break;
            }
        }
        if (ok) ok = node(run, "summarize", "model", 1, 0, 150'000);
        if (ok) add(run, "done", "passthrough", 10);
        run.finished_at_ms = clock_ + 1;
        if (run.status == trace::RunStatus::succeeded) {
            run.output = R"({"role":"assistant","content":"42"})";
            run.answer = "42";
        }
        return run;
    }

private:
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

    trace::NodeExecution &add(trace::Run &run, const std::string &id, const char *type,
                              int64_t typical_us) {
        trace::NodeExecution n;
        n.seq = seq_++;
        n.node_id = id;
        n.node_type = type;
        n.started_at_ms = clock_;
        // Log-normal around the node's typical time.
        n.duration_us = std::max<int64_t>(
            1, static_cast<int64_t>(static_cast<double>(typical_us) *
                                    std::exp(std::normal_distribution<double>(0, 0.6)(rng_))));
        n.input = R"({"role":"user","content":"What is 17 + 25?"})";
        n.output = R"({"role":"assistant","content":"42"})";
        clock_ += n.duration_us / 1000;
        run.nodes.push_back(std::move(n));
        return run.nodes.back();
    }

    void fail(trace::Run &run, const std::string &code, const std::string &node) {
        run.status = trace::RunStatus::failed;
        run.error_code = code;
        run.error_message = "node " + node + " failed";
        run.error_node = node;
    }

    // A node with `models` model calls and `tools` tool calls; 2% fail with a retryable error
    // and are tried again, 0.3% time out. False when the run failed in it.
    bool node(trace::Run &run, const std::string &id, const char *type, int models, int tools,
              int64_t typical_us) {
        for (int attempt = 1;; ++attempt) {
            trace::NodeExecution &n = add(run, id, type, typical_us);
            n.attempt = attempt;
            for (int i = 0; i < models; ++i) {
                trace::ModelCall call;
                call.model = "qwen2.5:1.5b";
                call.backend = "local";
                call.started_at_ms = n.started_at_ms;
                call.duration_us = n.duration_us;
                call.prompt_tokens = 80 + pick(400);
                call.completion_tokens = 5 + pick(200);
                n.model_calls.push_back(std::move(call));
            }
            for (int i = 0; i < tools; ++i) {
                trace::ToolCall call;
                call.tool = "calculator";
                call.arguments = R"({"expression":"17 + 25"})";
                call.result = R"({"content":"42"})";
                call.started_at_ms = n.started_at_ms;
                call.duration_us = 40;
                n.tool_calls.push_back(std::move(call));
            }
            const int r = pick(1000);
            if (r >= 23) return true;
            n.output.clear();
            n.status = r < 3 ? trace::NodeStatus::timed_out : trace::NodeStatus::failed;
            n.error = r < 3 ? "timed out" : "Ollama is busy";
            n.error_code = r < 3 ? "timeout" : "unavailable";
            if (r < 3 || attempt == 2) {
                fail(run, n.error_code, id);
                return false;
            }
        }
    }

    std::mt19937_64 rng_{15};
    int64_t clock_ = 0;
    int64_t seq_ = 0;
};

// Rollups summed in memory, one minute (and one hour) at a time, written when the clock moves
// past them with the store's rollup writer.
class RollupWriter {
public:
    explicit RollupWriter(store::sqlite::Database &db) : db_(db) {}

    void add(const trace::Run &run) {
        const store::metrics::RunFacts facts = store::metrics::facts_of(run);
        const int64_t minute =
            store::metrics::floor_to(run.started_at_ms, store::metrics::kMinuteMs);
        const int64_t hour = store::metrics::floor_to(run.started_at_ms, store::metrics::kHourMs);
        if (minute != minute_) flush(minutes_, store::metrics::kMinuteMs, minute_);
        if (hour != hour_) flush(hours_, store::metrics::kHourMs, hour_);
        minute_ = minute;
        hour_ = hour;
        for (store::metrics::Contribution &c : store::metrics::contributions(facts)) {
            const Key key{run.graph_version, c.node_id};
            types_[key] = c.node_type;
            minutes_[key].merge(c.counters);
            hours_[key].merge(c.counters);
        }
    }

    void finish() {
        flush(minutes_, store::metrics::kMinuteMs, minute_);
        flush(hours_, store::metrics::kHourMs, hour_);
    }

private:
    using Key = std::pair<std::string, std::string>; // version, node
    void flush(std::map<Key, Counters> &sums, int64_t span, int64_t start) {
        for (const auto &[key, counters] : sums) {
            const int64_t id =
                store::metric_rows::series_id(db_, "default", key.first, key.second, types_[key]);
            store::metric_rows::add_counters(db_, id, span, start, counters, 1);
        }
        sums.clear();
    }

    store::sqlite::Database &db_;
    std::map<Key, Counters> minutes_, hours_;
    std::map<Key, std::string> types_;
    int64_t minute_ = 0, hour_ = 0;
};

void build_fixture(const fs::path &path) {
    const fs::path building = path.string() + ".building";
    fs::remove(building);
    store::StoreOptions options;
    options.path = building;
    store::RunStore::open(options); // the schema
    const auto started = std::chrono::steady_clock::now();
    {
        store::sqlite::Database db(building, "bench fixture " + building.string());
        // A throwaway file until renamed: no journal, no syncs, a big cache for the indexes.
        db.exec("PRAGMA journal_mode = OFF");
        db.exec("PRAGMA synchronous = OFF");
        db.exec("PRAGMA cache_size = -524288");
        store::metric_rows::register_functions(db);
        const store::Owner owner = store::current_owner();
        RunMaker maker;
        RollupWriter rollups(db);
        store::sqlite::Transaction transaction(db, store::sqlite::Transaction::Mode::immediate);
        for (int64_t i = 0; i < kRuns; ++i) {
            const trace::Run run = maker.make(i);
            store::rows::upsert_finished_run(db, run, owner);
            for (const trace::NodeExecution &node : run.nodes)
                store::rows::insert_node(db, run.id, node);
            store::rows::update_run_totals(db, run.id);
            rollups.add(run);
        }
        rollups.finish();
        transaction.commit();
        db.exec("PRAGMA journal_mode = DELETE");
    }
    fs::rename(building, path);
    std::fprintf(stderr, "metrics_bench: built %s in %.0f s\n", path.c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

// The fixture, built on first use.
const fs::path &fixture() {
    static const fs::path path = [] {
        fs::create_directories(bench_dir());
        const fs::path p = bench_dir() / kFixtureName;
        if (!fs::exists(p)) build_fixture(p);
        return p;
    }();
    return path;
}

std::unique_ptr<store::RunStore> open(const fs::path &path) {
    store::StoreOptions options;
    options.path = path;
    return store::RunStore::open(options);
}

// The start of the fixture's last run: the benchmarks' "now".
int64_t fixture_end() {
    static const int64_t end = kStartMs + (kRuns - 1) * kSpacingUs / 1000;
    return end;
}

store::MetricsQuery week() {
    store::MetricsQuery q;
    q.until_ms = fixture_end();
    q.since_ms = fixture_end() - kWeekMs;
    return q;
}

void report(benchmark::State &state, const store::MetricsReport &r) {
    int64_t runs = 0;
    for (const auto &n : r.nodes) {
        if (n.node_id.empty()) runs += n.total.requests;
    }
    state.counters["runs"] = static_cast<double>(runs);
    state.counters["nodes"] = static_cast<double>(r.nodes.size());
}

void run_query(benchmark::State &state, const store::MetricsQuery &q) {
    auto s = open(fixture());
    store::MetricsReport r;
    for (auto _ : state) {
        r = s->metrics(q);
        benchmark::DoNotOptimize(r.nodes.data());
    }
    report(state, r);
}

void BM_MetricsWeekAllNodes(benchmark::State &state) {
    run_query(state, week());
}

void BM_MetricsWeekAllNodesCold(benchmark::State &state) {
    fixture();
    store::MetricsReport r;
    for (auto _ : state) {
        auto s = open(fixture());
        r = s->metrics(week());
        benchmark::DoNotOptimize(r.nodes.data());
    }
    report(state, r);
}

void BM_MetricsWeekOneNode(benchmark::State &state) {
    store::MetricsQuery q = week();
    q.node_id = "math";
    run_query(state, q);
}

void BM_MetricsDayAllNodes(benchmark::State &state) {
    store::MetricsQuery q = week();
    q.since_ms = fixture_end() - 24LL * 3600 * 1000;
    run_query(state, q);
}

void BM_MetricsLast1000Runs(benchmark::State &state) {
    store::MetricsQuery q;
    q.last_runs = 1000;
    run_query(state, q);
}

// A fresh store per benchmark, removed afterwards.
struct ScratchStore {
    fs::path dir;
    std::unique_ptr<store::RunStore> store;
    ScratchStore() {
        dir = bench_dir() / ("finish-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        store = open(dir / "runs.db");
    }
    ~ScratchStore() {
        store.reset();
        fs::remove_all(dir);
    }
};

void BM_FinishRun(benchmark::State &state) {
    ScratchStore scratch;
    RunMaker maker;
    int64_t i = 0;
    int64_t nodes = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const trace::Run run = maker.make(i++);
        nodes += static_cast<int64_t>(run.nodes.size());
        state.ResumeTiming();
        scratch.store->finish_run(run);
    }
    state.counters["nodes_per_run"] = static_cast<double>(nodes) / static_cast<double>(i);
}

void BM_FinishRunWithoutRollups(benchmark::State &state) {
    ScratchStore scratch;
    store::sqlite::Database db(scratch.dir / "runs.db", "bench");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA synchronous = NORMAL");
    db.set_busy_timeout(5000);
    const store::Owner owner = store::current_owner();
    RunMaker maker;
    int64_t i = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const trace::Run run = maker.make(i++);
        state.ResumeTiming();
        // finish_run's transaction as it was before the metrics.
        store::sqlite::Transaction transaction(db, store::sqlite::Transaction::Mode::immediate);
        store::rows::upsert_finished_run(db, run, owner);
        for (const trace::NodeExecution &node : run.nodes) {
            if (!store::rows::node_exists(db, run.id, node.seq)) {
                store::rows::insert_node(db, run.id, node);
            }
        }
        store::rows::update_run_totals(db, run.id);
        transaction.commit();
    }
}

BENCHMARK(BM_MetricsWeekAllNodes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetricsWeekAllNodesCold)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetricsWeekOneNode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetricsDayAllNodes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetricsLast1000Runs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FinishRun)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FinishRunWithoutRollups)->Unit(benchmark::kMicrosecond);

} // namespace
} // namespace tinyllm::bench
