// `tinyllm run` and `tinyllm runs` end to end: the default graph streams an answer, --trace
// shows every node with its model and tool calls, every run is recorded (failed ones too), and
// a model node with tools runs the calculator from the build tree when the model asks for it
// through tool_calls.
#include "e2e_support.hpp"

#include <csignal>
#include <tuple>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class RunTest : public E2ETest {
protected:
    RunTest() {
        std::filesystem::create_directories(config_dir() / "graphs");
        std::filesystem::copy_file(kSourceConfigDir / "graphs" / "default.yaml",
                                   config_dir() / "graphs" / "default.yaml");
    }

    // A graph with one model node that may use `tools`.
    void write_tool_graph(const std::string &tools, int max_rounds = 4) const {
        write_config_file("graphs/calc.yaml", "id: calc\n"
                                              "version: 1.0.0\n"
                                              "entry: solve\n"
                                              "exits: [solve]\n"
                                              "nodes:\n"
                                              "  - id: solve\n"
                                              "    type: model\n"
                                              "    config:\n"
                                              "      prompt: \"{{input}}\"\n"
                                              "      stream: false\n"
                                              "      tools: " +
                                                  tools +
                                                  "\n"
                                                  "      max_tool_rounds: " +
                                                  std::to_string(max_rounds) + "\n");
    }

    // The /api/chat requests the fake received, parsed, in order.
    std::vector<json::Document> chat_requests() const {
        std::vector<json::Document> out;
        for (const auto &r : ollama_.requests()) {
            if (r.path == "/api/chat") out.push_back(parse_json(r.body));
        }
        return out;
    }
};

