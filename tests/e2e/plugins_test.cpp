// Plugins: listing, inspecting and validating them, each broken .so refused for its own reason
// without taking the good plugins down, and the C plugin driving a real `ask`.
#include "e2e_support.hpp"

#include <map>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using PluginsTest = E2ETest;

TEST_F(PluginsTest, ListShowsTheOllamaPlugin) {
    // Other installed plugins may be listed too: the test looks for ollama's entry, wherever.
    const RunResult r = host({"plugins", "list"});
    ASSERT_EXIT_CODE(r, kOk);
    const auto lines = split_lines(r.out);
    const int n = line_number_of(r.out, "org.tinyllm.ollama ");
    ASSERT_GT(n, 0) << r.out;
    ASSERT_GT(lines.size(), static_cast<size_t>(n)) << r.out;
    const std::string &header = lines[static_cast<size_t>(n - 1)];
    const std::string &component = lines[static_cast<size_t>(n)];
    EXPECT_THAT(header, StartsWith("org.tinyllm.ollama "));
    EXPECT_THAT(header, HasSubstr(kOllamaPlugin.string()));
    EXPECT_THAT(component, HasSubstr("tinyllm.backend/1"));
    EXPECT_THAT(component, HasSubstr(" ollama "));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("not loaded")));
    EXPECT_EQ(r.err, "");

    const RunResult json = host({"plugins", "list", "--json"});
    ASSERT_EXIT_CODE(json, kOk);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsObject()) << json.out;
    ASSERT_TRUE(doc["plugins"].IsArray());
    const json::Value *plugin = nullptr;
    for (const auto &p : doc["plugins"].GetArray()) {
        if (std::string(p["id"].GetString()) == "org.tinyllm.ollama") plugin = &p;
    }
    ASSERT_NE(plugin, nullptr) << json.out;
    EXPECT_STREQ((*plugin)["abi"].GetString(), "2.3");
    EXPECT_EQ((*plugin)["path"].GetString(), kOllamaPlugin.string());
    ASSERT_EQ((*plugin)["components"].Size(), 1u);
    EXPECT_STREQ((*plugin)["components"][0]["name"].GetString(), "ollama");
    EXPECT_STREQ((*plugin)["components"][0]["kind"].GetString(), "tinyllm.backend/1");
    EXPECT_EQ(doc["failures"].Size(), 0u);
}

TEST_F(PluginsTest, EveryBadPluginIsRefusedForItsOwnReasonAndTheGoodOnesStillWork) {
    const RunResult r = host({"--plugins", kBadPluginDir.string(), "plugins", "list"});
    ASSERT_EXIT_CODE(r, kOk);
    const std::string bad = kBadPluginDir.string() + "/";
    // file -> what its line must say (the kind of failure, then the specific cause).
    const std::map<std::string, std::vector<std::string>> expected = {
        {"not-elf.so", {"not a plugin"}},
        {"tinyllm-test-no-entry.so", {"not a plugin", "tinyllm_plugin_entry"}},
        {"tinyllm-test-abi-major.so", {"ABI mismatch (plugin 3.0, host 2.3)"}},
        {"tinyllm-test-abi-minor.so", {"ABI mismatch (plugin 2.4, host 2.3)"}},
        {"tinyllm-test-init-fails.so", {"init failed", "license key not found in $TEST_LICENSE"}},
        {"tinyllm-test-bad-component.so", {"invalid descriptor", "Bad Name"}},
        // The dynamic loader's own words: they tell the user which symbol / library to find.
        {"tinyllm-test-missing-symbol.so",
         {"missing dependency", "undefined symbol: tinyllm_test_symbol_nobody_provides"}},
        {"tinyllm-test-missing-library.so",
         {"missing dependency", "libtinyllm_test_dependency.so: cannot open shared object file"}},
    };
    const auto lines = split_lines(r.out);
    for (const auto &[file, needles] : expected) {
        const int n = line_number_of(r.out, "  " + bad + file + ": ");
        ASSERT_GT(n, 0) << file << " is not listed as not loaded:\n" << r.out;
        for (const auto &needle : needles) {
            EXPECT_THAT(lines[static_cast<size_t>(n - 1)], HasSubstr(needle)) << file;
        }
    }
    // The good plugin, and the good component of the half-broken one, still load.
    EXPECT_THAT(r.out, HasSubstr("org.tinyllm.ollama"));
    EXPECT_THAT(r.out, HasSubstr("half-good"));
    EXPECT_TRUE(NoCrashNoise(r.err));

    const RunResult json = host({"--plugins", kBadPluginDir.string(), "plugins", "list", "--json"});
    ASSERT_EXIT_CODE(json, kOk);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsObject()) << json.out;
    EXPECT_EQ(doc["failures"].Size(), expected.size()) << json.out;
    std::map<std::string, std::string> kinds; // file name -> "error"
    for (const auto &f : doc["failures"].GetArray()) {
        const std::string path = f["path"].GetString();
        kinds[path.substr(path.rfind('/') + 1)] = f["error"].GetString();
        EXPECT_STRNE(f["message"].GetString(), "") << path;
    }
    EXPECT_EQ(kinds["tinyllm-test-abi-major.so"], kinds["tinyllm-test-abi-minor.so"]);
    EXPECT_EQ(kinds["tinyllm-test-missing-symbol.so"], kinds["tinyllm-test-missing-library.so"]);
    EXPECT_NE(kinds["tinyllm-test-abi-major.so"], kinds["tinyllm-test-init-fails.so"]);

    // A bad plugin on the path never stops the good ones from doing real work.
    const RunResult ask = host({"--plugins", kBadPluginDir.string(), "ask", "hello"});
    ASSERT_EXIT_CODE(ask, kOk);
    EXPECT_EQ(ask.out, kAnswerLine);
    EXPECT_TRUE(NoCrashNoise(ask.err));
}

