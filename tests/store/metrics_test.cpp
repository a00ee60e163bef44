// The metrics kept in the run store: for a randomised set of runs (failures, timeouts,
// cancellations, retries, gates that pass, retry, escalate and fail, fan-out branches, runs
// recorded whole or node by node, left running, interrupted, finished twice) and grades, what
// RunStore::metrics reports equals a recount from the raw rows, for windows by time (whole
// hours and ragged minutes), by the last N runs, and per filter; percentiles are within the
// histogram's bound of exact.
#include "store_test_support.hpp"

#include "store/latency_histogram.hpp"
#include "store/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace tinyllm::store_test {
namespace {

using store::metrics::Counters;
using store::metrics::LatencyHistogram;
using trace::NodeStatus;
using trace::RunStatus;

// Not aligned to a minute or an hour: windows must cut through both.
constexpr int64_t kBase = 1'700'000'123'456;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;

// ---- generating runs ------------------------------------------------------------------

class RunMaker {
public:
    explicit RunMaker(uint32_t seed) : rng_(seed) {}

    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    int64_t duration_us() {
        // Log-uniform from 5 us to 20 s.
        return static_cast<int64_t>(
            std::exp(std::uniform_real_distribution<double>(std::log(5.0), std::log(2e7))(rng_)));
    }

    trace::Run make(int index) {
        trace::Run run;
        char id[32];
        std::snprintf(id, sizeof id, "r%05d", index);
        run.id = id;
        run.graph_id = chance(0.1) ? "other" : "g";
        run.graph_version = chance(0.5) ? "1.0.0" : "1.1.0";
        run.input = "q" + std::to_string(index);
        run.started_at_ms = kBase + std::uniform_int_distribution<int64_t>(0, 3 * kDay)(rng_);
        clock_ = run.started_at_ms + 1;
        seq_ = 0;
        run.status = RunStatus::succeeded;

        bool ok = node(run, "router", "router", "", chance(0.5) ? "math" : "general", 0.08);
        if (ok && chance(0.3)) {
            // Fan-out: two branches, each a specialist checked by its own gate, then a join.
            for (const char *branch : {"0", "1"}) {
                const std::string spec = branch[0] == '0' ? "math" : "general";
                if (node(run, spec, "model", branch, "", 0.05)) gate(run, spec + "_check", branch);
            }
            ok = run.status == RunStatus::succeeded && node(run, "merge", "passthrough", "", "", 0);
        } else if (ok) {
            const std::string spec = chance(0.5) ? "math" : "general";
            for (int round = 0; ok && round < 3; ++round) {
                ok = node(run, spec, "model", "", "", 0.1);
                if (!ok) break;
                const std::string route = gate(run, spec + "_check", "");
                if (route != "retry" && route != "escalate") break;
            }
        }
        if (run.status == RunStatus::succeeded && chance(0.04)) {
            // Ctrl-C in the last node.
            trace::NodeExecution &n = add(run, "done", "passthrough", "");
            n.status = NodeStatus::cancelled;
            n.error = "cancelled";
            n.error_code = "cancelled";
            run.status = RunStatus::cancelled;
            run.error_code = "cancelled";
            run.error_message = "cancelled";
        } else if (run.status == RunStatus::succeeded) {
            add(run, "done", "passthrough", "");
        }
        run.finished_at_ms = clock_ + pick(5);
        if (run.status == RunStatus::succeeded) {
            run.output = R"({"role":"assistant","content":"4"})";
            run.answer = "4";
        }
        return run;
    }

private:
    trace::NodeExecution &add(trace::Run &run, const std::string &id, const std::string &type,
                              const std::string &branch) {
        trace::NodeExecution n;
        n.seq = seq_++;
        n.node_id = id;
        n.node_type = type;
        n.branch = branch;
        n.started_at_ms = clock_;
        n.duration_us = duration_us();
        n.input = "{}";
        n.output = "{}";
        clock_ += n.duration_us / 1000 + 1;
        run.nodes.push_back(std::move(n));
        return run.nodes.back();
    }