TEST_F(RunTest, TheDefaultGraphStreamsTheAnswerAndEveryRunIsListed) {
    const RunResult first = host({"run", "hello world"});
    ASSERT_EXIT_CODE(first, kOk);
    EXPECT_EQ(first.out, kAnswerLine);
    EXPECT_EQ(first.err, "");

    const RunResult traced = host({"run", "--trace", "test"});
    ASSERT_EXIT_CODE(traced, kOk);
    const json::Document doc = parse_json(traced.out);
    ASSERT_TRUE(doc.IsObject()) << traced.out;
    EXPECT_EQ(std::string(doc["answer"].GetString()), testing::kDefaultAnswer);
    // "test" matches no rule: the classifier is asked (the scripted server's answer is no
    // route, so the default, general, decides), then the general specialist, its gate, done.
    const json::Value &trace = doc["trace"];
    ASSERT_EQ(trace["nodes"].Size(), 4u) << traced.out;
    const char *path[] = {"router", "specialist.general", "general_check", "done"};
    for (rapidjson::SizeType i = 0; i < 4; ++i)
        EXPECT_STREQ(trace["nodes"][i]["node"].GetString(), path[i]);
    const json::Value &node = trace["nodes"][1];
    EXPECT_TRUE(node["duration_us"].IsInt64());
    ASSERT_EQ(node["model_calls"].Size(), 1u);
    EXPECT_STREQ(node["model_calls"][0]["model"].GetString(), "qwen2.5:0.5b"); // general's first
    EXPECT_GT(node["model_calls"][0]["prompt_tokens"].GetInt64(), 0);
    EXPECT_EQ(node["model_calls"][0]["completion_tokens"].GetInt64(), 9);
    // Ollama's own durations, as the fake server derives them from the token counts.
    const json::Value &call = node["model_calls"][0];
    const int64_t prompt_eval = 2'000'000 + call["prompt_tokens"].GetInt64() * 400'000;
    EXPECT_EQ(call["load_duration_ns"].GetInt64(), 1'234'567);
    EXPECT_EQ(call["prompt_eval_duration_ns"].GetInt64(), prompt_eval);
    EXPECT_EQ(call["eval_duration_ns"].GetInt64(), 9 * 8'000'000);
    EXPECT_EQ(call["total_duration_ns"].GetInt64(), 1'234'567 + prompt_eval + 72'000'000 + 500'000);

    const RunResult listed = host({"runs", "list", "--json"});
    ASSERT_EXIT_CODE(listed, kOk);
    const json::Document runs = parse_json(listed.out);
    ASSERT_TRUE(runs.IsArray()) << listed.out;
    ASSERT_EQ(runs.Size(), 2u) << listed.out;
    EXPECT_STREQ(runs[0]["run_id"].GetString(), doc["run_id"].GetString()); // newest first
    EXPECT_STREQ(runs[1]["input"].GetString(), "hello world");
}

TEST_F(RunTest, RunsPruneDeletesTheRunsOlderThanItsCut) {
    ASSERT_EXIT_CODE(host({"run", "hello"}), kOk);
    ASSERT_EXIT_CODE(host({"run", "again"}), kOk);
    // Nothing is a week old.
    const RunResult none = host({"runs", "prune", "--older-than", "7d", "--json"});
    ASSERT_EXIT_CODE(none, kOk);
    EXPECT_EQ(parse_json(none.out)["deleted"].GetInt(), 0);
    // Everything started before now.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const RunResult all = host({"runs", "prune", "--older-than", "0s"});
    ASSERT_EXIT_CODE(all, kOk);
    EXPECT_THAT(all.out, ::testing::HasSubstr("deleted 2 run(s) that started before"));
    EXPECT_EQ(parse_json(host({"runs", "list", "--json"}).out).Size(), 0u);
    // Mistakes are usage errors.
    const RunResult missing = host({"runs", "prune"});
    EXPECT_EXIT_CODE(missing, kUsage);
    EXPECT_THAT(missing.err, ::testing::HasSubstr("needs --older-than"));
    const RunResult bad = host({"runs", "prune", "--older-than", "a month"});
    EXPECT_EXIT_CODE(bad, kUsage);
    EXPECT_TRUE(OneErrorLine(bad));
}

// A graph with one node from the raw test plugin that spins without ever polling cancellation.
std::string spin_graph(const std::string &node_settings = "") {
    return "id: spin\nversion: 1.0.0\nentry: s\nexits: [s]\nnodes:\n"
           "  - id: s\n    type: raw_spin\n" +
           node_settings;
}

TEST_F(RunTest, ANodeThatIgnoresItsTimeoutDoesNotHoldTheRun) {
    write_config_file("graphs/spin.yaml", spin_graph("    timeout_ms: 300\n"));
    const RunResult r =
        host({"--plugins", kGoodPluginDir.string(), "run", "--graph", "spin", "hi"});
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EXIT_CODE(r, kTimeout);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("node s (raw_spin) did not stop when its deadline passed"));

    // Recorded as such: the run failed with a timeout, the node's row says why.
    const RunResult listed = host({"runs", "list", "--json"});
    ASSERT_EXIT_CODE(listed, kOk);
    const json::Document runs = parse_json(listed.out);
    ASSERT_TRUE(runs.IsArray() && runs.Size() == 1u) << listed.out;
    EXPECT_STREQ(runs[0]["status"].GetString(), "failed") << listed.out;
    EXPECT_STREQ(runs[0]["error"]["code"].GetString(), "timeout") << listed.out;
    EXPECT_STREQ(runs[0]["error"]["node"].GetString(), "s") << listed.out;
    const RunResult shown = host({"runs", "show", runs[0]["run_id"].GetString(), "--json"});
    ASSERT_EXIT_CODE(shown, kOk);
    const json::Document run = parse_json(shown.out);
    ASSERT_TRUE(run.IsObject()) << shown.out;
    ASSERT_EQ(run["nodes"].Size(), 1u) << shown.out;
    EXPECT_STREQ(run["nodes"][0]["status"].GetString(), "timed_out") << shown.out;
    EXPECT_THAT(run["nodes"][0]["error"].GetString(), HasSubstr("did not stop"));
}

TEST_F(RunTest, CtrlCEndsARunWhoseNodeIgnoresCancellation) {
    write_config_file("graphs/spin.yaml", spin_graph());
    const auto process =
        start({"--plugins", kGoodPluginDir.string(), "run", "--stream", "--graph", "spin", "hi"},
              {{"TINYLLM_LOG_LEVEL", "debug"}});
    // Inside the node's process(), past every cancellation check before it.
    ASSERT_TRUE(process->wait_for_stdout("spinning\n")) << process->err_so_far();
    process->send_signal(SIGINT);
    const RunResult r = process->finish();
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EQ(r.signal, 0) << r.describe();
    EXPECT_EXIT_CODE(r, kCancelled);
    EXPECT_THAT(r.err, HasSubstr("tinyllm: error: node s (raw_spin) did not stop when the run was "
                                 "cancelled"));
    const RunResult listed = host({"runs", "list", "--json"});
    const json::Document runs = parse_json(listed.out);
    ASSERT_TRUE(runs.IsArray() && runs.Size() == 1u) << listed.out;
    EXPECT_STREQ(runs[0]["status"].GetString(), "cancelled") << listed.out;
}

