// What a user sees when something is wrong: bad config, missing plugins, a server that is down,
// slow, broken or busy. Each is one line on stderr with the right exit code, naming the file,
// position and key (or the URL) so the user knows what to fix.
#include "e2e_support.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace tinyllm::e2e {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;
using testing::Reply;

using ErrorsTest = E2ETest;

// "<file>:<line>:<column>" of the first occurrence of `needle` in `text` (1-based), as the
// config loader reports positions.
std::string position_of(const std::string &file, const std::string &text,
                        const std::string &needle) {
    const int line = line_number_of(text, needle);
    EXPECT_GT(line, 0) << needle;
    const std::string line_text = split_lines(text)[static_cast<size_t>(std::max(line, 1) - 1)];
    return file + ":" + std::to_string(line) + ":" + std::to_string(line_text.find(needle) + 1);
}

// ---- config ---------------------------------------------------------------------------

TEST_F(ErrorsTest, MalformedModelsYaml) {
    write_config_file("models.yaml", "backends:\n"
                                     "  - name: local\n"
                                     "    type: [ollama\n"
                                     "models: []\n");
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, ContainsRegex("models\\.yaml:[0-9]+:[0-9]+: "));
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(ollama_.requests().size(), 0u);
}

TEST_F(ErrorsTest, UnknownKeyInSystemYamlSuggestsTheRightOne) {
    const std::string text = "data_dir: " + (root() / "data").string() +
                             "\n"
                             "logign:\n"
                             "  level: warn\n";
    write_config_file("system.yaml", text);
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr(position_of("system.yaml", text, "logign")));
    EXPECT_THAT(r.err, HasSubstr("unknown key \"logign\""));
    EXPECT_THAT(r.err, HasSubstr("did you mean \"logging\""));
}

TEST_F(ErrorsTest, WrongTypeNamesTheKeyAndPosition) {
    const std::string text = "limits:\n"
                             "  max_concurrent_runs: lots\n";
    write_config_file("system.yaml", text);
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr(position_of("system.yaml", text, "lots")));
    EXPECT_THAT(r.err, HasSubstr("limits.max_concurrent_runs"));
    EXPECT_THAT(r.err, HasSubstr("integer"));
}

TEST_F(ErrorsTest, MissingModelsYamlAndMissingConfigDir) {
    fs::remove(config_dir() / "models.yaml");
    const RunResult missing = host({"ask", "hello"});
    EXPECT_EXIT_CODE(missing, kConfig);
    EXPECT_TRUE(OneErrorLine(missing));
    EXPECT_THAT(missing.err, HasSubstr((config_dir() / "models.yaml").string()));

    // A dir the user named must exist: no silent fallback to some other config.
    const fs::path nowhere = root() / "no-such-config";
    const RunResult no_dir = run({"--config", nowhere.string(), "ask", "hello"});
    EXPECT_EXIT_CODE(no_dir, kConfig);
    EXPECT_TRUE(OneErrorLine(no_dir));
    EXPECT_THAT(no_dir.err, HasSubstr(nowhere.string()));
    EXPECT_THAT(no_dir.err, HasSubstr("does not exist"));
    EXPECT_EQ(ollama_.requests().size(), 0u);
}

TEST_F(ErrorsTest, BackendConfigFailingThePluginSchemaPointsIntoModelsYaml) {
    const std::string text = models_yaml(ollama_.url(), {"connect_timeout_ms: \"abc\""});
    write_config_file("models.yaml", text);
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr(position_of("models.yaml", text, "\"abc\"")));
    EXPECT_THAT(r.err, HasSubstr("connect_timeout_ms"));
    EXPECT_EQ(ollama_.requests().size(), 0u);
}