TEST_F(PluginsTest, PluginsThatCrashOrHangWhileLoadingAreReportedAndSkipped) {
    // Plugins are loaded first in a scanner process: one that kills it or never answers is
    // reported, and every command keeps working, the diagnostic ones above all. (3 s for a
    // scan: the good plugins must not look hung on a loaded machine under a sanitizer.)
    const fs::path data = root() / "data";
    write_config_file("system.yaml",
                      "data_dir: " + data.string() + "\nlimits:\n  plugin_scan_timeout_ms: 3000\n");
    const std::string crash = kCrashPluginDir.string() + "/";
    const RunResult r = host({"--plugins", kCrashPluginDir.string(), "plugins", "list"});
    ASSERT_EXIT_CODE(r, kOk);
    const auto line_of = [&](const std::string &text, const std::string &file) -> std::string {
        const int n = line_number_of(text, "  " + crash + file + ": ");
        return n > 0 ? split_lines(text)[static_cast<size_t>(n - 1)] : "<not listed>\n" + text;
    };
    // Under AddressSanitizer the scanner's own SEGV handler reports the fault and aborts.
#if defined(__SANITIZE_ADDRESS__)
    EXPECT_THAT(line_of(r.out, "tinyllm-test-crash-segv.so"),
                HasSubstr("crashed while loading: SIG"));
#else
    EXPECT_THAT(line_of(r.out, "tinyllm-test-crash-segv.so"),
                HasSubstr("crashed while loading: SIGSEGV (it said: about to dereference NULL)"));
#endif
    EXPECT_THAT(line_of(r.out, "tinyllm-test-crash-abort.so"),
                HasSubstr("crashed while loading: SIGABRT"));
    EXPECT_THAT(line_of(r.out, "tinyllm-test-crash-exit.so"),
                HasSubstr("crashed while loading: the process exited with status 7 (it said: "
                          "fatal: cannot live here)"));
    EXPECT_THAT(line_of(r.out, "tinyllm-test-crash-hang.so"),
                HasSubstr("hung while loading: no answer within 3000 ms"));
    EXPECT_THAT(r.out, HasSubstr("org.tinyllm.ollama")); // the good ones still load
    EXPECT_EQ(r.err, "");

    // What the scan found is cached in the data dir: the next command scans nothing (and so
    // does not wait for the hanging plugin again), and says the same.
    ASSERT_TRUE(fs::exists(data / "plugin-scan.json"));
    const RunResult again = host({"--plugins", kCrashPluginDir.string(), "plugins", "list"},
                                 {{"TINYLLM_LOG_LEVEL", "debug"}});
    ASSERT_EXIT_CODE(again, kOk);
    EXPECT_EQ(again.out, r.out);
    EXPECT_THAT(again.err, ::testing::Not(HasSubstr("scanning plugin")));

    // A file that changed is scanned again.
    const fs::path copy = root() / "copied" / "tinyllm-test-crash-abort.so";
    fs::create_directories(copy.parent_path());
    fs::copy_file(kCrashPluginDir / "tinyllm-test-crash-abort.so", copy);
    const RunResult copied = host({"--plugins", copy.string(), "plugins", "list", "--json"},
                                  {{"TINYLLM_LOG_LEVEL", "debug"}});
    ASSERT_EXIT_CODE(copied, kOk);
    EXPECT_THAT(copied.err, HasSubstr("scanning plugin " + copy.string()));
    const json::Document doc = parse_json(copied.out);
    ASSERT_TRUE(doc.IsObject()) << copied.out;
    ASSERT_EQ(doc["failures"].Size(), 1u) << copied.out;
    EXPECT_STREQ(doc["failures"][0]["error"].GetString(), "crashed while loading");

    // Doctor names each one and how to fix it, and still checks the rest.
    const RunResult doctor = host({"--plugins", kCrashPluginDir.string(), "doctor"});
    EXPECT_GE(doctor.exit_code, 0) << doctor.describe();
    EXPECT_THAT(doctor.out, HasSubstr("hung while loading"));
    EXPECT_THAT(doctor.out, HasSubstr("reachable at " + ollama_.url()));

    // And real work goes on: the good plugins answer; each skipped one is one warning line.
    const RunResult ask = host({"--plugins", kCrashPluginDir.string(), "ask", "hello"});
    ASSERT_EXIT_CODE(ask, kOk);
    EXPECT_EQ(ask.out, kAnswerLine);
    const auto warnings = split_lines(ask.err);
    EXPECT_EQ(warnings.size(), 4u) << ask.err;
    for (const auto &line : warnings)
        EXPECT_THAT(line, HasSubstr("skipping plugin " + crash)) << ask.err;
}