// A run stopped by SIGTERM is recorded as cancelled at once, not left "running" until the next
// start (issue 12, item 10).
TEST_F(RunTest, SigtermRecordsTheRunAsCancelled) {
    write_config_file("graphs/spin.yaml", spin_graph());
    const auto process =
        start({"--plugins", kGoodPluginDir.string(), "run", "--stream", "--graph", "spin", "hi"});
    ASSERT_TRUE(process->wait_for_stdout("spinning\n")) << process->err_so_far();
    process->send_signal(SIGTERM);
    const RunResult r = process->finish();
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EQ(r.signal, 0) << r.describe();
    EXPECT_EXIT_CODE(r, kCancelled);
    const json::Document runs = parse_json(host({"runs", "list", "--json"}).out);
    ASSERT_TRUE(runs.IsArray() && runs.Size() == 1u);
    EXPECT_STREQ(runs[0]["status"].GetString(), "cancelled");
    // Issue 12, item 10: such a run was recorded at the next start with 0 ms, no node rows and
    // none of its text. Now it has what it streamed, its time and its node.
    EXPECT_THAT(std::string(runs[0]["answer"].GetString()), HasSubstr("spinning"));
    EXPECT_GT(runs[0]["duration_ms"].GetInt64(), 0);
    const json::Document shown =
        parse_json(host({"runs", "show", "--json", runs[0]["run_id"].GetString()}).out);
    ASSERT_TRUE(shown.HasMember("nodes")) << "runs show --json has no nodes";
    EXPECT_GE(shown["nodes"].Size(), 1u);
}

TEST_F(RunTest, ASecondCtrlCExitsAtOnceAndSaysSo) {
    write_config_file("graphs/spin.yaml", spin_graph());
    const auto process =
        start({"--plugins", kGoodPluginDir.string(), "run", "--stream", "--graph", "spin", "hi"},
              {{"TINYLLM_LOG_LEVEL", "debug"}});
    // Inside the node's process(), past every cancellation check before it.
    ASSERT_TRUE(process->wait_for_stdout("spinning\n")) << process->err_so_far();
    process->send_signal(SIGINT);
    // The second once the first has been seen (signals sent back to back may merge into one).
    ASSERT_TRUE(process->wait_until([&] {
        return process->err_so_far().find("waiting up to") != std::string::npos;
    })) << process->err_so_far();
    process->send_signal(SIGINT);
    const RunResult r = process->finish();
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EQ(r.signal, 0) << r.describe();
    EXPECT_EXIT_CODE(r, kCancelled);
    EXPECT_THAT(r.err, HasSubstr("tinyllm: interrupted again: exiting now"));
}

TEST_F(RunTest, APluginThatCrashesTheProcessIsNamedAndTheRunIsRecordedAsCrashed) {
    for (const auto &[type, signal_name, signal_number] :
         {std::tuple{"raw_segv", "SIGSEGV", SIGSEGV},
          std::tuple{"raw_abort", "SIGABRT", SIGABRT}}) {
        SCOPED_TRACE(type);
        write_config_file("graphs/crash.yaml", std::string("id: crash\nversion: 1.0.0\nentry: s\n"
                                                           "exits: [s]\nnodes:\n  - id: s\n"
                                                           "    type: ") +
                                                   type + "\n");
        const RunResult r =
            host({"--plugins", kGoodPluginDir.string(), "run", "--graph", "crash", "hi"});
        ASSERT_FALSE(r.timed_out) << r.describe();
        // The process still dies of the signal (exit status, core dumps as usual)...
        EXPECT_EQ(r.signal, signal_number) << r.describe();
        // ...after one line that says who did it.
        const std::string line = std::string("tinyllm: fatal: plugin org.tinyllm.test.raw-nodes "
                                             "crashed (") +
                                 signal_name + ") in node s (" + type + ") process\n";
        EXPECT_THAT(r.err, HasSubstr(line)) << r.describe();

        // The next start records the run as crashed, with that line.
        const RunResult listed = host({"runs", "list", "--last", "1", "--json"});
        ASSERT_EXIT_CODE(listed, kOk);
        const json::Document runs = parse_json(listed.out);
        ASSERT_TRUE(runs.IsArray() && runs.Size() == 1u) << listed.out;
        EXPECT_STREQ(runs[0]["status"].GetString(), "failed") << listed.out;
        EXPECT_STREQ(runs[0]["error"]["code"].GetString(), "plugin") << listed.out;
        EXPECT_EQ(std::string(runs[0]["error"]["message"].GetString()),
                  "crashed: " + line.substr(16, line.size() - 17))
            << listed.out;
    }
    EXPECT_TRUE(fs::is_empty(root() / "data" / "crashes")); // read, then removed
}