    // One node, retried once after a retryable failure. False when it failed for good (the
    // run then failed).
    bool node(trace::Run &run, const std::string &id, const std::string &type,
              const std::string &branch, const std::string &route, double failure) {
        for (int attempt = 1; attempt <= 2; ++attempt) {
            trace::NodeExecution &n = add(run, id, type, branch);
            n.attempt = attempt;
            n.route = route;
            if (type == "model") {
                for (int i = 0, calls = 1 + pick(2); i < calls; ++i) {
                    trace::ModelCall call;
                    call.model = "m";
                    call.backend = "b";
                    if (!chance(0.1)) { // a server that says nothing about tokens
                        call.prompt_tokens = 10 + pick(200);
                        call.completion_tokens = 1 + pick(100);
                    }
                    n.model_calls.push_back(call);
                }
                for (int i = 0, calls = id == "math" ? pick(3) : 0; i < calls; ++i) {
                    trace::ToolCall call;
                    call.tool = "calculator";
                    call.arguments = "{}";
                    n.tool_calls.push_back(call);
                }
            }
            if (!chance(failure)) return true;
            n.output.clear();
            n.route.clear();
            const int kind = pick(3);
            n.status = kind == 2 ? NodeStatus::timed_out : NodeStatus::failed;
            n.error = "it broke";
            // A timed-out node recorded without a code (as the CLI's guard writes it) half the
            // time: counted as "timeout" from its status.
            n.error_code = kind == 0     ? "unavailable"
                           : kind == 1   ? "remote"
                           : chance(0.5) ? "timeout"
                                         : "";
            if (attempt == 2 || chance(0.3)) {
                run.status = RunStatus::failed;
                run.error_code = n.error_code.empty() ? "timeout" : n.error_code;
                run.error_message = "node " + id + " failed";
                run.error_node = id;
                return false;
            }
        }
        return true;
    }

    // A gate execution; returns its route ("" when it failed the run).
    std::string gate(trace::Run &run, const std::string &id, const std::string &branch) {
        trace::NodeExecution &n = add(run, id, "gate", branch);
        const int r = pick(20);
        if (r < 1) { // nothing left to try: the gate fails its node
            n.status = NodeStatus::failed;
            n.output.clear();
            n.error = "answer rejected";
            n.error_code = "protocol";
            run.status = RunStatus::failed;
            run.error_code = "protocol";
            run.error_message = "rejected";
            run.error_node = id;
            return "";
        }
        n.route = r < 12 ? "pass" : r < 17 ? "retry" : "escalate";
        return n.route;
    }