TEST_F(PluginsTest, ComponentsOfUnknownKindsAreReportedAndNeverCreated) {
    const std::string file = kUnknownKindPlugin.string();
    const RunResult r = host({"--plugins", file, "plugins", "list"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("kinds-ok")); // the plugin's good component loads
    for (const char *kind : {"tinyllm.planner/1", "tinyllm.frob/1"}) {
        const int n = line_number_of(r.out, std::string("is of kind ") + kind);
        ASSERT_GT(n, 0) << kind << ":\n" << r.out;
        const std::string line = split_lines(r.out)[static_cast<size_t>(n - 1)];
        EXPECT_THAT(line, HasSubstr(file + ": unsupported kind: plugin org.tinyllm.test."
                                           "unknown-kind: component "));
        EXPECT_THAT(line, HasSubstr("it is not created"));
    }
    // validate creates every component it accepted: had it created one of the unknown kinds,
    // its create() would have aborted the process.
    const RunResult validate = host({"plugins", "validate", file});
    EXPECT_GE(validate.exit_code, 0) << validate.describe();
    EXPECT_THAT(validate.out, HasSubstr("unsupported kind"));
    EXPECT_TRUE(NoCrashNoise(validate.err));
}

TEST_F(PluginsTest, PluginPathsFromEveryPlace) {
    // --plugins after the command name works as before it (docs/cli.md).
    const RunResult after = host({"plugins", "list", "--plugins", kGoodPluginDir.string()});
    ASSERT_EXIT_CODE(after, kOk);
    EXPECT_THAT(after.out, HasSubstr("org.tinyllm.test.echo"));

    // TINYLLM_PLUGIN_PATH is ':'-separated; an entry that does not exist is reported, not fatal.
    const fs::path nowhere = root() / "no-plugins-here";
    const RunResult env =
        host({"plugins", "list"},
             {{"TINYLLM_PLUGIN_PATH", kGoodPluginDir.string() + ":" + nowhere.string()}});
    ASSERT_EXIT_CODE(env, kOk);
    EXPECT_THAT(env.out, HasSubstr("org.tinyllm.test.echo"));
    EXPECT_THAT(env.out, HasSubstr("org.tinyllm.ollama"));
    EXPECT_THAT(env.out, HasSubstr(nowhere.string()));

    // system.yaml `plugins:`, relative to the config dir.
    fs::create_directories(config_dir() / "extra");
    fs::copy_file(kGoodPluginDir / "tinyllm-echo.so", config_dir() / "extra" / "tinyllm-echo.so");
    write_config_file("system.yaml",
                      "data_dir: " + (root() / "data").string() + "\nplugins: [extra]\n");
    const RunResult config = host({"plugins", "list"});
    ASSERT_EXIT_CODE(config, kOk);
    EXPECT_THAT(config.out, HasSubstr((config_dir() / "extra" / "tinyllm-echo.so").string()));

    // The same plugin found twice (here: good dir + the copy from system.yaml): the first wins,
    // the second is reported as a duplicate instead of shadowing it silently.
    const RunResult dup = host({"--plugins", kGoodPluginDir.string(), "plugins", "list"});
    ASSERT_EXIT_CODE(dup, kOk);
    const int line = line_number_of(dup.out, ": duplicate: ");
    ASSERT_GT(line, 0) << dup.out;
    EXPECT_THAT(split_lines(dup.out)[static_cast<size_t>(line - 1)],
                HasSubstr("org.tinyllm.test.echo"));
}

// docs/cli.md: the common options work "before or after the command name".
TEST_F(PluginsTest, NoDefaultPluginsBeforeOrAfterTheCommandName) {
    const RunResult after = host({"plugins", "list", "--no-default-plugins"});
    ASSERT_EXIT_CODE(after, kOk);
    EXPECT_EQ(after.out, "no plugins loaded\n");

    const RunResult before = host({"--no-default-plugins", "plugins", "list"});
    ASSERT_EXIT_CODE(before, kOk);
    EXPECT_EQ(before.out, "no plugins loaded\n");

    // And so no backend to talk to: a plugin error naming the missing type, no request sent.
    const RunResult ask = host({"--no-default-plugins", "ask", "hello"});
    EXPECT_EXIT_CODE(ask, kPlugin);
    EXPECT_TRUE(OneErrorLine(ask));
    EXPECT_THAT(ask.err, HasSubstr("\"ollama\""));
    EXPECT_EQ(ollama_.requests().size(), 0u);
}

TEST_F(PluginsTest, InspectAndValidate) {
    const RunResult inspect = host({"plugins", "inspect", "ollama"});
    ASSERT_EXIT_CODE(inspect, kOk);
    EXPECT_THAT(inspect.out, HasSubstr("Plugin org.tinyllm.ollama"));
    EXPECT_THAT(inspect.out, HasSubstr("Component ollama"));
    // The schema keys a user can set, and the environment override of url.
    for (const char *key : {"url", "connect_timeout_ms", "read_timeout_ms", "max_retries"}) {
        EXPECT_GT(line_number_of(inspect.out, std::string("    ") + key + " "), 0) << key;
    }
    const int url_line = line_number_of(inspect.out, "    url ");
    ASSERT_GT(url_line, 0) << inspect.out;
    EXPECT_THAT(split_lines(inspect.out)[static_cast<size_t>(url_line - 1)],
                HasSubstr("env OLLAMA_HOST"));

    const RunResult inspect_json = host({"plugins", "inspect", "ollama", "--json"});
    ASSERT_EXIT_CODE(inspect_json, kOk);
    const json::Document doc = parse_json(inspect_json.out);
    ASSERT_TRUE(doc.IsObject()) << inspect_json.out;
    const auto &schema = doc["components"][0]["config_schema"];
    ASSERT_TRUE(schema.IsObject()) << inspect_json.out;
    EXPECT_TRUE(schema["properties"].HasMember("url"));

    // A broken .so given by path is loaded on its own so its failure can be shown.
    const fs::path major = kBadPluginDir / "tinyllm-test-abi-major.so";
    const RunResult broken = host({"plugins", "inspect", major.string()});
    EXPECT_EXIT_CODE(broken, kPlugin);
    EXPECT_TRUE(OneErrorLine(broken));
    EXPECT_THAT(broken.err, HasSubstr("ABI mismatch (plugin 3.0, host 2.3)"));
    EXPECT_EQ(broken.out, "");

    const RunResult nosuch = host({"plugins", "inspect", "nosuch"});
    EXPECT_EXIT_CODE(nosuch, kNotFound);
    EXPECT_TRUE(OneErrorLine(nosuch));
    EXPECT_THAT(nosuch.err, HasSubstr("nosuch"));

    const RunResult usage = host({"plugins", "inspect"});
    EXPECT_EXIT_CODE(usage, kUsage);
    EXPECT_TRUE(OneErrorLine(usage));
}

TEST_F(PluginsTest, ValidatePassesEveryBundledPlugin) {
    size_t validated = 0;
    for (const auto &entry : fs::directory_iterator(kOllamaPlugin.parent_path())) {
        if (entry.path().extension() != ".so") continue;
        const RunResult r = host({"plugins", "validate", entry.path().string()});
        EXPECT_EXIT_CODE(r, kOk);
        for (const auto &line : split_lines(r.out))
            EXPECT_THAT(line, StartsWith("ok ")) << r.out;
        for (const char *check : {"loads", "metadata", ": config schema", ": create with",
                                  ": concurrent calls", ": cancellation", ": destroy", "quiet"}) {
            EXPECT_THAT(r.out, HasSubstr(check)) << entry.path();
        }
        ++validated;
    }
    EXPECT_GE(validated, 5u); // ollama, model, passthrough, calculator, code

    const RunResult json = host({"plugins", "validate", kOllamaPlugin.string(), "--json"});
    ASSERT_EXIT_CODE(json, kOk);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsObject()) << json.out;
    EXPECT_TRUE(doc["ok"].GetBool());
    EXPECT_GT(doc["checks"].Size(), 5u);
}