// create and activate run while the graph is built, before the run exists: the crash line says
// which call it was, and nothing is left to record.
TEST_F(RunTest, APluginThatCrashesInCreateOrActivateIsNamedWithTheCall) {
    for (const auto &[type, call, signal_name, signal_number] :
         {std::tuple{"raw_segv_create", "create", "SIGSEGV", SIGSEGV},
          std::tuple{"raw_abort_create", "create", "SIGABRT", SIGABRT},
          std::tuple{"raw_segv_activate", "activate", "SIGSEGV", SIGSEGV},
          std::tuple{"raw_abort_activate", "activate", "SIGABRT", SIGABRT}}) {
        SCOPED_TRACE(type);
        // A good node first: the crash is in the second one, which the line must name.
        write_config_file("graphs/crash.yaml", std::string("id: crash\nversion: 1.0.0\nentry: a\n"
                                                           "exits: [s]\nnodes:\n"
                                                           "  - {id: a, type: noop}\n"
                                                           "  - id: s\n    type: ") +
                                                   type + "\nedges:\n  - {from: a, to: s}\n");
        const RunResult r =
            host({"--plugins", kGoodPluginDir.string(), "run", "--graph", "crash", "hi"});
        ASSERT_FALSE(r.timed_out) << r.describe();
        EXPECT_EQ(r.signal, signal_number) << r.describe();
        EXPECT_EQ(r.out, "") << r.describe();
        // The one line, and nothing else.
        EXPECT_EQ(r.err,
                  std::string("tinyllm: fatal: plugin org.tinyllm.test.raw-nodes crashed (") +
                      signal_name + ") in node s (" + type + ") " + call + "\n")
            << r.describe();
    }
    const fs::path crashes = root() / "data" / "crashes";
    EXPECT_TRUE(!fs::exists(crashes) || fs::is_empty(crashes));

    // `tinyllm node` builds its one node the same way.
    const RunResult node =
        host({"--plugins", kGoodPluginDir.string(), "node", "raw_segv_activate", "hi"});
    ASSERT_FALSE(node.timed_out) << node.describe();
    EXPECT_EQ(node.signal, SIGSEGV) << node.describe();
    EXPECT_EQ(node.err, "tinyllm: fatal: plugin org.tinyllm.test.raw-nodes crashed (SIGSEGV) in "
                        "node raw_segv_activate (raw_segv_activate) activate\n")
        << node.describe();
}