TEST_F(ErrorsTest, BackendTypeNoPluginProvides) {
    std::string text = models_yaml(ollama_.url());
    text.replace(text.find("type: ollama"), 12, "type: llamacpp");
    write_config_file("models.yaml", text);
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kPlugin);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("\"llamacpp\""));
    EXPECT_THAT(r.err, HasSubstr("models.yaml:" +
                                 std::to_string(line_number_of(text, "- name: local")) + ":"));
    // It says what is available instead.
    EXPECT_THAT(r.err, HasSubstr("ollama"));
}

TEST_F(ErrorsTest, DuplicateKeyIsAnError) {
    // YAML parsers usually keep the last of two equal keys; a typo'd paste must not silently
    // drop the first list (docs/config.md).
    std::string text = models_yaml(ollama_.url());
    text += "models:\n  - name: other\n";
    write_config_file("models.yaml", text);
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err,
                HasSubstr("models.yaml:" + std::to_string(split_lines(text).size() - 1) + ":1: "));
    EXPECT_THAT(r.err, HasSubstr("duplicate key \"models\""));
}

// docs/config.md: "a bad [environment value] is blamed on the variable", exit 3.
TEST_F(ErrorsTest, BadLogLevelFromTheEnvironmentIsBlamedOnTheVariable) {
    const RunResult r = host({"ask", "hello"}, {{"TINYLLM_LOG_LEVEL", "nonsense"}});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("nonsense"));
    EXPECT_THAT(r.err, HasSubstr("TINYLLM_LOG_LEVEL"));
    EXPECT_EQ(ollama_.requests().size(), 0u);
}

// docs/config.md: "a bad [environment value] is blamed on the variable", exit 3; the user may
// not know OLLAMA_HOST is set in their shell, so the message must say where the URL came from.
TEST_F(ErrorsTest, BadOllamaHostIsBlamedOnTheVariable) {
    const RunResult r = host({"ask", "hello"}, {{"OLLAMA_HOST", "http://[bad"}});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("OLLAMA_HOST"));
    EXPECT_THAT(r.err, HasSubstr("http://[bad"));
}

// docs/config.md: a config problem is "one line naming the file, line, column and key, and exit
// code 3". An unusable url is a config problem, not a plugin that failed to load (exit 4).
TEST_F(ErrorsTest, BadUrlInModelsYamlPointsAtTheKey) {
    std::string text = models_yaml(ollama_.url());
    text.replace(text.find(ollama_.url()), ollama_.url().size(), "\"http://[bad\"");
    write_config_file("models.yaml", text);
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    // The line of the key; the column is left to the implementation (key or value).
    EXPECT_THAT(r.err,
                HasSubstr("models.yaml:" + std::to_string(line_number_of(text, "url:")) + ":"));
    EXPECT_THAT(r.err, HasSubstr("url"));
}

// ---- the model server -----------------------------------------------------------------

TEST_F(ErrorsTest, ServerDown) {
    const RefusingPort dead;
    write_config_file("models.yaml", models_yaml(dead.url()));
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kUnavailable);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr(dead.url()));
    EXPECT_THAT(r.err, HasSubstr("Connection refused"));
    EXPECT_EQ(r.out, "");
}

TEST_F(ErrorsTest, ReadTimeoutNamesTheSetting) {
    write_config_file("models.yaml", models_yaml(ollama_.url(), {"read_timeout_ms: 200"}));
    // Headers that never come (the fake's destructor ends the delay when the test is done).
    ollama_.enqueue("/api/chat", testing::chat_json(kModel, "late").delay_headers(1h));
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kTimeout);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("read_timeout_ms"));
    EXPECT_EQ(r.out, "");
}

TEST_F(ErrorsTest, OverallTimeoutFlag) {
    ollama_.enqueue("/api/chat", Reply::stream()
                                     .add_line(testing::chat_chunk_line(kModel, "Hello"))
                                     .add_line(testing::chat_chunk_line(kModel, " there"), 1h)
                                     .add_line(testing::chat_final_line(kModel, {})));
    // The budget must outlast the first token even on a loaded machine under ASan; the second
    // never comes, so the run ends when it runs out either way.
    const RunResult r = host({"ask", "--stream", "--timeout", "1000", "hello"});
    EXPECT_EXIT_CODE(r, kTimeout);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.out, StartsWith("Hello"));
}

