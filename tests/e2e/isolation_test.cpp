// `isolation: process` end to end through the real binary: plugins the config isolates are
// marked by `plugins list`, their nodes answer as they would in the host, and when one crashes
// or ignores its deadline the host stays up, says which plugin and node, records the run, and
// leaves no plugin process behind. (The same crashes without isolation kill the host: that is
// run_test.cpp's APluginThatCrashes... tests, not repeated here.)
//
// Not tested here: that what an isolated plugin writes to stdout goes to stderr
// (docs/config.md): no test plugin writes to stdout.
#include "e2e_support.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <thread>
#include <tuple>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

constexpr const char *kRawNodes = "org.tinyllm.test.raw-nodes";
const std::string kRawNodesFile = "tinyllm-test-raw-nodes.so";

// A file of /proc as the NUL-separated strings it holds (cmdline, environ); empty when the
// process is gone or not ours.
// A process may exit while its /proc files are read (the read then fails with ESRCH, which
// libstdc++'s filebuf throws): a process that is gone has nothing to report.
std::vector<std::string> proc_strings(const fs::path &file) {
    std::string text;
    try {
        std::ifstream in(file, std::ios::binary);
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::exception &) {
        return {};
    }
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\0', start);
        if (end == std::string::npos) end = text.size();
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

class IsolationTest : public E2ETest {
protected:
    IsolationTest() { fs::create_directories(config_dir() / "graphs"); }

    // system.yaml as the fixture writes it, plus `isolation` (YAML lines, "" for none).
    void write_system(const std::string &isolation) const {
        write_config_file("system.yaml",
                          "data_dir: " + (root() / "data").string() + "\n" + isolation);
    }
    void isolate_raw_nodes() const {
        write_system(std::string("isolation:\n  plugins: {") + kRawNodes + ": process}\n");
    }

    // A graph `id` of one node `s` of `type`.
    void write_one_node_graph(const std::string &id, const std::string &type) const {
        write_config_file("graphs/" + id + ".yaml", "id: " + id +
                                                        "\nversion: 1.0.0\nentry: s\nexits: "
                                                        "[s]\nnodes:\n  - id: s\n    type: " +
                                                        type + "\n");
    }

    // The host with the test plugins (the build tree's good dir) beside the bundled ones.
    RunResult with_plugins(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--plugins", kGoodPluginDir.string()});
        return host(std::move(args));
    }

    // The `tinyllm-plugin-host serve` processes this test's commands started (found by the HOME
    // they inherit from the host: the test's temp dir), as pid -> the plugin file each serves.
    std::map<int, std::string> plugin_processes() const {
        std::map<int, std::string> found;
        const std::string home = "HOME=" + root().string();
        for (const auto &entry : fs::directory_iterator("/proc")) {
            const std::string name = entry.path().filename().string();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            const auto argv = proc_strings(entry.path() / "cmdline");
            if (argv.size() < 3 || argv[1] != "serve" ||
                argv[0].find("tinyllm-plugin-host") == std::string::npos) {
                continue;
            }
            const auto env = proc_strings(entry.path() / "environ");
            if (std::find(env.begin(), env.end(), home) != env.end()) {
                found.emplace(std::stoi(name), argv[2]);
            }
        }
        return found;
    }

    // Every plugin process of this test is gone (waits up to 5 s for the last to exit).
    ::testing::AssertionResult NoPluginProcessLeft() const {
        const auto until = Clock::now() + std::chrono::seconds(5);
        std::map<int, std::string> left;
        while (!(left = plugin_processes()).empty() && Clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (left.empty()) return ::testing::AssertionSuccess();
        auto failure = ::testing::AssertionFailure() << "plugin processes still running:";
        for (const auto &[pid, plugin] : left)
            failure << " " << pid << " (" << plugin << ")";
        return failure;
    }

    // `plugins list`, text and --json: the ids marked "(own process)" in the text, and each
    // plugin's "isolation" in the JSON. Both commands must succeed quietly.
    struct Listing {
        std::vector<std::string> marked;              // from the text
        std::map<std::string, std::string> isolation; // from --json: id -> "process"/"in_process"

        std::string of(const std::string &id) const {
            const auto it = isolation.find(id);
            return it != isolation.end() ? it->second : "(not listed)";
        }
    };
    Listing list() const {
        Listing listing;
        const RunResult text = with_plugins({"plugins", "list"});
        EXPECT_EXIT_CODE(text, kOk);
        EXPECT_EQ(text.err, "");
        for (const std::string &line : split_lines(text.out)) {
            // Plugin lines start with the id; component lines are indented.
            if (line.empty() || line[0] == ' ') continue;
            if (line.find("(own process)") != std::string::npos) {
                listing.marked.push_back(line.substr(0, line.find(' ')));
            }
        }
        const RunResult json = with_plugins({"plugins", "list", "--json"});
        EXPECT_EXIT_CODE(json, kOk);
        const json::Document doc = parse_json(json.out);
        if (!doc.IsObject() || !doc.HasMember("plugins") || !doc["plugins"].IsArray()) {
            ADD_FAILURE() << json.out;
            return listing;
        }
        for (const auto &p : doc["plugins"].GetArray()) {
            listing.isolation[p["id"].GetString()] =
                p.HasMember("isolation") && p["isolation"].IsString() ? p["isolation"].GetString()
                                                                      : "(absent)";
        }
        return listing;
    }

    // The one run stored, from `runs list --json`.
    json::Document only_run() const {
        const RunResult listed = host({"runs", "list", "--json"});
        EXPECT_EXIT_CODE(listed, kOk);
        json::Document runs = parse_json(listed.out);
        if (!runs.IsArray() || runs.Size() != 1u) {
            ADD_FAILURE() << "expected one run:\n" << listed.out;
            return json::Document();
        }
        json::Document run;
        run.CopyFrom(runs[0], run.GetAllocator());
        return run;
    }
};

// The plugins every listing must hold: the test plugins and the bundled ones.
const std::vector<std::string> kSomePlugins = {kRawNodes, "org.tinyllm.test.nodes",
                                               "org.tinyllm.test.echo", "org.tinyllm.ollama",
                                               "org.tinyllm.node.model"};

TEST_F(IsolationTest, PluginsListMarksEveryPluginWhenTheDefaultIsProcess) {
    // Without an isolation section nothing is marked: the mark is not printed regardless.
    const Listing plain = list();
    EXPECT_THAT(plain.marked, ::testing::IsEmpty());
    for (const std::string &id : kSomePlugins) {
        EXPECT_EQ(plain.of(id), "in_process") << id;
    }

    write_system("isolation:\n  default: process\n");
    const Listing isolated = list();
    ASSERT_GE(isolated.isolation.size(), kSomePlugins.size());
    for (const auto &[id, isolation] : isolated.isolation) {
        EXPECT_EQ(isolation, "process") << id;
        EXPECT_THAT(isolated.marked, ::testing::Contains(id));
    }
    EXPECT_EQ(isolated.marked.size(), isolated.isolation.size());
    EXPECT_TRUE(NoPluginProcessLeft());
}

TEST_F(IsolationTest, PluginsListMarksOnlyThePluginNamedByIdOrFileName) {
    const std::vector<std::string> rules = {
        std::string(kRawNodes) + ": process",
        kRawNodesFile + ": process",
        (kGoodPluginDir / kRawNodesFile).string() + ": process",
    };
    for (const std::string &rule : rules) {
        SCOPED_TRACE(rule);
        write_system("isolation:\n  plugins: {" + rule + "}\n");
        // Twice: the first scans the plugins, the second reads the scan's cache (which must
        // carry what the rule names).
        for (int pass = 1; pass <= 2; ++pass) {
            SCOPED_TRACE(pass);
            const Listing listing = list();
            EXPECT_THAT(listing.marked, ::testing::ElementsAre(kRawNodes));
            for (const std::string &id : kSomePlugins) {
                EXPECT_EQ(listing.of(id), id == kRawNodes ? "process" : "in_process") << id;
            }
        }
    }

    // The other way round: every plugin but the one named in_process.
    write_system(std::string("isolation:\n  default: process\n  plugins: {") + kRawNodes +
                 ": in_process}\n");
    const Listing listing = list();
    for (const std::string &id : kSomePlugins) {
        EXPECT_EQ(listing.of(id), id == kRawNodes ? "in_process" : "process") << id;
    }
    EXPECT_THAT(listing.marked, Not(::testing::Contains(kRawNodes)));
    EXPECT_TRUE(NoPluginProcessLeft());
}

TEST_F(IsolationTest, ACrashInANodeFailsTheRunNotTheHostAndTheRunIsRecorded) {
    isolate_raw_nodes();
    for (const auto &[type, signal_name] :
         {std::tuple{"raw_segv", "SIGSEGV"}, std::tuple{"raw_abort", "SIGABRT"}}) {
        SCOPED_TRACE(type);
        fs::remove_all(root() / "data"); // one run per round in `runs list`
        write_one_node_graph("crash", type);
        const RunResult r = with_plugins({"run", "--graph", "crash", "hi"});
        ASSERT_FALSE(r.timed_out) << r.describe();
        EXPECT_EQ(r.signal, 0) << r.describe(); // the host did not die with its plugin
        // Exit 4 and code "plugin": the plugin's failure, as the same crash in the host's own
        // process is recorded.
        EXPECT_EXIT_CODE(r, kPlugin);
        EXPECT_EQ(r.out, "");
        EXPECT_TRUE(OneErrorLine(r));
        const std::string crashed = std::string("plugin ") + kRawNodes + " crashed (" +
                                    signal_name + ") in node s (process)";
        EXPECT_THAT(r.err, HasSubstr(crashed));
        std::smatch m;
        ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(\(run (r[0-9a-z]+)\)\n$)")))
            << r.describe();
        const std::string run_id = m[1];

        const json::Document run = only_run();
        ASSERT_TRUE(run.IsObject());
        EXPECT_EQ(std::string(run["run_id"].GetString()), run_id);
        EXPECT_STREQ(run["status"].GetString(), "failed");
        EXPECT_STREQ(run["error"]["code"].GetString(), "plugin");
        EXPECT_STREQ(run["error"]["node"].GetString(), "s");
        EXPECT_THAT(run["error"]["message"].GetString(), HasSubstr(crashed));

        const RunResult shown = host({"runs", "show", run_id, "--json"});
        ASSERT_EXIT_CODE(shown, kOk);
        const json::Document doc = parse_json(shown.out);
        ASSERT_TRUE(doc.IsObject()) << shown.out;
        ASSERT_EQ(doc["nodes"].Size(), 1u) << shown.out;
        EXPECT_STREQ(doc["nodes"][0]["status"].GetString(), "failed") << shown.out;
        EXPECT_THAT(doc["nodes"][0]["error"].GetString(), HasSubstr(crashed));

        // The host wrote no crash report: it did not crash.
        const fs::path crashes = root() / "data" / "crashes";
        EXPECT_TRUE(!fs::exists(crashes) || fs::is_empty(crashes));
        EXPECT_TRUE(NoPluginProcessLeft());
    }
}

// A plugin must not write to stdout; one that does, in its own process, writes to stderr: the
// command's stdout holds only its data. (In the host's own process the line lands in the data.)
TEST_F(IsolationTest, WhatAnIsolatedPluginWritesToStdoutGoesToStderr) {
    const RunResult in_process = with_plugins({"node", "raw_print", "{}"});
    ASSERT_EXIT_CODE(in_process, kOk);
    EXPECT_THAT(in_process.out, HasSubstr("raw_print was here"));

    isolate_raw_nodes();
    const RunResult r = with_plugins({"node", "raw_print", "{}"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "");
    EXPECT_THAT(r.err, HasSubstr("raw_print was here"));
}

TEST_F(IsolationTest, AnIsolatedNodePrintsExactlyWhatItPrintsInProcess) {
    const std::vector<std::vector<std::string>> commands = {
        {"node", "raw_ok", "{}"},
        {"node", "raw_ok", R"({"content":"draft"})"},
        {"node", "raw_ok", "hello", "world"},
        {"node", "append", "hello", "--config", R"({"text":"-x"})"},
    };
    const std::vector<std::string> expected = {"", "draft\n", "hello world\n", "hello-x\n"};
    const auto run_all = [&] {
        std::vector<RunResult> results;
        for (const auto &args : commands)
            results.push_back(with_plugins(args));
        return results;
    };
    // --json: the resulting message and route (the duration aside, which varies).
    const auto json_message = [&] {
        const RunResult r = with_plugins({"node", "raw_ok", "--json", "hello"});
        EXPECT_EXIT_CODE(r, kOk);
        EXPECT_EQ(r.err, "");
        const json::Document doc = parse_json(r.out);
        if (!doc.IsObject() || !doc.HasMember("message") || !doc.HasMember("route")) {
            ADD_FAILURE() << r.out;
            return std::string();
        }
        return json::to_string(doc["message"]) + " route=" + json::to_string(doc["route"]);
    };
    const std::vector<RunResult> in_process = run_all();
    const std::string in_process_json = json_message();
    write_system("isolation:\n  default: process\n");
    const std::vector<RunResult> isolated = run_all();
    const std::string isolated_json = json_message();
    for (size_t i = 0; i < commands.size(); ++i) {
        SCOPED_TRACE(::testing::PrintToString(commands[i]));
        ASSERT_EXIT_CODE(in_process[i], kOk);
        ASSERT_EXIT_CODE(isolated[i], kOk);
        EXPECT_EQ(in_process[i].out, expected[i]);
        EXPECT_EQ(isolated[i].out, in_process[i].out);
        EXPECT_EQ(isolated[i].err, "");
    }
    EXPECT_EQ(in_process_json,
              R"({"input":"hello","content":"hello","route":"","attempt":1,"data":{}} route="")");
    EXPECT_EQ(isolated_json, in_process_json);
    // (Both plugins were isolated: the listing says so under this config.)
    const Listing listing = list();
    EXPECT_EQ(listing.of(kRawNodes), "process");
    EXPECT_EQ(listing.of("org.tinyllm.test.nodes"), "process");
    EXPECT_TRUE(NoPluginProcessLeft());
}

// Every plugin of the default graph in a process of its own: the chat goes from the model
// node's process to the host and on to the backend's, and the tokens stream back.
TEST_F(IsolationTest, TheDefaultGraphAnswersWithEveryPluginInItsOwnProcess) {
    fs::copy_file(kSourceConfigDir / "graphs" / "default.yaml",
                  config_dir() / "graphs" / "default.yaml");
    write_system("isolation:\n  default: process\n");
    const RunResult r = host({"run", "hello world"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, kAnswerLine);
    EXPECT_EQ(r.err, "");
    // The router's classifier (its answer is no route: the default, general), then the general
    // specialist; the router, the gate and the passthrough ran in their own processes too.
    EXPECT_EQ(ollama_.count("/api/chat"), 2u);
    // (The model node and the backend were isolated: the listing says so under this config.)
    const Listing listing = list();
    EXPECT_EQ(listing.of("org.tinyllm.node.model"), "process");
    EXPECT_EQ(listing.of("org.tinyllm.ollama"), "process");
    EXPECT_STREQ(only_run()["status"].GetString(), "succeeded");
    EXPECT_TRUE(NoPluginProcessLeft());
}

TEST_F(IsolationTest, ANodeThatIgnoresItsDeadlineEndsTheRunInBoundedTimeAndLeavesNoProcess) {
    isolate_raw_nodes();
    write_one_node_graph("spin", "raw_spin");
    const auto start = Clock::now();
    const auto process = this->start({"--plugins", kGoodPluginDir.string(), "run", "--stream",
                                      "--graph", "spin", "--timeout", "300", "hi"});
    // Inside process(): the token crossed the socket from the plugin's process.
    ASSERT_TRUE(process->wait_for_stdout("spinning\n")) << process->err_so_far();
    // The node runs in a process of its own, the only one (the other plugins are in the host).
    const auto running = plugin_processes();
    ASSERT_EQ(running.size(), 1u);
    EXPECT_EQ(running.begin()->second, (kGoodPluginDir / kRawNodesFile).string());
    EXPECT_NE(running.begin()->first, process->pid());

    const RunResult r = process->finish();
    const auto elapsed = Clock::now() - start;
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_LT(elapsed, std::chrono::seconds(20));
    EXPECT_EQ(r.signal, 0) << r.describe();
    EXPECT_EXIT_CODE(r, kTimeout);
    EXPECT_EQ(r.out, "spinning\n");
    EXPECT_TRUE(OneErrorLine(r));
    // The exact words: ANodeThatIgnoresItsDeadlineIsKilledWithTheDocumentedWords.
    EXPECT_THAT(r.err, HasSubstr("did not stop when"));
    EXPECT_THAT(r.err, HasSubstr("node s "));

    const json::Document run = only_run();
    ASSERT_TRUE(run.IsObject());
    EXPECT_STREQ(run["status"].GetString(), "failed");
    EXPECT_STREQ(run["error"]["code"].GetString(), "timeout");
    EXPECT_STREQ(run["error"]["node"].GetString(), "s");
    const RunResult shown = host({"runs", "show", run["run_id"].GetString(), "--json"});
    ASSERT_EXIT_CODE(shown, kOk);
    const json::Document doc = parse_json(shown.out);
    ASSERT_TRUE(doc.IsObject()) << shown.out;
    ASSERT_EQ(doc["nodes"].Size(), 1u) << shown.out;
    EXPECT_STREQ(doc["nodes"][0]["status"].GetString(), "timed_out") << shown.out;

    // The spinning process did not outlive the command.
    EXPECT_TRUE(NoPluginProcessLeft());
}

// docs/config.md: a call asked to stop that has not returned 1 s later "is ended by killing the
// process: `plugin org.x in node n (process) did not stop when asked; its process was killed`",
// before `run`'s own guard (kStopGrace, 2 s after the deadline) would end the run without it.
// The two once raced (both 2 s); three runs made the race show.
TEST_F(IsolationTest, ANodeThatIgnoresItsDeadlineIsKilledWithTheDocumentedWords) {
    isolate_raw_nodes();
    write_one_node_graph("spin", "raw_spin");
    for (int attempt = 1; attempt <= 3; ++attempt) {
        SCOPED_TRACE(attempt);
        const RunResult r = with_plugins({"run", "--graph", "spin", "--timeout", "300", "hi"});
        ASSERT_FALSE(r.timed_out) << r.describe();
        EXPECT_EXIT_CODE(r, kTimeout);
        EXPECT_TRUE(OneErrorLine(r));
        EXPECT_THAT(r.err, HasSubstr(std::string("plugin ") + kRawNodes +
                                     " in node s (process) did not stop when asked; its "
                                     "process was killed"));
    }
}

// create and activate run while the command builds its node (or graph), before any run: the
// command fails with one line naming the call, and the host stays up.
TEST_F(IsolationTest, ACrashInCreateOrActivateFailsTheCommandNamingTheCall) {
    isolate_raw_nodes();
    // Exit 4 for create (the component could not be made: a plugin error), 1 for activate (an
    // internal error, as in process()).
    for (const auto &[type, call, signal_name, exit_code] :
         {std::tuple{"raw_segv_create", "create", "SIGSEGV", kPlugin},
          std::tuple{"raw_abort_create", "create", "SIGABRT", kPlugin},
          std::tuple{"raw_segv_activate", "activate", "SIGSEGV", kPlugin},
          std::tuple{"raw_abort_activate", "activate", "SIGABRT", kPlugin}}) {
        SCOPED_TRACE(type);
        const RunResult node = with_plugins({"node", type, "{}"});
        ASSERT_FALSE(node.timed_out) << node.describe();
        EXPECT_EQ(node.signal, 0) << node.describe();
        EXPECT_EXIT_CODE(node, exit_code);
        EXPECT_EQ(node.out, "");
        EXPECT_TRUE(OneErrorLine(node));
        EXPECT_THAT(node.err,
                    HasSubstr(std::string(call) + " failed: plugin " + kRawNodes + " crashed (" +
                              signal_name + ") in node " + type + " (" + call + ")"));

        // In a graph, after a good node: the line names the graph's file and the node.
        write_config_file("graphs/crash.yaml", std::string("id: crash\nversion: 1.0.0\nentry: a\n"
                                                           "exits: [s]\nnodes:\n"
                                                           "  - {id: a, type: noop}\n"
                                                           "  - id: s\n    type: ") +
                                                   type + "\nedges:\n  - {from: a, to: s}\n");
        const RunResult run = with_plugins({"run", "--graph", "crash", "hi"});
        ASSERT_FALSE(run.timed_out) << run.describe();
        EXPECT_EQ(run.signal, 0) << run.describe();
        EXPECT_EXIT_CODE(run, exit_code);
        EXPECT_EQ(run.out, "");
        EXPECT_TRUE(OneErrorLine(run));
        EXPECT_THAT(run.err, HasSubstr("crash.yaml:"));
        EXPECT_THAT(run.err, HasSubstr(std::string(call) + " failed: plugin " + kRawNodes +
                                       " crashed (" + signal_name + ") in node s (" + call + ")"));
        EXPECT_TRUE(NoPluginProcessLeft());
    }
    // No run started, so none is recorded; the host wrote no crash report.
    const RunResult listed = host({"runs", "list", "--json"});
    ASSERT_EXIT_CODE(listed, kOk);
    EXPECT_EQ(parse_json(listed.out).Size(), 0u) << listed.out;
    const fs::path crashes = root() / "data" / "crashes";
    EXPECT_TRUE(!fs::exists(crashes) || fs::is_empty(crashes));
}

// A rule naming a plugin by id needs the plugin's id before the plugin is loaded, which the scan
// records in data_dir/plugin-scan.json. A cache written before the scan recorded ids (the same
// "host" key: abi 2.0, tinyllm 0.1.0) has none: such an entry is scanned again, so the rule
// applies instead of being silently ignored (the plugin loaded into the host, a crash taking
// the host down).
TEST_F(IsolationTest, AnIdRuleAppliesWithAScanCacheWrittenBeforeIds) {
    // A scan without any isolation, then its cache stripped of the ids, as an older host left it.
    ASSERT_EXIT_CODE(with_plugins({"plugins", "list"}), kOk);
    const fs::path cache = root() / "data" / "plugin-scan.json";
    ASSERT_TRUE(fs::exists(cache));
    std::ifstream in(cache);
    json::Document doc = parse_json(
        std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("plugins"));
    for (auto &entry : doc["plugins"].GetObject()) {
        if (entry.value.HasMember("outcome")) entry.value["outcome"].RemoveMember("id");
    }
    std::ofstream(cache, std::ios::trunc) << json::to_string(doc);

    isolate_raw_nodes();
    const Listing listing = list();
    EXPECT_THAT(listing.marked, ::testing::ElementsAre(kRawNodes));
    write_one_node_graph("crash", "raw_segv");
    const RunResult r = with_plugins({"run", "--graph", "crash", "hi"});
    EXPECT_EQ(r.signal, 0) << r.describe();
    EXPECT_EXIT_CODE(r, kPlugin);
}

} // namespace
} // namespace tinyllm::e2e