TEST_F(PluginsTest, ValidateFailsEachBrokenPluginForItsOwnReason) {
    // file -> a line the report must hold (and the run must exit 4).
    const std::vector<std::pair<fs::path, std::string>> cases = {
        {kBadPluginDir / "tinyllm-test-bad-component.so",
         "FAIL component: invalid descriptor: plugin org.tinyllm.test.bad-component: component 1 "
         "(Bad Name)"},
        {kBadPluginDir / "tinyllm-test-abi-major.so",
         "FAIL loads (entry point, ABI, descriptor, init): ABI mismatch (plugin 3.0, host 2.3)"},
        {kUnknownKindPlugin, "FAIL component: unsupported kind"},
        {kGoodPluginDir / "tinyllm-test-nodes.so",
         "FAIL tinyllm.node/1 bad_json: process a sample message: process's output is not a "
         "JSON object"},
        {kCrashPluginDir / "tinyllm-test-crash-exit.so",
         "FAIL loads (entry point, ABI, descriptor, init): the validator exited with status 7"},
        {kCrashPluginDir / "tinyllm-test-crash-abort.so",
         "FAIL loads (entry point, ABI, descriptor, init): the plugin crashed the validator "
         "(SIGABRT)"},
        {kCrashPluginDir / "tinyllm-test-crash-segv.so",
         // Under AddressSanitizer its SEGV handler reports and aborts.
         "FAIL loads (entry point, ABI, descriptor, init): the plugin crashed the validator (SIG"},
    };
    for (const auto &[file, line] : cases) {
        const RunResult r = host({"plugins", "validate", file.string()});
        EXPECT_EXIT_CODE(r, kPlugin);
        EXPECT_THAT(r.out, HasSubstr(line)) << file;
        EXPECT_TRUE(NoCrashNoise(r.err)) << file;
    }

    // The raw nodes: an exception through the C ABI fails its checks; a node that never
    // returns is reported as hung in the check it was in, after --timeout.
    const RunResult raw = host({"plugins", "validate", "--timeout", "1500",
                                (kGoodPluginDir / "tinyllm-test-raw-nodes.so").string()});
    EXPECT_EXIT_CODE(raw, kPlugin);
    EXPECT_THAT(raw.out, HasSubstr("FAIL tinyllm.node/1 raw_throw: process a sample message: "
                                   "node validate process: plugin org.tinyllm.test.raw-nodes let "
                                   "a C++ exception cross the C ABI"));
    EXPECT_THAT(raw.out, HasSubstr("FAIL tinyllm.node/1 raw_throw_create: create with its config"));
    EXPECT_THAT(raw.out, HasSubstr("FAIL tinyllm.node/1 raw_spin: process a sample message: hung: "
                                   "no progress within 1500 ms (--timeout)"));
}