TEST_F(ErrorsTest, ErrorInTheMiddleOfAStream) {
    const std::string message = "an error was encountered while running the model: out of memory";
    ollama_.enqueue("/api/chat", Reply::stream({testing::chat_chunk_line(kModel, "Hel"),
                                                testing::chat_chunk_line(kModel, "lo")})
                                     .add_error_line(message));
    const RunResult r = host({"ask", "--stream", "hello"});
    EXPECT_EXIT_CODE(r, kFailure);
    // Streamed (--stream), what arrived before the error was shown; the error says what the
    // server said.
    EXPECT_THAT(r.out, ::testing::AnyOf("Hello", "Hello\n"));
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr(message));
    // Into a pipe by default, a failed answer is not written at all: stdout is data.
    ollama_.enqueue("/api/chat", Reply::stream({testing::chat_chunk_line(kModel, "Hel"),
                                                testing::chat_chunk_line(kModel, "lo")})
                                     .add_error_line(message));
    const RunResult piped = host({"ask", "hello"});
    EXPECT_EXIT_CODE(piped, kFailure);
    EXPECT_EQ(piped.out, "");
    EXPECT_THAT(piped.err, HasSubstr(message));
}

TEST_F(ErrorsTest, ModelNotFound) {
    const RunResult r = host({"ask", "--model", "nosuch-model", "hello"});
    EXPECT_EXIT_CODE(r, kNotFound);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("nosuch-model"));
    EXPECT_THAT(r.err, HasSubstr("not found"));
    EXPECT_EQ(r.out, "");
}

TEST_F(ErrorsTest, GarbageBodyIsAProtocolError) {
    ollama_.enqueue("/api/chat",
                    Reply::text(200, "<html><body>It works!</body></html>", "text/html"));
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kFailure);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr(ollama_.url()));
    EXPECT_EQ(r.out, "");
}

TEST_F(ErrorsTest, BusyServerIsRetriedTransparently) {
    ollama_.enqueue("/api/chat", Reply::error(503, "server busy, please try again.  "
                                                   "maximum pending requests exceeded"));
    const RunResult r = host({"ask", "hello"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, kAnswerLine);
    EXPECT_EQ(ollama_.count("/api/chat"), 2u);
    EXPECT_TRUE(NoCrashNoise(r.err));
}

TEST_F(ErrorsTest, ServerClosesTheConnectionMidStream) {
    ollama_.enqueue("/api/chat",
                    testing::chat_stream(kModel, {"Hel", "lo", " there", "!"}).close_after(2));
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kUnavailable);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr(ollama_.url()));
    // Into a pipe, a failed call's half answer is not written: stdout is data.
    EXPECT_EQ(r.out, "");
}

