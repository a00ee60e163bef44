// `tinyllm metrics show` end to end: runs of a small graph of the test's own (a model node
// checked by a gate; the shipped default graph changes too often to pin its node names) against
// the fake server, two that succeed and one whose model node fails twice, plus one recorded two
// days ago through the store library; then the table (plain on a pipe, with sparklines and,
// without NO_COLOR, colours on a terminal), --json, the trace's error codes, --node for a node
// that never ran, and the window flags.
#include "e2e_support.hpp"

#include "store/run_store.hpp"

#include <chrono>
#include <ctime>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Reply;

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The host on a pseudo-terminal (stdout and stderr both): what a user at a terminal sees.
RunResult run_on_terminal(const std::vector<std::string> &args, const Env &env,
                          const std::string &cwd) {
    int master = -1;
    winsize size{};
    size.ws_col = 200;
    size.ws_row = 50;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "forkpty");
    if (pid == 0) {
        std::vector<std::string> env_strings;
        for (const auto &[k, v] : env)
            env_strings.push_back(k + "=" + v);
        std::vector<char *> argv{const_cast<char *>(kHostBin.c_str())};
        for (const auto &a : args)
            argv.push_back(const_cast<char *>(a.c_str()));
        argv.push_back(nullptr);
        std::vector<char *> envp;
        for (auto &e : env_strings)
            envp.push_back(e.data());
        envp.push_back(nullptr);
        if (::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::execve(kHostBin.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    RunResult result;
    const auto deadline = std::chrono::steady_clock::now() + kSafetyTimeout;
    char buf[4096];
    for (;;) {
        pollfd p{master, POLLIN, 0};
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            result.timed_out = true;
            break;
        }
        if (::poll(&p, 1, 100) <= 0) continue;
        const ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) break; // EIO once the child's side is closed
        result.out.append(buf, static_cast<size_t>(n));
    }
    ::close(master);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    return result;
}

std::string iso_local(int64_t epoch_ms) {
    const auto t = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
    return buf;
}

class MetricsShowTest : public E2ETest {
protected:
    MetricsShowTest() {
        std::filesystem::create_directories(config_dir() / "graphs");
        write_config_file(
            "graphs/metrics.yaml",
            "id: metrics\n"
            "version: 1.0.0\n"
            "entry: answer\n"
            "exits: [done]\n"
            "nodes:\n"
            "  - id: answer\n"
            "    type: model\n"
            "    max_visits: 3\n"
            "    retry: {max_attempts: 2, backoff_ms: 10}\n"
            "    config:\n"
            "      prompt: \"{{input}}{{#feedback}} Fix: {{feedback}}{{/feedback}}\"\n"
            "      stream: false\n"
            "  - id: check\n"
            "    type: gate\n"
            "    config: {rules: [{type: non_empty}], max_feedback: 1, "
            "escalate: false}\n"
            "  - id: done\n"
            "    type: passthrough\n"
            "edges:\n"
            "  - {from: answer, to: check}\n"
            "  - {from: check, to: done, when: 'route == \"pass\"'}\n"
            "  - {from: check, to: answer, when: 'route == \"retry\"'}\n");
    }

    // Two runs that succeed (answer, check: pass, done) and one whose model node gets HTTP 500
    // on both attempts (failed, "remote"), then one recorded with a start two days ago. Sets
    // `version` to the graph's version. Call it through ASSERT_NO_FATAL_FAILURE: nothing after it
    // means anything when it failed.
    void record_runs(std::string *version_out = nullptr) {
        for (int i = 0; i < 2; ++i) {
            const RunResult ok = host({"run", "--graph", "metrics", "hello world"});
            ASSERT_EXIT_CODE(ok, kOk);
        }
        ollama_.enqueue("/api/chat", Reply::error(500, "the model crashed"));
        ollama_.enqueue("/api/chat", Reply::error(500, "the model crashed"));
        const RunResult failed = host({"run", "--graph", "metrics", "what is 2+2"});
        EXPECT_NE(failed.exit_code, kOk) << failed.describe();

        const RunResult listed = host({"runs", "list", "--json"});
        ASSERT_EXIT_CODE(listed, kOk);
        const json::Document runs = parse_json(listed.out);
        ASSERT_TRUE(runs.IsArray() && runs.Size() == 3u) << listed.out;
        const std::string version = runs[0]["graph_version"].GetString();
        if (version_out != nullptr) *version_out = version;

        store::StoreOptions options;
        options.path = root() / "data" / "runs.db";
        auto store = store::RunStore::open(options);
        trace::Run old;
        old.id = "r-two-days-ago";
        old.graph_id = "metrics";
        old.graph_version = version;
        old.input = "an old question";
        old.started_at_ms = now_ms() - 2 * kDayMs;
        trace::NodeExecution node;
        node.node_id = "answer";
        node.node_type = "model";
        node.started_at_ms = old.started_at_ms;
        node.duration_us = 5000;
        node.input = "{}";
        node.output = "{}";
        old.nodes.push_back(node);
        old.status = trace::RunStatus::succeeded;
        old.finished_at_ms = old.started_at_ms + 6;
        store->finish_run(old);
    }