TEST_F(PluginsTest, BackendWrittenInCAnswers) {
    // Only the C plugin: nothing C++ is loaded, so a working answer proves the ABI is C.
    write_config_file("models.yaml", "backends:\n"
                                     "  - name: inproc\n"
                                     "    type: echo\n"
                                     "models:\n"
                                     "  - name: echo\n");
    const RunResult r = host(
        {"ask", "--no-default-plugins", "--plugins", kGoodPluginDir.string(), "hello there C"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "hello there C\n");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(ollama_.requests().size(), 0u);

    // Its config, validated against the schema it declares, reaches it.
    write_config_file("models.yaml", "backends:\n"
                                     "  - name: inproc\n"
                                     "    type: echo\n"
                                     "    config: {prefix: \"C> \"}\n"
                                     "models:\n"
                                     "  - name: echo\n");
    const RunResult prefixed =
        host({"ask", "--no-default-plugins", "--plugins", kGoodPluginDir.string(), "--json", "hi"});
    ASSERT_EXIT_CODE(prefixed, kOk);
    const json::Document doc = parse_json(prefixed.out);
    ASSERT_TRUE(doc.IsObject()) << prefixed.out;
    EXPECT_STREQ(doc["message"]["content"].GetString(), "C> hi");
}

} // namespace
} // namespace tinyllm::e2e