std::string deeply_nested(size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

// Deeply nested JSON (issue 12, item 1), once a segfault: from stdin, in a model's stream line
// and in a control call's reply, it is one error line naming the nesting, never a crash, and
// the run it ended is recorded as failed.
TEST_F(ErrorsTest, DeeplyNestedJsonIsAnErrorNotACrash) {
    const RunResult tool =
        host({"tool", "code", "-"}, {}, "{\"code\":" + deeply_nested(100000) + "}");
    EXPECT_NE(tool.exit_code, kOk);
    EXPECT_LT(tool.exit_code, 128) << "killed by a signal";
    EXPECT_TRUE(OneErrorLine(tool)) << tool.err;
    EXPECT_THAT(tool.err, HasSubstr("nested deeper than 256 levels"));

    ollama_.enqueue("/api/chat", Reply::stream()
                                     .add_line(testing::chat_chunk_line(kModel, "Hel"))
                                     .add_line("{\"message\":" + deeply_nested(200000) + "}"));
    fs::create_directories(config_dir() / "graphs");
    fs::copy_file(kSourceConfigDir / "graphs" / "direct.yaml",
                  config_dir() / "graphs" / "direct.yaml");
    const RunResult run = host({"run", "--graph", "direct", "hi"});
    EXPECT_EXIT_CODE(run, kFailure);
    EXPECT_TRUE(OneErrorLine(run)) << run.err;
    EXPECT_THAT(run.err, HasSubstr("nested deeper than 256 levels"));
    const RunResult listed = host({"runs", "list", "--json"});
    ASSERT_EXIT_CODE(listed, kOk);
    const json::Document runs = parse_json(listed.out);
    ASSERT_EQ(runs.Size(), 1u) << listed.out;
    EXPECT_EQ(std::string(runs[0]["status"].GetString()), "failed");

    ollama_.set_default("GET", "/api/tags",
                        Reply::json(200, "{\"models\":" + deeply_nested(200000) + "}"));
    const RunResult models = host({"models", "list"});
    EXPECT_NE(models.exit_code, kOk);
    EXPECT_LT(models.exit_code, 128) << "killed by a signal";
    EXPECT_THAT(models.err, HasSubstr("nested deeper than 256 levels"));
}

// Output that could not be written (issue 12, item 5): `> /dev/full` once exited 0 with the
// answer lost. Now: exit 1 and one line on stderr saying so. Needs /dev/full (Linux).
TEST_F(ErrorsTest, AnOutputThatCannotBeWrittenIsAnErrorNotASuccess) {
    if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this machine";
    const fs::path err = root() / "stderr.txt";
    const auto exit_of = [&](const std::string &args) {
        const std::string command = "'" + kHostBin + "' --config '" + config_dir().string() + "' " +
                                    args + " > /dev/full 2> '" + err.string() + "'";
        const int status = std::system(command.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    for (const std::string args : {"--version", "config check", "runs list", "tool list"}) {
        EXPECT_EQ(exit_of(args), kFailure) << args;
        std::ifstream in(err);
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        EXPECT_NE(text.find("cannot write the output to stdout: No space left on device"),
                  std::string::npos)
            << args << ": " << text;
    }
    // A command that failed keeps its own exit code.
    EXPECT_EQ(exit_of("runs show no-such-run"), kNotFound);
}

// Stored text shown in a table (issue 12, item 9): a prompt holding terminal escapes cannot
// retitle, clear or colour the terminal through `runs list` or `runs show`.
TEST_F(ErrorsTest, RunsListAndShowEscapeWhatPromptsAndAnswersHold) {
    fs::create_directories(config_dir() / "graphs");
    fs::copy_file(kSourceConfigDir / "graphs" / "direct.yaml",
                  config_dir() / "graphs" / "direct.yaml");
    const std::string hostile = "\x1b]0;pwned title\x07\x1b[2J\x1b[31mRED";
    ollama_.enqueue("/api/chat", Reply::stream({testing::chat_chunk_line(kModel, hostile),
                                                testing::chat_final_line(kModel, {})}));
    const RunResult run = host({"run", "--graph", "direct", "--json", hostile});
    ASSERT_EXIT_CODE(run, kOk);
    const std::string id = parse_json(run.out)["run_id"].GetString();
    for (const RunResult &r : {host({"runs", "list"}), host({"runs", "show", id})}) {
        EXPECT_EXIT_CODE(r, kOk);
        EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
        EXPECT_EQ(r.out.find('\x07'), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("\\x1b]0;pwned title\\x07"), std::string::npos) << r.out;
    }
    // --json escapes them as JSON does, and reads back to the very text.
    const RunResult listed = host({"runs", "list", "--json"});
    EXPECT_EQ(listed.out.find('\x1b'), std::string::npos);
    EXPECT_EQ(std::string(parse_json(listed.out)[0]["input"].GetString()), hostile);
}

// Invalid UTF-8 (issue 12, item 4): a prompt and an answer holding bytes that are not UTF-8 were
// written raw into `runs list --json`, which no strict reader accepts. Each such byte is written
// as U+FFFD; the rest of the text stays as it was.
TEST_F(ErrorsTest, APromptThatIsNotUtf8IsWrittenAsValidJson) {
    fs::create_directories(config_dir() / "graphs");
    fs::copy_file(kSourceConfigDir / "graphs" / "direct.yaml",
                  config_dir() / "graphs" / "direct.yaml");
    const std::string latin1 = "caf\xE9 \xFF\xFE end";
    const std::string replaced = "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD end";
    ollama_.enqueue("/api/chat", Reply::stream({testing::chat_chunk_line(kModel, "ok"),
                                                testing::chat_final_line(kModel, {})}));
    const RunResult run = host({"run", "--graph", "direct", "--json", latin1});
    ASSERT_EXIT_CODE(run, kOk);
    const RunResult listed = host({"runs", "list", "--json"});
    ASSERT_EXIT_CODE(listed, kOk);
    // parse_json fails the test on a document RapidJSON's UTF-8 validation rejects.
    rapidjson::Document strict;
    strict.Parse<rapidjson::kParseValidateEncodingFlag>(listed.out.c_str());
    ASSERT_FALSE(strict.HasParseError()) << listed.out;
    EXPECT_EQ(std::string(strict[0]["input"].GetString()), replaced);
}

// A server that accepts and never answers its control calls (issue 12, item 7): doctor and
// models list end within limits.control_timeout_ms and say which call timed out (a timeout,
// not "cancelled"), instead of waiting for the read timeout (120 s) or for ever.
TEST_F(ErrorsTest, ControlCallsToASilentServerEndWithinTheirBudget) {
    write_config_file("system.yaml", "limits: {control_timeout_ms: 500}\n");
    for (const char *path : {"/api/version", "/api/tags"})
        ollama_.set_default("GET", path, Reply::json(200, "{}").delay_headers(1h));
    const RunResult doctor = host({"doctor"});
    EXPECT_FALSE(doctor.timed_out) << doctor.describe();
    EXPECT_NE(doctor.exit_code, kOk);
    EXPECT_THAT(doctor.out + doctor.err, HasSubstr("/api/version to Ollama at " + ollama_.url() +
                                                   " exceeded the caller's deadline (500 ms)"));
    const RunResult models = host({"models", "list"});
    EXPECT_FALSE(models.timed_out) << models.describe();
    EXPECT_THAT(models.err, HasSubstr("/api/tags to Ollama at " + ollama_.url() +
                                      " exceeded the caller's deadline (500 ms)"));
}

// Issue 12, item 8: "valid" means a run gets past loading. Each of these models.yaml made
// `config check` say valid and the run then fail; now `config check`, `run` and `graph validate`
// stop at the same line with the same exit code, before any model call or recorded run.
TEST_F(ErrorsTest, ConfigCheckAndRunRejectTheSameBackendConfig) {
    struct Case {
        std::string line; // one more line under the backend's config, or a changed type
        std::string message;
        int exit_code;
    };
    const std::vector<Case> cases = {
        {"bogus_key: 1", "unknown key \"bogus_key\"", kConfig},
        {"read_timeout_ms: -1", "read_timeout_ms: must be >= 0, got integer -1", kConfig},
        {"max_retries: 4294967297", "max_retries: must be <= 100, got integer 4294967297", kConfig},
        {"type: olama",
         "no loaded plugin provides backend type \"olama\" (did you mean "
         "\"ollama\"?)",
         kPlugin},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.line);
        std::string text = models_yaml(ollama_.url(), {c.line});
        if (c.line == "type: olama") {
            text = models_yaml(ollama_.url());
            text.replace(text.find("type: ollama"), 12, c.line);
        }
        write_config_file("models.yaml", text);
        const RunResult check = host({"config", "check"});
        EXPECT_EXIT_CODE(check, c.exit_code);
        EXPECT_TRUE(OneErrorLine(check));
        EXPECT_THAT(check.err, HasSubstr(c.message));
        EXPECT_THAT(check.err, HasSubstr("models.yaml:"));
        const RunResult run = host({"run", "hi"});
        EXPECT_EXIT_CODE(run, c.exit_code);
        EXPECT_EQ(run.err, check.err);
        const RunResult validate =
            host({"graph", "validate", (kSourceConfigDir / "graphs" / "direct.yaml").string()});
        EXPECT_EXIT_CODE(validate, c.exit_code);
        EXPECT_EQ(validate.err, check.err);
    }
    EXPECT_EQ(ollama_.count("/api/chat"), 0u);
    const RunResult runs = host({"runs", "list", "--json"});
    EXPECT_EQ(runs.out, "[]\n");
}

// `graph validate` loads the graph as a run does (offline): a tool no plugin provides and a
// template that does not parse were "valid" until the run rejected them.
TEST_F(ErrorsTest, GraphValidateRejectsWhatTheRunRejects) {
    std::ifstream in(kSourceConfigDir / "graphs" / "tools.yaml");
    const std::string tools((std::istreambuf_iterator<char>(in)), {});
    const auto variant = [&](const std::string &from, const std::string &to) {
        std::string text = tools;
        text.replace(text.find(from), from.size(), to);
        return text;
    };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {variant("tools: [calculator, code]", "tools: [calculater, code]"),
         "no tool named \"calculater\" (did you mean \"calculator\"?)"},
        {variant("prompt: \"{{input}}\"", "prompt: \"{{input\""), "invalid template"},
    };
    std::filesystem::create_directories(config_dir() / "graphs");
    for (const auto &[text, message] : cases) {
        SCOPED_TRACE(message);
        write_config_file("graphs/bad.yaml", text);
        const RunResult validate = host({"graph", "validate", "bad"});
        EXPECT_EXIT_CODE(validate, kConfig);
        EXPECT_TRUE(OneErrorLine(validate));
        EXPECT_THAT(validate.err, HasSubstr(message));
        EXPECT_THAT(validate.err, HasSubstr("bad.yaml:"));
        const RunResult check = host({"config", "check"});
        EXPECT_EXIT_CODE(check, kConfig);
        EXPECT_EQ(check.err, validate.err);
        const RunResult run = host({"run", "--graph", "bad", "hi"});
        EXPECT_EXIT_CODE(run, kConfig);
        EXPECT_EQ(run.err, validate.err);
    }
    EXPECT_EQ(ollama_.count("/api/chat"), 0u);
}

// Offline, validation contacts no server: the shipped graphs validate with the server down.
TEST_F(ErrorsTest, ValidationNeverContactsTheModelServer) {
    const RefusingPort down;
    write_config_file("models.yaml", models_yaml(down.url()));
    std::filesystem::create_directories(config_dir() / "graphs");
    for (const auto *graph : {"default", "direct", "tools"}) {
        std::filesystem::copy_file(kSourceConfigDir / "graphs" / (std::string(graph) + ".yaml"),
                                   config_dir() / "graphs" / (std::string(graph) + ".yaml"),
                                   std::filesystem::copy_options::overwrite_existing);
        const RunResult r = host({"graph", "validate", graph});
        EXPECT_EXIT_CODE(r, kOk);
    }
    const RunResult check = host({"config", "check"});
    EXPECT_EXIT_CODE(check, kOk);
    EXPECT_THAT(check.out, HasSubstr("3 graph(s)"));
}

// Issue 12, item 2: one entry fanning out to 500 passthrough branches under `ulimit -v 4000000`
// ended with "terminate called without an active exception" (exit 134): a thread per branch.
// The branches now run on at most limits.max_parallel_branches workers.
TEST_F(ErrorsTest, AWideFanOutUnderAMemoryLimitRunsToTheEnd) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space: a ulimit -v of 4 GB "
                    "leaves it none (the unsanitized run of this test holds the limit)";
#else
    std::string yaml = "id: wide\nversion: 1.0.0\nentry: start\nexits: [end]\n"
                       "limits: {max_steps: 1000}\nnodes:\n"
                       "  - {id: start, type: passthrough}\n"
                       "  - {id: end, type: passthrough, join: all}\n";
    std::string edges = "edges:\n";
    for (int i = 0; i < 500; ++i) {
        const std::string id = "b" + std::to_string(i);
        yaml += "  - {id: " + id + ", type: passthrough}\n";
        edges += "  - {from: start, to: " + id + "}\n  - {from: " + id + ", to: end}\n";
    }
    std::filesystem::create_directories(config_dir() / "graphs");
    write_config_file("graphs/wide.yaml", yaml + edges);
    RunOptions options{{"-c", "ulimit -v 4000000 && exec \"$0\" \"$@\"", kHostBin, "--config",
                        config_dir().string(), "run", "--graph", "wide", "hi"},
                       environment({}),
                       std::nullopt,
                       root().string()};
    const RunResult r = run_process("/bin/sh", std::move(options));
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_TRUE(NoCrashNoise(r.err));
    std::string expected;
    for (int i = 0; i < 500; ++i)
        expected += (i ? "\n\nhi" : "hi");
    EXPECT_EQ(r.out, expected + "\n");
#endif
}

