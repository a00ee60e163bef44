// `tinyllm node` end to end: one node component called on its own with the test nodes from the
// build tree (plain and JSON messages, --config checked against the schema, "set" outputs
// applied, routes, --json) and the shipped model node against the fake Ollama.
#include "e2e_support.hpp"

#include <chrono>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

class NodeTest : public E2ETest {
protected:
    // `tinyllm node ARGS... --plugins <the test plugins>`.
    RunResult node(std::vector<std::string> args,
                   std::optional<std::string> stdin_text = std::nullopt) const {
        args.insert(args.begin(), "node");
        args.push_back("--plugins");
        args.push_back(kGoodPluginDir.string());
        return host(std::move(args), {}, std::move(stdin_text));
    }
};

TEST_F(NodeTest, PlainTextIsARunsFirstMessageAndConfigIsTheNodes) {
    const RunResult r = node({"append", "hello", "--config", R"({"text":"-x"})"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "hello-x\n");
    EXPECT_EQ(r.err, "");

    // Without --config the schema's default ("") applies; several words are one message.
    EXPECT_EQ(node({"append", "hello", "world"}).out, "hello world\n");
    // - (or no MESSAGE) reads stdin.
    EXPECT_EQ(node({"append", "-", "--config", R"({"text":"!"})"}, "piped").out, "piped!\n");
    EXPECT_EQ(node({"append", "--config", R"({"text":"!"})"}, "piped").out, "piped!\n");
}

TEST_F(NodeTest, JsonOutputIsTheResultingMessageRouteAndDuration) {
    const RunResult r = node({"append", "hello", "--config", R"({"text":"-x"})", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    ASSERT_TRUE(doc.HasMember("message") && doc["message"].IsObject()) << r.out;
    const json::Value &message = doc["message"];
    EXPECT_STREQ(message["input"].GetString(), "hello");
    EXPECT_STREQ(message["content"].GetString(), "hello-x");
    EXPECT_STREQ(message["route"].GetString(), "");
    EXPECT_EQ(message["attempt"].GetInt(), 1);
    EXPECT_TRUE(message["data"].IsObject());
    EXPECT_STREQ(doc["route"].GetString(), "");
    ASSERT_TRUE(doc["duration_ms"].IsInt64()) << r.out;
    EXPECT_GE(doc["duration_ms"].GetInt64(), 0);
    EXPECT_EQ(doc.MemberCount(), 3u) << r.out;
}

TEST_F(NodeTest, AFullMessageGoesToTheNodeAsGiven) {
    const RunResult r = node(
        {"append", R"({"input":"q","content":"draft","route":"","attempt":1,"data":{"k":[1,2]}})",
         "--config", R"({"text":" v2"})", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_STREQ(doc["message"]["input"].GetString(), "q");
    EXPECT_STREQ(doc["message"]["content"].GetString(), "draft v2");
    EXPECT_EQ(doc["message"]["data"]["k"].Size(), 2u);

    const RunResult plain = node({"append", R"({"input":"q","content":"draft"})"});
    ASSERT_EXIT_CODE(plain, kOk);
    EXPECT_EQ(plain.out, "draft\n");
}

TEST_F(NodeTest, ASetOutputIsAppliedOverTheMessageAndItsRouteReported) {
    const std::string config = R"({"fields":{"content":"changed","extra":7},"route":"fast"})";
    const RunResult r = node({"set", "hello", "--config", config});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "changed\n");
    EXPECT_EQ(r.err, "route: fast\n");

    const RunResult json = node({"set", "hello", "--config", config, "--json"});
    ASSERT_EXIT_CODE(json, kOk);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsObject()) << json.out;
    EXPECT_STREQ(doc["route"].GetString(), "fast");
    EXPECT_STREQ(doc["message"]["route"].GetString(), "fast");
    EXPECT_STREQ(doc["message"]["input"].GetString(), "hello");
    EXPECT_EQ(doc["message"]["extra"].GetInt(), 7);

    // A node's output as {"set": ...} (what the model node returns) is merged the executor's
    // way: the input message keeps its other members.
    const RunResult fixed =
        node({"fixed", R"({"content":"old","keep":true})", "--config",
              R"({"output":"{\"set\":{\"content\":\"new\"},\"route\":\"r\"}"})", "--json"});
    ASSERT_EXIT_CODE(fixed, kOk);
    const json::Document merged = parse_json(fixed.out);
    ASSERT_TRUE(merged.IsObject()) << fixed.out;
    EXPECT_STREQ(merged["message"]["content"].GetString(), "new");
    EXPECT_TRUE(merged["message"]["keep"].GetBool());
    EXPECT_STREQ(merged["route"].GetString(), "r");

    const RunResult routed =
        node({"route_by", R"({"content":"c","kind":"slow"})", "--config", R"({"field":"kind"})"});
    ASSERT_EXIT_CODE(routed, kOk);
    EXPECT_EQ(routed.out, "c\n");
    EXPECT_EQ(routed.err, "route: slow\n");
}

TEST_F(NodeTest, UnknownNodeIsNotFoundWithASuggestion) {
    const RunResult r = node({"apend", "hello"});
    EXPECT_EXIT_CODE(r, kNotFound);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("(did you mean \"append\"?)"));
    EXPECT_EQ(r.out, "");

    const RunResult far = node({"zzzzzzzz", "hello"});
    EXPECT_EXIT_CODE(far, kNotFound);
    EXPECT_TRUE(OneErrorLine(far));
    EXPECT_THAT(far.err, HasSubstr("available: "));
    EXPECT_THAT(far.err, HasSubstr("append"));
}

TEST_F(NodeTest, ConfigIsCheckedAgainstTheSchemaAsInAGraph) {
    const RunResult wrong_type = node({"append", "hello", "--config", R"({"text":5})"});
    EXPECT_EXIT_CODE(wrong_type, kConfig);
    EXPECT_TRUE(OneErrorLine(wrong_type));
    EXPECT_THAT(wrong_type.err, HasSubstr("--config: text: "));

    const RunResult unknown_key = node({"append", "hello", "--config", R"({"txt":"-x"})"});
    EXPECT_EXIT_CODE(unknown_key, kConfig);
    EXPECT_TRUE(OneErrorLine(unknown_key));
    EXPECT_THAT(unknown_key.err, HasSubstr("(did you mean \"text\"?)"));

    const RunResult not_json = node({"append", "hello", "--config", R"({"text":)"});
    EXPECT_EXIT_CODE(not_json, kUsage);
    EXPECT_TRUE(OneErrorLine(not_json));
    EXPECT_THAT(not_json.err, HasSubstr("--config: invalid JSON"));

    // A create() that refuses its config (TLLM_ERR_INVALID_ARGUMENT) is a config error, as when
    // a graph is built.
    const RunResult refused = node({"fail", "hello", "--config", R"({"on_create":true})"});
    EXPECT_EXIT_CODE(refused, kConfig);
    EXPECT_TRUE(OneErrorLine(refused));
    EXPECT_THAT(refused.err, HasSubstr("refusing to be created"));
}

TEST_F(NodeTest, ConfigDirAfterTheCommandStillWorks) {
    // --config with a directory (not '{...}') keeps its meaning for every command.
    const RunResult r = run({"node", "append", "hello", "--config", config_dir().string(),
                             "--config", R"({"text":"-x"})", "--plugins", kGoodPluginDir.string()});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "hello-x\n");
}

TEST_F(NodeTest, BadMessagesAreUsageErrors) {
    const RunResult bad = node({"append", R"({"content":)"});
    EXPECT_EXIT_CODE(bad, kUsage);
    EXPECT_TRUE(OneErrorLine(bad));
    EXPECT_THAT(bad.err, HasSubstr("MESSAGE: invalid JSON"));

    const RunResult none = node({"append"}, "");
    EXPECT_EXIT_CODE(none, kUsage);
    EXPECT_TRUE(OneErrorLine(none));

    const RunResult no_name = host({"node"});
    EXPECT_EXIT_CODE(no_name, kUsage);
    EXPECT_TRUE(OneErrorLine(no_name));
}

TEST_F(NodeTest, AFailingNodeIsOneErrorLineWithItsCode) {
    const RunResult r = node({"fail", "hello"});
    EXPECT_EXIT_CODE(r, kUnavailable); // the test node's default status
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("node fail failed: fail node: unavailable"));
    EXPECT_EQ(r.out, "");

    const RunResult remote = node({"fail", "hello", "--config", R"({"status":"remote"})"});
    EXPECT_EXIT_CODE(remote, kFailure);
    EXPECT_TRUE(OneErrorLine(remote));

    // A node that does not stop by itself is stopped by --timeout, cooperative ones in time.
    const RunResult slow =
        node({"sleep", "hello", "--config", R"({"ms":5000})", "--timeout", "100"});
    EXPECT_EXIT_CODE(slow, kTimeout);
    EXPECT_TRUE(OneErrorLine(slow));

    const RunResult bad_output = node({"fixed", "hello", "--config", R"({"output":"[1]"})"});
    EXPECT_EXIT_CODE(bad_output, kFailure);
    EXPECT_TRUE(OneErrorLine(bad_output));
    EXPECT_THAT(bad_output.err, HasSubstr("not a JSON object"));
}

// A node stuck in a plugin that never polls is_cancelled is left behind 2 s after its deadline,
// as `run` leaves one; the command ends with one line naming it.
TEST_F(NodeTest, ANodeThatIgnoresItsDeadlineIsLeftBehind) {
    const auto start = std::chrono::steady_clock::now();
    const RunResult r = node({"raw_spin", "{}", "--timeout", "200"});
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EQ(r.signal, 0) << r.describe();
    EXPECT_EXIT_CODE(r, kTimeout);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("node raw_spin (raw_spin) did not stop when its deadline passed "
                                 "(2000 ms later it was still running)"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

// A plugin whose activate ignores its deadline (limits.request_timeout_ms) does not hold the
// command: 2 s later one line names the instance and the command exits 6.
TEST_F(NodeTest, AnActivateThatNeverReturnsEndsTheCommand) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nlimits: {request_timeout_ms: 200}\n");
    const RunResult r = node({"raw_spin_activate", "{}"});
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EQ(r.signal, 0) << r.describe();
    EXPECT_EXIT_CODE(r, kTimeout);
    EXPECT_EQ(r.err, "tinyllm: error: node raw_spin_activate did not return from activate within "
                     "2200 ms (limits.request_timeout_ms, and 2000 ms more after its deadline)\n");
    EXPECT_EQ(r.out, "");
}

TEST_F(NodeTest, TheModelNodeAsksTheModelServer) {
    const RunResult r = node({"model", "What is 2+2?", "--config", R"({"prompt":"{{input}}"})"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, kAnswerLine);
    EXPECT_EQ(r.err, "");
    const json::Document request = parse_json(ollama_.last_request("/api/chat").body);
    ASSERT_TRUE(request.IsObject());
    const json::Value &messages = request["messages"];
    ASSERT_GE(messages.Size(), 1u);
    EXPECT_STREQ(messages[messages.Size() - 1]["content"].GetString(), "What is 2+2?");

    const RunResult json =
        node({"model", "What is 2+2?", "--config", R"({"prompt":"{{input}}"})", "--json"});
    ASSERT_EXIT_CODE(json, kOk);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsObject()) << json.out;
    EXPECT_EQ(std::string(doc["message"]["content"].GetString()), testing::kDefaultAnswer);
    EXPECT_STREQ(doc["message"]["input"].GetString(), "What is 2+2?");
}

TEST_F(NodeTest, HelpDocumentsTheCommand) {
    const RunResult r = host({"node", "--help"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("Usage: tinyllm node NAME [MESSAGE] [--config JSON] [--json]"));
    EXPECT_THAT(r.out, HasSubstr("--timeout MS"));
    const RunResult main = host({"--help"});
    EXPECT_THAT(main.out, HasSubstr("  node "));
}

} // namespace
} // namespace tinyllm::e2e