    std::mt19937 rng_;
    int64_t clock_ = 0;
    int64_t seq_ = 0;
};

// ---- recounting from the raw rows -------------------------------------------------------

struct RawNode {
    int64_t seq = 0;
    std::string node_id, node_type, branch, status, error_code, route;
    int64_t duration_us = 0, model_calls = 0, tool_calls = 0, prompt = 0, completion = 0;
};
struct RawRun {
    std::string id, graph_id, graph_version, status, error_code;
    int64_t started = 0, finished = 0;
    std::vector<RawNode> nodes;
};
struct RawGrade {
    std::string run_id, node_id;
    std::optional<double> score;
    std::optional<int64_t> pass;
    bool error = false;
};

struct Raw {
    std::vector<RawRun> runs; // every run, running ones too
    std::vector<RawGrade> grades;
};

Raw read_raw(const fs::path &db_path) {
    auto db = raw(db_path);
    Raw raw_rows;
    std::map<std::string, size_t> index;
    {
        store::sqlite::Statement s(*db, "SELECT id, graph_id, graph_version, status, error_code, "
                                        "started_at_ms, finished_at_ms FROM runs ORDER BY id");
        while (s.step()) {
            index[s.column_text(0)] = raw_rows.runs.size();
            raw_rows.runs.push_back(RawRun{s.column_text(0),
                                           s.column_text(1),
                                           s.column_text(2),
                                           s.column_text(3),
                                           s.column_text(4),
                                           s.column_int64(5),
                                           s.column_int64(6),
                                           {}});
        }
    }
    {
        store::sqlite::Statement s(
            *db, "SELECT run_id, seq, node_id, node_type, branch, status, error_code, route, "
                 "duration_us, "
                 "(SELECT count(*) FROM model_calls m WHERE m.run_id = n.run_id AND "
                 "m.node_seq = n.seq), "
                 "(SELECT coalesce(sum(prompt_tokens), 0) FROM model_calls m WHERE "
                 "m.run_id = n.run_id AND m.node_seq = n.seq), "
                 "(SELECT coalesce(sum(completion_tokens), 0) FROM model_calls m WHERE "
                 "m.run_id = n.run_id AND m.node_seq = n.seq), "
                 "(SELECT count(*) FROM tool_calls t WHERE t.run_id = n.run_id AND "
                 "t.node_seq = n.seq) "
                 "FROM node_executions n ORDER BY run_id, seq");
        while (s.step()) {
            RawNode n{s.column_int64(1),  s.column_text(2),   s.column_text(3),
                      s.column_text(4),   s.column_text(5),   s.column_text(6),
                      s.column_text(7),   s.column_int64(8),  s.column_int64(9),
                      s.column_int64(12), s.column_int64(10), s.column_int64(11)};
            raw_rows.runs[index.at(s.column_text(0))].nodes.push_back(std::move(n));
        }
    }
    store::sqlite::Statement s(*db, "SELECT run_id, node_id, score, pass, error FROM grades "
                                    "WHERE run_id IS NOT NULL ORDER BY id");
    while (s.step()) {
        raw_rows.grades.push_back(RawGrade{s.column_text(0), s.column_text(1),
                                           s.column_optional_double(2), s.column_optional_int64(3),
                                           !s.column_is_null(4)});
    }
    return raw_rows;
}

struct Expected {
    Counters c;
    std::vector<int64_t> durations;
};
using ExpectedByNode = std::map<std::pair<std::string, std::string>, Expected>;

void count_check(Expected &e, bool pass) {
    ++e.c.gate_checks;
    if (pass) ++e.c.gate_passes;
}

// The rules of run_metrics.hpp, written again from the rows, for the runs `take` selects.
template <class Take, class TakeGrade>
ExpectedByNode recount(const Raw &raw_rows, Take take, TakeGrade take_grade) {
    ExpectedByNode out;
    std::map<std::string, const RawRun *> by_id;
    for (const RawRun &run : raw_rows.runs) {
        by_id[run.id] = &run;
        if (run.status == "running" || !take(run)) continue;
        Expected &whole = out[{run.graph_id, ""}];
        ++whole.c.requests;
        if (run.status == "succeeded") ++whole.c.successes;
        if (run.status == "cancelled") ++whole.c.cancelled;
        if (run.status == "failed") {
            ++whole.c.failures;
            ++whole.c.failures_by_kind[run.error_code];
        }
        const int64_t run_us = (run.finished - run.started) * 1000;
        whole.c.latency.add(run_us);
        whole.durations.push_back(run_us);
        std::map<std::string, std::string> last_non_gate; // branch -> node id
        for (const RawNode &n : run.nodes) {
            Expected &e = out[{run.graph_id, n.node_id}];
            ++e.c.requests;
            if (n.status == "succeeded") ++e.c.successes;
            if (n.status == "cancelled") ++e.c.cancelled;
            if (n.status == "failed" || n.status == "timed_out") {
                ++e.c.failures;
                ++e.c.failures_by_kind[!n.error_code.empty()     ? n.error_code
                                       : n.status == "timed_out" ? "timeout"
                                                                 : "unknown"];
            }
            e.c.latency.add(n.duration_us);
            e.durations.push_back(n.duration_us);
            for (Expected *x : {&e, &whole}) {
                x->c.prompt_tokens += n.prompt;
                x->c.completion_tokens += n.completion;
                x->c.model_calls += n.model_calls;
                x->c.tool_calls += n.tool_calls;
            }
            if (n.node_type != "gate") {
                last_non_gate[n.branch] = n.node_id;
            } else if (n.status == "succeeded" || n.status == "failed") {
                const bool pass = n.status == "succeeded" && n.route == "pass";
                count_check(e, pass);
                count_check(whole, pass);
                if (last_non_gate.count(n.branch)) {
                    count_check(out[{run.graph_id, last_non_gate[n.branch]}], pass);
                }
            }
        }
    }
    // A grade counts for the whole run and for the node it names.
    for (const RawGrade &g : raw_rows.grades) {
        const RawRun &run = *by_id.at(g.run_id);
        if (!take_grade(run)) continue;
        for (const std::string &node : {std::string(), g.node_id}) {
            Counters &c = out[{run.graph_id, node}].c;
            ++c.grades;
            if (g.error) {
                ++c.grade_errors;
            } else {
                if (g.pass.value_or(0) == 1) ++c.grade_passes;
                if (g.score) {
                    ++c.scored;
                    c.score_sum += *g.score;
                    c.score_sumsq += *g.score * *g.score;
                }
            }
            if (g.node_id.empty()) break;
        }
    }
    return out;
}

void expect_counters(const Counters &want, const Counters &got, const std::string &what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(got.requests, want.requests);
    EXPECT_EQ(got.successes, want.successes);
    EXPECT_EQ(got.failures, want.failures);
    EXPECT_EQ(got.cancelled, want.cancelled);
    EXPECT_EQ(got.failures_by_kind, want.failures_by_kind);
    EXPECT_EQ(got.gate_checks, want.gate_checks);
    EXPECT_EQ(got.gate_passes, want.gate_passes);
    EXPECT_EQ(got.grades, want.grades);
    EXPECT_EQ(got.grade_passes, want.grade_passes);
    EXPECT_EQ(got.grade_errors, want.grade_errors);
    EXPECT_EQ(got.scored, want.scored);
    EXPECT_NEAR(got.score_sum, want.score_sum, 1e-9);
    EXPECT_NEAR(got.score_sumsq, want.score_sumsq, 1e-9);
    EXPECT_EQ(got.prompt_tokens, want.prompt_tokens);
    EXPECT_EQ(got.completion_tokens, want.completion_tokens);
    EXPECT_EQ(got.model_calls, want.model_calls);
    EXPECT_EQ(got.tool_calls, want.tool_calls);
    ASSERT_EQ(got.latency.count(), want.latency.count());
    for (size_t b = 0; b < LatencyHistogram::kBuckets; ++b)
        ASSERT_EQ(got.latency.count_in(b), want.latency.count_in(b)) << "bucket " << b;
}

double exact_percentile(std::vector<int64_t> values, double p) {
    std::sort(values.begin(), values.end());
    const auto n = static_cast<int64_t>(values.size());
    const auto rank = std::clamp<int64_t>(
        static_cast<int64_t>(std::ceil(p * static_cast<double>(n) - 1e-9)), 1, n);
    return static_cast<double>(values[static_cast<size_t>(rank - 1)]);
}

// The report holds exactly the recount's nodes, with the same counters, and percentiles within
// the bound of exact.
void expect_report(const ExpectedByNode &want, const store::MetricsReport &report,
                   const std::string &what) {
    SCOPED_TRACE(what);
    std::set<std::pair<std::string, std::string>> got_nodes;
    for (const store::NodeMetrics &m : report.nodes) {
        const auto key = std::make_pair(m.graph_id, m.node_id);
        got_nodes.insert(key);
        const auto it = want.find(key);
        ASSERT_NE(it, want.end()) << m.graph_id << "/" << m.node_id << " is not in the recount";
        expect_counters(it->second.c, m.total, m.graph_id + "/" + m.node_id);
        // The trend adds up to the total.
        Counters sum;
        for (const Counters &c : m.trend)
            sum.merge(c);
        expect_counters(m.total, sum, m.graph_id + "/" + m.node_id + " trend sum");
        for (double p : {0.5, 0.95, 0.99}) {
            const auto got = store::latency_percentile(m.total, p);
            ASSERT_TRUE(got);
            const double exact = exact_percentile(it->second.durations, p) / 1000.0;
            EXPECT_LE(std::abs(got->ms - exact), exact * LatencyHistogram::kMaxRelativeError + 1e-9)
                << m.node_id << " p" << p;
        }
    }
    std::set<std::pair<std::string, std::string>> want_nodes;
    for (const auto &[key, e] : want) {
        if (e.c.requests > 0 || e.c.grades > 0) want_nodes.insert(key);
    }
    EXPECT_EQ(got_nodes, want_nodes);
}

// ---- the store under test ----------------------------------------------------------------

class MetricsTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(dir_.db());
        RunMaker maker(20240611);
        std::vector<trace::Run> later; // interrupted now, finished after the recovery
        for (int i = 0; i < 400; ++i) {
            trace::Run run = maker.make(i);
            const int way = maker.pick(20);
            if (way < 8) { // node by node, as `tinyllm run` records
                trace::Run begun = run;
                begun.nodes.clear();
                begun.status = RunStatus::running;
                store_->begin_run(begun);
                for (const auto &n : run.nodes)
                    store_->add_node(run.id, n);
                store_->finish_run(run);
            } else if (way < 16) { // finish_run alone
                store_->finish_run(run);
            } else if (way < 17) { // finished twice: first as failed, then as it really ended
                trace::Run first = run;
                first.status = RunStatus::failed;
                first.error_code = "internal";
                first.nodes.resize(run.nodes.size() / 2);
                store_->finish_run(first);
                store_->finish_run(run);
            } else { // begun, some nodes, then interrupted; a third finished later
                trace::Run begun = run;
                begun.nodes.clear();
                begun.status = RunStatus::running;
                store_->begin_run(begun);
                for (size_t n = 0; n < run.nodes.size() / 2; ++n)
                    store_->add_node(run.id, run.nodes[n]);
                if (way == 19) later.push_back(run);
            }
        }
        // Every run still running is idle since 2023: all are marked interrupted.
        EXPECT_GT(store_->recover_interrupted(1), 0u);
        for (const trace::Run &run : later)
            store_->finish_run(run);
        // Left running: begun after the recovery, never finished. Not counted.
        for (int i = 400; i < 410; ++i) {
            trace::Run run = maker.make(i);
            trace::Run begun = run;
            begun.nodes.clear();
            begun.status = RunStatus::running;
            store_->begin_run(begun);
            store_->add_node(run.id, run.nodes.front());
            running_.push_back(run.id);
        }
        // Grades: on the answer and on nodes, some failed judges, of finished and running runs.
        std::mt19937 rng(99);
        for (int i = 0; i < 410; i += 3) {
            char id[32];
            std::snprintf(id, sizeof id, "r%05d", i);
            store::GradeRecord g;
            g.run_id = id;
            g.node_id = i % 2 == 0 ? "" : "math";
            g.judge = "rules";
            if (i % 11 == 0) {
                g.error = "judge crashed";
            } else {
                g.score = std::uniform_real_distribution<double>(0, 1)(rng);
                g.pass = *g.score > 0.5;
            }
            store_->record_grade(g);
        }
    }

    TempDir dir_;
    std::unique_ptr<store::RunStore> store_;
    std::vector<std::string> running_;
};