// Runs the host with stdin from `file` (a device or a FIFO), through the shell.
RunResult host_reading(const ErrorsTest &, const std::string &file, std::vector<std::string> args,
                       const Env &env, const std::string &cwd) {
    std::vector<std::string> argv = {"-c", "exec \"$0\" \"$@\" < " + file, kHostBin};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process("/bin/sh", RunOptions{std::move(argv), env, std::nullopt, cwd});
}

// Issue 12, item 6: `tinyllm run < /dev/zero` grew to 557 MB in 11 s; a 100 MB prompt stored
// about 500 MB in runs.db. The input is bounded by limits.max_input_bytes.
TEST_F(ErrorsTest, AnInputLargerThanTheLimitIsAnErrorNamingIt) {
    const RunResult zero =
        host_reading(*this, "/dev/zero", {"--config", config_dir().string(), "run"},
                     environment({}), root().string());
    EXPECT_EXIT_CODE(zero, kFailure);
    EXPECT_TRUE(OneErrorLine(zero));
    EXPECT_THAT(zero.err, HasSubstr("the prompt on stdin is larger than "
                                    "limits.max_input_bytes (1048576 bytes)"));

    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nlimits: {max_input_bytes: 1000}\n");
    const std::string big(1001, 'x');
    for (const auto &args : std::vector<std::vector<std::string>>{
             {"run", big}, {"ask", big}, {"tool", "calculator", big}}) {
        const RunResult r = host(args);
        EXPECT_EXIT_CODE(r, kFailure);
        EXPECT_TRUE(OneErrorLine(r));
        EXPECT_THAT(r.err, HasSubstr("is larger than limits.max_input_bytes (1000 bytes)"));
    }
    const RunResult piped = host({"ask"}, {}, big);
    EXPECT_THAT(piped.err, HasSubstr("the prompt on stdin is larger than"));
    const RunResult fits = host({"ask"}, {}, std::string(1000, 'x'));
    EXPECT_EXIT_CODE(fits, kOk);
    EXPECT_EQ(ollama_.count("/api/chat"), 1u);
    EXPECT_EQ(host({"runs", "list", "--json"}).out.find(big), std::string::npos);
}