TEST_F(RunTest, TheModelUsesTheCalculatorThroughToolCalls) {
    write_tool_graph("[calculator]");
    ollama_.enqueue("/api/chat",
                    testing::chat_json(
                        kModel, "", {{"calculator", R"({"expression":"123456789*987654321"})"}}));
    ollama_.enqueue("/api/chat", testing::chat_json(kModel, "It is 121932631112635269."));

    const RunResult r = host({"run", "--graph", "calc", "--trace", "What is 123456789*987654321?"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_STREQ(doc["answer"].GetString(), "It is 121932631112635269.");

    // The first request offers the tool with its schema; the second carries the exchange.
    const std::vector<json::Document> requests = chat_requests();
    ASSERT_EQ(requests.size(), 2u);
    ASSERT_TRUE(requests[0].HasMember("tools")) << json::to_string(requests[0]);
    const json::Value &tool = requests[0]["tools"][0];
    EXPECT_STREQ(tool["type"].GetString(), "function");
    EXPECT_STREQ(tool["function"]["name"].GetString(), "calculator");
    EXPECT_TRUE(tool["function"]["parameters"]["properties"].HasMember("expression"));
    const json::Value &history = requests[1]["messages"];
    ASSERT_EQ(history.Size(), 3u) << json::to_string(requests[1]);
    EXPECT_STREQ(history[1]["role"].GetString(), "assistant");
    EXPECT_STREQ(history[1]["tool_calls"][0]["function"]["name"].GetString(), "calculator");
    EXPECT_STREQ(history[2]["role"].GetString(), "tool");
    EXPECT_STREQ(history[2]["tool_name"].GetString(), "calculator");
    EXPECT_STREQ(history[2]["content"].GetString(), "121932631112635269");

    // The trace shows the tool call: arguments, result, duration.
    const json::Value &node = doc["trace"]["nodes"][0];
    ASSERT_EQ(node["model_calls"].Size(), 2u);
    ASSERT_EQ(node["tool_calls"].Size(), 1u) << json::to_string(node);
    const json::Value &call = node["tool_calls"][0];
    EXPECT_STREQ(call["tool"].GetString(), "calculator");
    EXPECT_THAT(json::to_string(call["arguments"]), HasSubstr("123456789*987654321"));
    EXPECT_THAT(json::to_string(call["result"]), HasSubstr("121932631112635269"));
    EXPECT_TRUE(call["duration_us"].IsInt64());

    // And the stored run has it too.
    const RunResult shown = host({"runs", "show", doc["run_id"].GetString(), "--json"});
    ASSERT_EXIT_CODE(shown, kOk);
    EXPECT_THAT(shown.out, HasSubstr("121932631112635269"));
    EXPECT_THAT(shown.out, HasSubstr("\"tool\": \"calculator\""));
    const RunResult text = host({"runs", "show", doc["run_id"].GetString()});
    ASSERT_EXIT_CODE(text, kOk);
    EXPECT_THAT(text.out, HasSubstr("tool calculator {\"expression\":\"123456789*987654321\"} -> "
                                    "121932631112635269 ("));
}

TEST_F(RunTest, ToolErrorsGoBackToTheModelInsteadOfFailingTheRun) {
    write_tool_graph("[calculator]");
    ollama_.enqueue("/api/chat", testing::chat_json(kModel, "",
                                                    {{"calculator", R"({"expr":"1+1"})"},
                                                     {"calculator", R"({"expression":"1/0"})"},
                                                     {"weather", R"({"city":"Oslo"})"}}));
    ollama_.enqueue("/api/chat", testing::chat_json(kModel, "Sorry."));
    const RunResult r = host({"run", "--graph", "calc", "--json", "divide"});
    ASSERT_EXIT_CODE(r, kOk);
    const std::vector<json::Document> requests = chat_requests();
    ASSERT_EQ(requests.size(), 2u);
    const json::Value &history = requests[1]["messages"];
    ASSERT_EQ(history.Size(), 5u) << json::to_string(requests[1]);
    EXPECT_THAT(history[2]["content"].GetString(), StartsWith("error: tool calculator: argument"));
    EXPECT_THAT(history[3]["content"].GetString(), StartsWith("error: "));
    EXPECT_THAT(history[3]["content"].GetString(), HasSubstr("division by zero"));
    EXPECT_STREQ(history[4]["content"].GetString(),
                 "error: there is no tool named \"weather\"; the tools are: calculator");
}

TEST_F(RunTest, AModelThatNeverStopsAskingForToolsHitsTheBoundAndTheRunIsRecorded) {
    write_tool_graph("[calculator]", 2);
    for (int i = 0; i < 3; ++i) {
        ollama_.enqueue("/api/chat", testing::chat_json(
                                         kModel, "", {{"calculator", R"({"expression":"1+1"})"}}));
    }
    const RunResult r = host({"run", "--graph", "calc", "loop"});
    EXPECT_EXIT_CODE(r, kFailure);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("still asked for tools after 2 rounds (max_tool_rounds)"));
    EXPECT_EQ(ollama_.count("/api/chat"), 3u);

    const RunResult failed = host({"runs", "list", "--status", "failed", "--json"});
    ASSERT_EXIT_CODE(failed, kOk);
    const json::Document runs = parse_json(failed.out);
    ASSERT_TRUE(runs.IsArray()) << failed.out;
    ASSERT_EQ(runs.Size(), 1u) << failed.out;
    EXPECT_THAT(json::to_string(runs[0]["error"]), HasSubstr("max_tool_rounds"));
}

TEST_F(RunTest, AnUnknownToolInAGraphIsAnErrorBeforeAnyModelCall) {
    write_tool_graph("[calculater]");
    const RunResult r = host({"run", "--graph", "calc", "x"});
    EXPECT_NE(r.exit_code, kOk);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("no tool named \"calculater\" (did you mean \"calculator\"?)"));
    EXPECT_THAT(r.err, HasSubstr("calc.yaml:"));
    EXPECT_EQ(ollama_.count("/api/chat"), 0u);
}