// The comparisons below mean something only if the data holds every case they claim to cover.
TEST_F(MetricsTest, TheGeneratedRunsCoverEveryCase) {
    auto db = raw(dir_.db());
    auto count = [&](const std::string &where) {
        return db->query_int("SELECT count(*) FROM " + where);
    };
    EXPECT_GT(count("runs WHERE status = 'succeeded'"), 100);
    EXPECT_GT(count("runs WHERE status = 'failed' AND error_message != 'interrupted (the "
                    "process ended before the run finished)'"),
              10);
    EXPECT_GT(count("runs WHERE status = 'cancelled'"), 3);
    EXPECT_GT(count("runs WHERE error_message LIKE 'interrupted%'"), 5);
    EXPECT_EQ(count("runs WHERE status = 'running'"), 10);
    EXPECT_GT(count("node_executions WHERE status = 'timed_out' AND error_code IS NULL"), 0);
    EXPECT_GT(count("node_executions WHERE status = 'timed_out' AND error_code = 'timeout'"), 0);
    EXPECT_GT(count("node_executions WHERE attempt = 2"), 10);
    EXPECT_GT(count("node_executions WHERE branch != ''"), 50);
    EXPECT_GT(count("node_executions WHERE node_type = 'gate' AND status = 'failed'"), 3);
    for (const char *route : {"pass", "retry", "escalate"}) {
        EXPECT_GT(count("node_executions WHERE node_type = 'gate' AND route = '" +
                        std::string(route) + "'"),
                  10)
            << route;
    }
    EXPECT_GT(count("model_calls WHERE prompt_tokens IS NULL"), 5);
    EXPECT_GT(count("tool_calls"), 50);
    EXPECT_GT(count("grades WHERE error IS NOT NULL"), 3);
    EXPECT_GT(count("grades g JOIN runs r ON r.id = g.run_id WHERE r.status = 'running'"), 0);
    // The second graph, and executions long enough to land in the upper buckets.
    EXPECT_GT(count("runs WHERE graph_id = 'other'"), 10);
    EXPECT_GT(count("node_executions WHERE duration_us > 1000000"), 50);
}