// `graph validate /dev/zero` reached 1.9 GB in 16 s; /dev/urandom and a FIFO nobody writes hung.
// Config, graph and prompt files are read up to limits.max_file_bytes, and opening a FIFO does
// not wait for a writer.
TEST_F(ErrorsTest, AFileThatNeverEndsOrNeverComesIsAnError) {
    for (const std::string device : {"/dev/zero", "/dev/urandom"}) {
        const RunResult r = host({"graph", "validate", device});
        EXPECT_EXIT_CODE(r, kConfig);
        EXPECT_TRUE(OneErrorLine(r));
        EXPECT_THAT(r.err,
                    HasSubstr(device + ": larger than limits.max_file_bytes (4194304 bytes)"));
    }
    const std::string fifo = (root() / "graph.fifo").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const RunResult r = host({"graph", "validate", fifo});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr(fifo));
}

// A 1 GB streamed answer reached 4.1 GB RSS in 60 s. One model call may stream at most
// limits.max_answer_bytes; past it the call is cut and the run fails, recorded, naming the limit.
TEST_F(ErrorsTest, AnAnswerThatNeverEndsIsCutAtTheLimit) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nlimits: {max_answer_bytes: 65536}\n");
    const std::vector<std::string> tokens(5000, std::string(100, 'a'));
    ollama_.enqueue("/api/chat", testing::chat_stream(kModel, tokens));
    const RunResult r = host({"ask", "hello"});
    EXPECT_EXIT_CODE(r, kFailure);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("answered more than limits.max_answer_bytes (65536 bytes); "
                                 "the answer was cut"));
    EXPECT_EQ(r.out, "");

    ollama_.enqueue("/api/chat", testing::chat_stream(kModel, tokens));
    const RunResult run =
        host({"run", "--graph", (kSourceConfigDir / "graphs" / "direct.yaml").string(), "hi"});
    EXPECT_EXIT_CODE(run, kFailure);
    EXPECT_THAT(run.err, HasSubstr("limits.max_answer_bytes"));
    const json::Document runs = parse_json(host({"runs", "list", "--json"}).out);
    ASSERT_EQ(runs.Size(), 1u);
    EXPECT_EQ(std::string(runs[0]["status"].GetString()), "failed");
}