    // The whole run's block of `--json` output.
    static const json::Value &whole_run(const json::Document &doc) {
        for (const auto &n : doc["nodes"].GetArray()) {
            if (std::string(n["node"].GetString()).empty()) return n;
        }
        ADD_FAILURE() << "no whole-run entry";
        return doc["nodes"][0];
    }

    static const json::Value *node(const json::Document &doc, const std::string &id) {
        for (const auto &n : doc["nodes"].GetArray()) {
            if (n["node"].GetString() == id) return &n;
        }
        return nullptr;
    }

    int64_t requests_with(const std::vector<std::string> &window) {
        std::vector<std::string> args = {"metrics", "show", "--json"};
        args.insert(args.end(), window.begin(), window.end());
        const RunResult r = host(args);
        EXPECT_EXIT_CODE(r, kOk);
        const json::Document doc = parse_json(r.out);
        if (!doc.IsObject()) return -1;
        return whole_run(doc)["requests"].GetInt64();
    }
};

TEST_F(MetricsShowTest, TheTableShowsEveryNodeOnAPipeWithoutTrends) {
    std::string version;
    ASSERT_NO_FATAL_FAILURE(record_runs(&version));
    const RunResult r = host({"metrics", "show"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.err, "");
    const std::string &out = r.out;
    EXPECT_THAT(out, HasSubstr("Metrics of runs started "));
    EXPECT_THAT(out, HasSubstr("(1 d); trend: 24 parts of 1 h"));
    EXPECT_THAT(out, HasSubstr("graph metrics · whole run  [version " + version + "]"));
    EXPECT_THAT(out, HasSubstr("  requests      3\n"));
    EXPECT_THAT(out, HasSubstr("  succeeded     2  66.7%\n"));
    EXPECT_THAT(out, HasSubstr("  failed        1  33.3%  (remote 1)\n"));
    EXPECT_THAT(out, HasSubstr("graph metrics · node answer (model)"));
    EXPECT_THAT(out, HasSubstr("graph metrics · node check (gate)"));
    EXPECT_THAT(out, HasSubstr("graph metrics · node done (passthrough)"));
    EXPECT_THAT(out, HasSubstr("  failed        2  50.0%  (remote 2)\n")); // answer's attempts
    EXPECT_THAT(out, HasSubstr("  gate passes   2 of 2  100.0%\n"));
    EXPECT_THAT(out, HasSubstr("  latency p95   "));
    // The whole run comes first; the old run is outside the default 24 hours.
    EXPECT_LT(out.find("whole run"), out.find("node answer"));
    EXPECT_LT(out.find("node answer"), out.find("node check"));
    // No trend and no escape codes into a pipe.
    for (const char *bar : {"▁", "▄", "█", "\033["})
        EXPECT_THAT(out, Not(HasSubstr(bar)));
}

TEST_F(MetricsShowTest, OnATerminalEachMetricHasASparklineAndNoColourWithNoColor) {
    ASSERT_NO_FATAL_FAILURE(record_runs());
    std::vector<std::string> args = {"--config", config_dir().string(), "metrics", "show", "--node",
                                     "answer"};
    const RunResult plain = run_on_terminal(args, environment({}), root().string());
    ASSERT_EQ(plain.exit_code, kOk) << plain.out;
    EXPECT_THAT(plain.out, HasSubstr("node answer (model)"));
    // Four executions in the current hour, the 24th part: the requests' line ends in its bar.
    EXPECT_THAT(plain.out, ::testing::ContainsRegex("requests +4 +[▁▂▃▄▅▆▇█ ]+"));
    EXPECT_THAT(plain.out, HasSubstr("▄\r\n")); // a flat trend of one busy hour
    EXPECT_THAT(plain.out, Not(HasSubstr("\033[")));

    const RunResult colour =
        run_on_terminal(args, environment({{"NO_COLOR", ""}}), root().string());
    ASSERT_EQ(colour.exit_code, kOk) << colour.out;
    EXPECT_THAT(colour.out, HasSubstr("\033[1mgraph metrics · node answer (model)"));
}

TEST_F(MetricsShowTest, JsonHoldsEveryFigureAndTheTrends) {
    ASSERT_NO_FATAL_FAILURE(record_runs());
    const RunResult r = host({"metrics", "show", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_STREQ(doc["window"]["by"].GetString(), "time");
    EXPECT_EQ(doc["window"]["until_ms"].GetInt64() - doc["window"]["since_ms"].GetInt64(), kDayMs);
    ASSERT_EQ(doc["trend"].Size(), 24u);

    const json::Value &whole = whole_run(doc);
    EXPECT_STREQ(whole["scope"].GetString(), "run");
    EXPECT_EQ(whole["requests"].GetInt64(), 3);
    EXPECT_EQ(whole["successes"].GetInt64(), 2);
    EXPECT_EQ(whole["failures"].GetInt64(), 1);
    EXPECT_EQ(whole["failures_by_kind"]["remote"].GetInt64(), 1);
    EXPECT_EQ(whole["gate"]["checks"].GetInt64(), 2);
    EXPECT_GT(whole["prompt_tokens"].GetInt64(), 0);
    EXPECT_GT(whole["completion_tokens"].GetInt64(), 0);
    EXPECT_GE(whole["model_calls"].GetInt64(), 2);
    EXPECT_GT(whole["latency_ms"]["p50"].GetDouble(), 0.0);
    EXPECT_LE(whole["latency_ms"]["p50"].GetDouble(), whole["latency_ms"]["p99"].GetDouble());
    EXPECT_NEAR(whole["latency_ms"]["max_relative_error"].GetDouble(), 0.0443, 1e-4);
    EXPECT_TRUE(whole["judge"]["score_mean"].IsNull()); // nothing graded
    ASSERT_EQ(whole["trend"]["requests"].Size(), 24u);
    EXPECT_EQ(whole["trend"]["requests"][23].GetDouble(), 3.0); // all in the current hour

    const json::Value *answer = node(doc, "answer");
    ASSERT_NE(answer, nullptr);
    EXPECT_STREQ((*answer)["type"].GetString(), "model");
    EXPECT_EQ((*answer)["requests"].GetInt64(), 4); // two runs, and two failed attempts
    EXPECT_EQ((*answer)["failures_by_kind"]["remote"].GetInt64(), 2);
    EXPECT_EQ((*answer)["gate"]["checks"].GetInt64(), 2); // what check said of it
    EXPECT_EQ((*answer)["gate"]["pass_rate"].GetDouble(), 1.0);
    EXPECT_EQ((*answer)["model_calls"].GetInt64(), whole["model_calls"].GetInt64());
    const json::Value *check = node(doc, "check");
    ASSERT_NE(check, nullptr);
    EXPECT_STREQ((*check)["type"].GetString(), "gate");
    EXPECT_EQ((*check)["gate"]["passes"].GetInt64(), 2);

    // The trace says why each attempt failed, as a code; a node that succeeded has none.
    const RunResult listed = host({"runs", "list", "--status", "failed", "--json"});
    ASSERT_EXIT_CODE(listed, kOk);
    const json::Document failed = parse_json(listed.out);
    ASSERT_TRUE(failed.IsArray() && failed.Size() == 1u) << listed.out;
    const RunResult shown = host({"runs", "show", failed[0]["run_id"].GetString(), "--json"});
    ASSERT_EXIT_CODE(shown, kOk);
    const json::Document trace = parse_json(shown.out);
    ASSERT_EQ(trace["nodes"].Size(), 2u) << shown.out;
    for (const auto &n : trace["nodes"].GetArray())
        EXPECT_STREQ(n["error_code"].GetString(), "remote") << shown.out;
    const RunResult ok = host({"runs", "show", "r-two-days-ago", "--json"});
    ASSERT_EXIT_CODE(ok, kOk);
    EXPECT_FALSE(parse_json(ok.out)["nodes"][0].HasMember("error_code")) << ok.out;
}

TEST_F(MetricsShowTest, ANodeThatNeverRanIsNotFound) {
    ASSERT_NO_FATAL_FAILURE(record_runs());
    const RunResult r = host({"metrics", "show", "--node", "specialist.math"});
    EXPECT_EXIT_CODE(r, kNotFound);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_EQ(r.out, "");
    EXPECT_THAT(r.err, HasSubstr("node specialist.math has no recorded executions in the "
                                 "window (nodes seen: metrics/answer, metrics/check, "
                                 "metrics/done)"));
    const RunResult version = host({"metrics", "show", "--graph", "metrics", "--version", "0.0.1"});
    EXPECT_EXIT_CODE(version, kNotFound);
    EXPECT_THAT(version.err, HasSubstr("no recorded runs of graph metrics at version 0.0.1 in "
                                       "the window"));
    // One node: only its block.
    const RunResult one = host({"metrics", "show", "--node", "check"});
    ASSERT_EXIT_CODE(one, kOk);
    EXPECT_THAT(one.out, HasSubstr("node check (gate)"));
    EXPECT_THAT(one.out, Not(HasSubstr("whole run")));
    EXPECT_THAT(one.out, Not(HasSubstr("node answer")));
}

TEST_F(MetricsShowTest, TheWindowFlags) {
    ASSERT_NO_FATAL_FAILURE(record_runs());
    EXPECT_EQ(requests_with({}), 3); // the last 24 hours
    EXPECT_EQ(requests_with({"--since", "7d"}), 4);
    EXPECT_EQ(requests_with({"--since", "47h"}), 3);
    EXPECT_EQ(requests_with({"--since", iso_local(now_ms() - 3 * kDayMs)}), 4);
    EXPECT_EQ(requests_with({"--last", "1"}), 1);
    EXPECT_EQ(requests_with({"--last", "2"}), 2);
    EXPECT_EQ(requests_with({"--last", "50"}), 4);

    const RunResult last = host({"metrics", "show", "--last", "1", "--json"});
    ASSERT_EXIT_CODE(last, kOk);
    const json::Document doc = parse_json(last.out);
    EXPECT_STREQ(doc["window"]["by"].GetString(), "runs");
    EXPECT_EQ(doc["window"]["runs"].GetInt64(), 1);
    EXPECT_EQ(whole_run(doc)["failures"].GetInt64(), 1); // the newest: the failed one
    const RunResult last_text = host({"metrics", "show", "--last", "2"});
    ASSERT_EXIT_CODE(last_text, kOk);
    EXPECT_THAT(last_text.out, HasSubstr("Metrics of the last 2 runs, started "));

    for (const std::vector<std::string> &bad :
         std::vector<std::vector<std::string>>{{"--since", "1h", "--last", "5"},
                                               {"--since", "banana"},
                                               {"--since", "2999-01-01"},
                                               {"--since", "2025-02-30"},
                                               {"--last", "0"},
                                               {"--last", "-3"},
                                               {"sideways"}}) {
        std::vector<std::string> args = {"metrics", "show"};
        if (bad[0] == "sideways")
            args = {"metrics", "sideways"};
        else
            args.insert(args.end(), bad.begin(), bad.end());
        const RunResult r = host(args);
        EXPECT_EXIT_CODE(r, kUsage);
        EXPECT_TRUE(OneErrorLine(r)) << r.describe();
    }
    const RunResult help = host({"metrics", "show", "--help"});
    EXPECT_EXIT_CODE(help, kOk);
    EXPECT_THAT(help.out, HasSubstr("--since"));
}

TEST_F(MetricsShowTest, AnEmptyStoreSaysSo) {
    const RunResult r = host({"metrics", "show"});
    EXPECT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("no runs recorded in it"));
    const RunResult j = host({"metrics", "show", "--json"});
    ASSERT_EXIT_CODE(j, kOk);
    EXPECT_EQ(parse_json(j.out)["nodes"].Size(), 0u);
    const RunResult last = host({"metrics", "show", "--last", "10"});
    EXPECT_EXIT_CODE(last, kOk);
    EXPECT_THAT(last.out, HasSubstr("no finished runs recorded in "));
}

} // namespace
} // namespace tinyllm::e2e