bool in_window(int64_t started, int64_t since, int64_t until) {
    return started >= since && started < until;
}

TEST_F(MetricsTest, AWindowByTimeEqualsARecountFromTheRows) {
    const Raw rows = read_raw(dir_.db());
    // The whole history, then windows whose edges cut hours at odd minutes (the hour rows and
    // the minute rows must add up to the same thing), some of one graph version or one node.
    store::MetricsQuery all;
    all.since_ms = kBase - kDay;
    all.until_ms = kBase + 4 * kDay;
    const auto report = store_->metrics(all);
    EXPECT_FALSE(report.by_runs);
    auto every = [](const RawRun &) { return true; };
    expect_report(recount(rows, every, every), report, "everything");

    std::mt19937 rng(5);
    for (int trial = 0; trial < 12; ++trial) {
        store::MetricsQuery q;
        const int64_t since = kBase + std::uniform_int_distribution<int64_t>(0, 2 * kDay)(rng);
        const int64_t until =
            since + std::uniform_int_distribution<int64_t>(kMinute, kDay + 7 * kHour)(rng);
        q.since_ms = since;
        q.until_ms = until;
        q.trend_buckets = 1 + trial * 3;
        if (trial % 3 == 1) q.graph_version = "1.1.0";
        if (trial % 4 == 2) q.graph_id = "g";
        // The window is whole minutes: since rounded down, until to the end of its minute.
        const int64_t from = since - ((since % kMinute) + kMinute) % kMinute;
        const int64_t to = until - ((until % kMinute) + kMinute) % kMinute + kMinute;
        auto take = [&](const RawRun &r) {
            return in_window(r.started, from, to) &&
                   (!q.graph_version || r.graph_version == *q.graph_version) &&
                   (!q.graph_id || r.graph_id == *q.graph_id);
        };
        const auto got = store_->metrics(q);
        EXPECT_EQ(got.since_ms, from);
        EXPECT_EQ(got.until_ms, to);
        expect_report(recount(rows, take, take), got, "window " + std::to_string(trial));
        // Each trend bucket is its own window.
        ASSERT_FALSE(got.trend.empty());
        EXPECT_EQ(got.trend.front().start_ms, from);
        EXPECT_EQ(got.trend.back().end_ms, to);
        for (size_t b = 0; b < got.trend.size(); ++b) {
            auto in_bucket = [&](const RawRun &r) {
                return take(r) && in_window(r.started, got.trend[b].start_ms, got.trend[b].end_ms);
            };
            const auto want = recount(rows, in_bucket, in_bucket);
            for (const store::NodeMetrics &m : got.nodes) {
                const auto it = want.find({m.graph_id, m.node_id});
                const Counters none;
                expect_counters(it == want.end() ? none : it->second.c, m.trend[b],
                                m.node_id + " bucket " + std::to_string(b));
            }
        }
    }
}