// Issue 12, item 7: a server dripping a token every 500 ms held a run as long as it liked. The
// run's budget (limits.request_timeout_ms, 300 s by default) ends it as a timeout, recorded
// with the text it had streamed.
TEST_F(ErrorsTest, AServerDrippingTokensCannotHoldARunPastItsBudget) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nlimits: {request_timeout_ms: 1500}\n");
    ollama_.enqueue("/api/chat", testing::chat_stream(kModel, std::vector<std::string>(40, "drip "))
                                     .with_chunk_delay(std::chrono::milliseconds(500)));
    const auto started = std::chrono::steady_clock::now();
    const RunResult r =
        host({"run", "--graph", (kSourceConfigDir / "graphs" / "direct.yaml").string(), "hi"});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EXIT_CODE(r, kTimeout);
    EXPECT_TRUE(OneErrorLine(r));
    // The 40 tokens would take 20 s; the budget is 1.5 s (generous bound for slow machines).
    EXPECT_LT(took, std::chrono::seconds(15));
    const json::Document runs = parse_json(host({"runs", "list", "--json"}).out);
    ASSERT_EQ(runs.Size(), 1u);
    EXPECT_EQ(std::string(runs[0]["status"].GetString()), "failed");
    const RunResult shown = host({"runs", "show", runs[0]["run_id"].GetString(), "--json"});
    EXPECT_THAT(shown.out, HasSubstr("drip drip"));
}

// Issue 12, item 10: `logging.file: /` was dropped without a word and every command went on.
// A log file that cannot be opened is the config's error: config check and any command say so.
TEST_F(ErrorsTest, ALogFileThatCannotBeOpenedIsAConfigError) {
    write_config_file("system.yaml", "logging:\n  file: /\n");
    for (const std::vector<std::string> &args :
         {std::vector<std::string>{"config", "check"}, {"runs", "list"}}) {
        const RunResult r = host(args);
        EXPECT_EXIT_CODE(r, kConfig);
        EXPECT_THAT(r.err, HasSubstr("system.yaml: logging.file: cannot open the log file /: "
                                     "Is a directory"));
        EXPECT_TRUE(OneErrorLine(r));
    }
}

} // namespace
} // namespace tinyllm::e2e