TEST_F(RunTest, AServerThatGoesAwayMidRunFailsTheRunAndItIsRecorded) {
    // The direct graph tries its node twice; the server breaks off both answers.
    for (int i = 0; i < 2; ++i) {
        ollama_.enqueue("/api/chat", testing::chat_stream(kModel, {"a", "b", "c"}).close_after(2));
    }
    const RunResult r =
        host({"run", "--graph", kSourceConfigDir.string() + "/graphs/direct.yaml", "hello"});
    EXPECT_NE(r.exit_code, kOk);
    EXPECT_THAT(r.err, HasSubstr("tinyllm: error: "));
    EXPECT_TRUE(NoCrashNoise(r.err));
    const RunResult failed = host({"runs", "list", "--status", "failed", "--json"});
    ASSERT_EXIT_CODE(failed, kOk);
    const json::Document runs = parse_json(failed.out);
    ASSERT_TRUE(runs.IsArray()) << failed.out;
    ASSERT_EQ(runs.Size(), 1u) << failed.out;
    EXPECT_THAT(json::to_string(runs[0]["error"]), HasSubstr("answer"));
    // Into a pipe, neither attempt's half answer is written: stdout is data.
    EXPECT_EQ(r.out, "");
}

// Issue 12, item 3: the stream is cut after two chunks and the retry succeeds. Once `run hi`
// printed "HelloHello! How can I help you today?"; stdout must hold exactly the stored answer.
TEST_F(RunTest, ARetriedAnswerIsWrittenOnceIntoAPipe) {
    ollama_.enqueue("/api/chat", testing::chat_stream(kModel, {"Hel", "lo", "!"}).close_after(2));
    const std::string direct = kSourceConfigDir.string() + "/graphs/direct.yaml";
    const RunResult r = host({"run", "--graph", direct, "hi"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, kAnswerLine);
    EXPECT_EQ(ollama_.count("/api/chat"), 2u);
    const RunResult stored = host({"runs", "list", "--json"});
    ASSERT_EXIT_CODE(stored, kOk);
    const json::Document runs = parse_json(stored.out);
    ASSERT_EQ(runs.Size(), 1u) << stored.out;
    EXPECT_EQ(json::get_string(runs[0], "answer").value_or("") + "\n", r.out);
}

// The same on a terminal: the draft streams, is erased when the retry starts answering, stderr
// says the answer restarts, and what is left on the screen is the answer.
TEST_F(RunTest, OnATerminalARetriedAnswerIsErasedAndTheRestartIsSaid) {
    ollama_.enqueue("/api/chat", testing::chat_stream(kModel, {"Hel", "lo", "!"}).close_after(2));
    const std::string direct = kSourceConfigDir.string() + "/graphs/direct.yaml";
    const RunResult r = host_on_terminal({"run", "--graph", direct, "hi"});
    ASSERT_EXIT_CODE(r, kOk);
    const std::string erase = "\r\033[J";
    const size_t erased = r.out.rfind(erase);
    ASSERT_NE(erased, std::string::npos) << r.describe();
    EXPECT_EQ(r.out.substr(0, erased), "Hello");
    EXPECT_EQ(r.out.substr(erased + erase.size()), kAnswerLine);
    EXPECT_THAT(r.err, HasSubstr("(the answer restarts:)"));
    EXPECT_TRUE(NoCrashNoise(r.err));
}

TEST_F(RunTest, EveryShippedGraphIsValidWithTheShippedPlugins) {
    size_t graphs = 0;
    for (const auto &entry : std::filesystem::directory_iterator(kSourceConfigDir / "graphs")) {
        const RunResult r = host({"graph", "validate", entry.path().string()});
        EXPECT_EXIT_CODE(r, kOk);
        EXPECT_EQ(r.err, "") << entry.path();
        ++graphs;
    }
    EXPECT_GE(graphs, 2u);
}

TEST_F(RunTest, TheShippedToolsGraphAnswersWithTheCalculator) {
    std::filesystem::copy_file(kSourceConfigDir / "graphs" / "tools.yaml",
                               config_dir() / "graphs" / "tools.yaml");
    ollama_.enqueue("/api/chat", testing::chat_json(kBigModel, "",
                                                    {{"calculator", R"({"expression":"2^100"})"}}));
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kBigModel, "2^100 = 1267650600228229401496703205376"));
    const RunResult r = host({"run", "--graph", "tools", "What is 2^100?"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "2^100 = 1267650600228229401496703205376\n");
    const std::vector<json::Document> requests = chat_requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0]["tools"].Size(), 2u);
    EXPECT_STREQ(requests[1]["messages"][3]["content"].GetString(),
                 "1267650600228229401496703205376");
}

} // namespace
} // namespace tinyllm::e2e