TEST_F(MetricsTest, TheLastNRunsEqualARecountOfThoseRuns) {
    const Raw rows = read_raw(dir_.db());
    std::vector<const RawRun *> finished;
    for (const RawRun &r : rows.runs) {
        if (r.status != "running") finished.push_back(&r);
    }
    std::sort(finished.begin(), finished.end(), [](const RawRun *a, const RawRun *b) {
        return std::tie(a->started, a->id) > std::tie(b->started, b->id);
    });
    for (size_t n : {size_t{1}, size_t{7}, size_t{100}, size_t{10'000}}) {
        std::set<std::string> last;
        for (size_t i = 0; i < std::min(n, finished.size()); ++i)
            last.insert(finished[i]->id);
        auto take = [&](const RawRun &r) { return last.count(r.id) > 0; };
        store::MetricsQuery q;
        q.last_runs = n;
        const auto got = store_->metrics(q);
        EXPECT_TRUE(got.by_runs);
        EXPECT_EQ(got.runs, last.size());
        expect_report(recount(rows, take, take), got, "last " + std::to_string(n));
        size_t runs_in_trend = 0;
        for (const store::TrendBucket &b : got.trend)
            runs_in_trend += b.runs;
        EXPECT_EQ(runs_in_trend, last.size());
        EXPECT_EQ(got.trend.size(), std::min<size_t>(24, last.size()));
    }
}

TEST_F(MetricsTest, BothWaysAgreeOverTheWholeHistory) {
    store::MetricsQuery by_time;
    by_time.since_ms = 0;
    store::MetricsQuery by_runs;
    by_runs.last_runs = 1'000'000;
    const auto a = store_->metrics(by_time);
    const auto b = store_->metrics(by_runs);
    // Only the grades of runs still running differ: the rollups count them, a recount of
    // finished runs does not.
    auto without_grades = [](const store::MetricsReport &r) {
        std::map<std::pair<std::string, std::string>, Counters> out;
        for (const auto &m : r.nodes) {
            Counters c = m.total;
            c.grades = c.grade_passes = c.grade_errors = c.scored = 0;
            c.score_sum = c.score_sumsq = 0;
            out[{m.graph_id, m.node_id}] = c;
        }
        return out;
    };
    const auto x = without_grades(a), y = without_grades(b);
    ASSERT_EQ(x.size(), y.size());
    for (const auto &[key, c] : x) {
        ASSERT_TRUE(y.count(key)) << key.second;
        expect_counters(c, y.at(key), key.first + "/" + key.second);
    }
}

TEST_F(MetricsTest, OneNodeAndTheNodesSeen) {
    store::MetricsQuery q;
    q.since_ms = 0;
    q.node_id = "math_check";
    const auto one = store_->metrics(q);
    ASSERT_EQ(one.nodes.size(), 2u); // in both graphs
    for (const auto &m : one.nodes) {
        EXPECT_EQ(m.node_id, "math_check");
        EXPECT_EQ(m.node_type, "gate");
        EXPECT_EQ(m.graph_versions, (std::vector<std::string>{"1.0.0", "1.1.0"}));
        EXPECT_GT(m.total.gate_checks, 0);
    }
    q.node_id = "specialist.math";
    const auto none = store_->metrics(q);
    EXPECT_TRUE(none.nodes.empty());
    std::set<std::string> seen;
    for (const auto &[graph, node] : none.nodes_seen)
        seen.insert(node);
    EXPECT_EQ(seen, (std::set<std::string>{"", "router", "math", "general", "math_check",
                                           "general_check", "merge", "done"}));
}

TEST_F(MetricsTest, TheWholeRunComesFirstAndGatesCountForWhatTheyChecked) {
    store::MetricsQuery q;
    q.since_ms = 0;
    q.graph_id = "g";
    const auto report = store_->metrics(q);
    ASSERT_FALSE(report.nodes.empty());
    EXPECT_EQ(report.nodes.front().node_id, "");
    std::map<std::string, const store::NodeMetrics *> by_node;
    for (const auto &m : report.nodes)
        by_node[m.node_id] = &m;
    // A specialist is only ever checked by its own gate, and every check of a gate follows an
    // execution of its specialist in the same branch: the counts match.
    for (const std::string spec : {"math", "general"}) {
        EXPECT_EQ(by_node.at(spec)->total.gate_checks,
                  by_node.at(spec + "_check")->total.gate_checks);
        EXPECT_EQ(by_node.at(spec)->total.gate_passes,
                  by_node.at(spec + "_check")->total.gate_passes);
    }
    EXPECT_EQ(by_node.at("router")->total.gate_checks, 0);
    EXPECT_EQ(by_node.at("")->total.gate_checks,
              by_node.at("math_check")->total.gate_checks +
                  by_node.at("general_check")->total.gate_checks);
}

TEST_F(MetricsTest, ScoreMeanAndInterval) {
    store::MetricsQuery q;
    q.since_ms = 0;
    q.graph_id = "g";
    q.node_id = "";
    const auto report = store_->metrics(q);
    ASSERT_EQ(report.nodes.size(), 1u);
    const Counters &c = report.nodes[0].total;
    const auto s = store::score_summary(c);
    ASSERT_GE(s.n, 2);
    ASSERT_TRUE(s.mean && s.low && s.high);
    const double n = static_cast<double>(c.scored);
    const double mean = c.score_sum / n;
    const double sd = std::sqrt((c.score_sumsq - n * mean * mean) / (n - 1));
    EXPECT_NEAR(*s.mean, mean, 1e-12);
    EXPECT_NEAR(*s.high - *s.mean, 1.96 * sd / std::sqrt(n), 1e-4);
    EXPECT_NEAR(*s.mean - *s.low, 1.96 * sd / std::sqrt(n), 1e-4);

    Counters one;
    one.add_grade({0.25, true, false});
    const auto single = store::score_summary(one);
    EXPECT_EQ(single.n, 1);
    EXPECT_EQ(single.mean, 0.25);
    EXPECT_FALSE(single.low); // n < 2: no interval
    EXPECT_EQ(store::score_summary(Counters{}).mean, std::nullopt);
}

TEST_F(MetricsTest, RefusesBadWindows) {
    store::MetricsQuery both;
    both.last_runs = 5;
    both.since_ms = 0;
    auto error = error_of([&] { store_->metrics(both); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);
    store::MetricsQuery backwards;
    backwards.since_ms = kBase + kDay;
    backwards.until_ms = kBase;
    error = error_of([&] { store_->metrics(backwards); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::invalid_argument);
    EXPECT_THAT(error->what(), HasSubstr("the window is empty"));
}

TEST(StoreMetrics, TheDefaultWindowIsTheLast24Hours) {
    TempDir dir;
    auto store = open_store(dir.db());
    trace::Run recent = started_run("recent", now_ms() - kHour);
    recent.nodes.push_back(simple_node(0, recent.started_at_ms));
    finish(recent, RunStatus::succeeded, recent.started_at_ms + 10);
    store->finish_run(recent);
    trace::Run old = started_run("old", now_ms() - 2 * kDay);
    finish(old, RunStatus::succeeded, old.started_at_ms + 10);
    store->finish_run(old);
    const auto report = store->metrics({});
    EXPECT_EQ(report.until_ms - report.since_ms, kDay);
    ASSERT_EQ(report.nodes.size(), 2u);
    EXPECT_EQ(report.nodes[0].node_id, "");
    EXPECT_EQ(report.nodes[0].total.requests, 1); // not the old run
    EXPECT_EQ(report.nodes[1].node_id, "answer");
    EXPECT_EQ(report.trend.size(), 24u);
    EXPECT_EQ(report.nodes[0].trend[22].requests, 1); // an hour ago: the 23rd of 24 hours
}

} // namespace
} // namespace tinyllm::store_test
