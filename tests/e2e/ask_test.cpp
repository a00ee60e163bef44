// `tinyllm ask` on the happy paths: streaming, what goes over the wire, --json, stdin,
// OLLAMA_HOST, and Ctrl-C.
#include "e2e_support.hpp"

#include <csignal>
#include <fstream>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

using AskTest = E2ETest;

// The /api/chat request the fake received last, parsed.
json::Document last_chat(const testing::FakeOllama &ollama) {
    return parse_json(ollama.last_request("/api/chat").body);
}

TEST_F(AskTest, StreamsTheAnswerAndSendsTheConfiguredRequest) {
    const RunResult r = host({"ask", "hello"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, kAnswerLine);
    EXPECT_EQ(r.err, "");
    ASSERT_EQ(ollama_.count("/api/chat"), 1u);

    const json::Document req = last_chat(ollama_);
    ASSERT_TRUE(req.IsObject());
    EXPECT_STREQ(req["model"].GetString(), kModel);
    ASSERT_TRUE(req.HasMember("stream"));
    EXPECT_TRUE(req["stream"].GetBool());
    ASSERT_EQ(req["messages"].Size(), 1u);
    EXPECT_STREQ(req["messages"][0]["role"].GetString(), "user");
    EXPECT_STREQ(req["messages"][0]["content"].GetString(), "hello");
    // models.yaml's options and keep_alive go to the server as they are.
    ASSERT_TRUE(req.HasMember("options")) << json::to_string(req);
    EXPECT_DOUBLE_EQ(req["options"]["temperature"].GetDouble(), 0.2);
    EXPECT_EQ(req["options"]["num_ctx"].GetInt(), 4096);
    ASSERT_TRUE(req.HasMember("keep_alive")) << json::to_string(req);
    EXPECT_STREQ(req["keep_alive"].GetString(), "5m");
}

TEST_F(AskTest, FlagsOverrideTheConfigAndAddASystemMessage) {
    const RunResult r = host({"ask", "--model", kBigModel, "--system", "be brief", "--temperature",
                              "0.9", "--seed", "42", "what", "is", "2+2"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, kAnswerLine);

    const json::Document req = last_chat(ollama_);
    ASSERT_TRUE(req.IsObject());
    EXPECT_STREQ(req["model"].GetString(), kBigModel);
    ASSERT_EQ(req["messages"].Size(), 2u) << json::to_string(req);
    EXPECT_STREQ(req["messages"][0]["role"].GetString(), "system");
    EXPECT_STREQ(req["messages"][0]["content"].GetString(), "be brief");
    EXPECT_STREQ(req["messages"][1]["role"].GetString(), "user");
    // Several PROMPT words are one prompt, as a shell user expects.
    EXPECT_STREQ(req["messages"][1]["content"].GetString(), "what is 2+2");
    // --temperature wins over models.yaml; the other configured options stay.
    EXPECT_DOUBLE_EQ(req["options"]["temperature"].GetDouble(), 0.9);
    EXPECT_EQ(req["options"]["num_ctx"].GetInt(), 4096);
    EXPECT_EQ(req["options"]["seed"].GetInt(), 42);
}

TEST_F(AskTest, JsonPrintsTheWholeResponse) {
    const RunResult r = host({"ask", "--json", "hello"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_STREQ(doc["message"]["role"].GetString(), "assistant");
    EXPECT_EQ(std::string(doc["message"]["content"].GetString()), testing::kDefaultAnswer);
    ASSERT_TRUE(doc.HasMember("eval_count")) << r.out;
    EXPECT_EQ(doc["eval_count"].GetInt(),
              static_cast<int>(testing::default_answer_tokens().size()));
    EXPECT_TRUE(doc["done"].GetBool());
    EXPECT_EQ(r.err, "");
}

TEST_F(AskTest, PromptFromStdin) {
    const RunResult r = host({"ask"}, {}, std::string("summarise this\nplease\n"));
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, kAnswerLine);
    const json::Document req = last_chat(ollama_);
    ASSERT_TRUE(req.IsObject());
    EXPECT_THAT(req["messages"][0]["content"].GetString(), HasSubstr("summarise this\nplease"));

    // "-" means stdin as well.
    const RunResult dash = host({"ask", "-"}, {}, std::string("from a pipe"));
    ASSERT_EXIT_CODE(dash, kOk);
    EXPECT_STREQ(last_chat(ollama_)["messages"][0]["content"].GetString(), "from a pipe");

    // Nothing on stdin and no PROMPT: a usage error, and no request.
    const RunResult none = host({"ask"});
    EXPECT_EXIT_CODE(none, kUsage);
    EXPECT_TRUE(OneErrorLine(none));
    EXPECT_THAT(none.err, HasSubstr("PROMPT"));
    EXPECT_EQ(ollama_.count("/api/chat"), 2u);
}

TEST_F(AskTest, OllamaHostOverridesTheConfiguredUrl) {
    const RefusingPort dead;
    write_config_file("models.yaml", models_yaml(dead.url()));
    const RunResult r = host({"ask", "hello"}, {{"OLLAMA_HOST", ollama_.host_port()}});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, kAnswerLine);
    EXPECT_EQ(ollama_.count("/api/chat"), 1u);

    // And through TINYLLM_CONFIG instead of --config, the other documented way.
    const RunResult env = run({"ask", "hello"}, {{"OLLAMA_HOST", ollama_.host_port()},
                                                 {"TINYLLM_CONFIG", config_dir().string()}});
    ASSERT_EXIT_CODE(env, kOk);
    EXPECT_EQ(env.out, kAnswerLine);
}

TEST_F(AskTest, ThinkingGoesToStderrAndFormatIsSent) {
    // A thinking model streams its thoughts first; they are not the answer, so not stdout.
    ollama_.enqueue("/api/chat",
                    testing::Reply::stream()
                        .add_line(R"({"model":"qwen2.5:0.5b","created_at":")" +
                                  testing::rfc3339_now() +
                                  R"(","message":{"role":"assistant","content":"",)"
                                  R"("thinking":"Let me think about it."},"done":false})")
                        .add_line(testing::chat_chunk_line(kModel, "{\"answer\":4}"))
                        .add_line(testing::chat_final_line(kModel, {})));
    const RunResult r = host({"ask", "--think", "--format", "json", "what is 2+2"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "{\"answer\":4}\n");
    EXPECT_THAT(r.err, HasSubstr("Let me think about it."));
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("\033"))) << "NO_COLOR and a pipe: no colour";

    const json::Document req = last_chat(ollama_);
    ASSERT_TRUE(req.IsObject());
    ASSERT_TRUE(req.HasMember("think")) << json::to_string(req);
    EXPECT_TRUE(req["think"].GetBool());
    ASSERT_TRUE(req.HasMember("format")) << json::to_string(req);
    EXPECT_STREQ(req["format"].GetString(), "json");

    // A JSON Schema is sent as an object, not as a string.
    const RunResult schema = host({"ask", "--format", R"({"type":"object"})", "hi"});
    ASSERT_EXIT_CODE(schema, kOk);
    const json::Document req2 = last_chat(ollama_);
    ASSERT_TRUE(req2.IsObject());
    ASSERT_TRUE(req2["format"].IsObject()) << json::to_string(req2);
    EXPECT_STREQ(req2["format"]["type"].GetString(), "object");

    const RunResult bad = host({"ask", "--format", "{not json", "hi"});
    EXPECT_EXIT_CODE(bad, kUsage);
    EXPECT_TRUE(OneErrorLine(bad));
    EXPECT_THAT(bad.err, HasSubstr("--format"));
}

TEST_F(AskTest, TextSurvivesTheRoundTripByteForByte) {
    // Quotes, backslashes, newlines and non-ASCII in the prompt reach the server intact.
    const std::string prompt = "say \"hi\" \\ back\nslash \xE2\x82\xAC and \xF0\x9F\x98\x80";
    ASSERT_EXIT_CODE(host({"ask", prompt}), kOk);
    EXPECT_STREQ(last_chat(ollama_)["messages"][0]["content"].GetString(), prompt.c_str());

    // An answer whose UTF-8 characters are split across network reads comes out whole.
    const std::string euro = testing::chat_chunk_line(kModel, "5 \xE2\x82\xAC");
    const std::string smile = testing::chat_chunk_line(kModel, " \xF0\x9F\x98\x80");
    ollama_.enqueue("/api/chat",
                    testing::Reply::stream()
                        .add_split_line(euro, euro.find("\xE2\x82\xAC") + 1, 20ms)
                        .add_split_line(smile, smile.find("\xF0\x9F\x98\x80") + 2, 20ms)
                        .add_line(testing::chat_final_line(kModel, {})));
    const RunResult split = host({"ask", "price?"});
    ASSERT_EXIT_CODE(split, kOk);
    EXPECT_EQ(split.out, "5 \xE2\x82\xAC \xF0\x9F\x98\x80\n");

    // A long answer (far more than a pipe buffer) streams through without loss.
    std::vector<std::string> tokens;
    std::string expected;
    for (int i = 0; i < 20000; ++i) {
        tokens.push_back("token" + std::to_string(i) + " ");
        expected += tokens.back();
    }
    ollama_.enqueue("/api/chat", testing::chat_stream(kModel, tokens));
    const RunResult big = host({"ask", "go on"});
    ASSERT_EXIT_CODE(big, kOk);
    EXPECT_EQ(big.out.size(), expected.size() + 1);
    EXPECT_TRUE(big.out == expected + "\n") << "the streamed answer differs";
}

TEST_F(AskTest, ConfigDirDiscoveryOrder) {
    // The run's working dir holds ./config (the fixture's): found with no flag at all.
    const RunResult cwd = run({"ask", "hello"});
    ASSERT_EXIT_CODE(cwd, kOk);
    EXPECT_EQ(cwd.out, kAnswerLine);

    // TINYLLM_CONFIG beats ./config, and --config beats TINYLLM_CONFIG. The other dir points at
    // a dead server, so which one was used shows in the exit code.
    const RefusingPort dead;
    const fs::path other = root() / "other";
    fs::create_directories(other);
    fs::copy_file(config_dir() / "system.yaml", other / "system.yaml");
    { std::ofstream(other / "models.yaml") << models_yaml(dead.url()); }
    const RunResult env = run({"ask", "hello"}, {{"TINYLLM_CONFIG", other.string()}});
    EXPECT_EXIT_CODE(env, kUnavailable);
    EXPECT_THAT(env.err, HasSubstr(dead.url()));
    const RunResult flag = run({"--config", config_dir().string(), "ask", "hello"},
                               {{"TINYLLM_CONFIG", other.string()}});
    EXPECT_EXIT_CODE(flag, kOk);

    // With no ./config, the user's ~/.config/tinyllm (HOME is the temp dir).
    fs::rename(config_dir(), root() / ".config-moved");
    fs::create_directories(root() / ".config");
    fs::rename(root() / ".config-moved", root() / ".config" / "tinyllm");
    const RunResult home = run({"ask", "hello"});
    EXPECT_EXIT_CODE(home, kOk);
    EXPECT_EQ(home.out, kAnswerLine);
}

TEST_F(AskTest, CtrlCCancelsAStreamingAnswer) {
    // The first token at once, then a long pause: Ctrl-C lands while the host waits for more.
    ollama_.enqueue("/api/chat", testing::Reply::stream()
                                     .add_line(testing::chat_chunk_line(kModel, "Hello"))
                                     .add_line(testing::chat_chunk_line(kModel, " there"), 1h)
                                     .add_line(testing::chat_final_line(kModel, {})));
    const auto process = start({"ask", "--stream", "hello"});
    ASSERT_TRUE(process->wait_for_stdout("Hello"))
        << "no first token; stdout: " << process->out_so_far()
        << "\nstderr: " << process->err_so_far();
    process->send_signal(SIGINT);
    const RunResult r = process->finish();
    EXPECT_FALSE(r.timed_out) << r.describe();
    EXPECT_EXIT_CODE(r, kCancelled);
    EXPECT_EQ(r.signal, 0) << "the host must handle SIGINT, not die of it";
    EXPECT_THAT(r.out, ::testing::StartsWith("Hello"));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("there")));
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("cancelled"));
}

// SIGTERM and SIGHUP (issue 12, item 10) stop a command as Ctrl-C does: cancelled cleanly,
// exit 130, one error line, never killed by the signal.
TEST_F(AskTest, SigtermAndSighupCancelLikeCtrlC) {
    for (const int sig : {SIGTERM, SIGHUP}) {
        ollama_.enqueue("/api/chat", testing::Reply::stream()
                                         .add_line(testing::chat_chunk_line(kModel, "Hello"))
                                         .add_line(testing::chat_chunk_line(kModel, " there"), 1h)
                                         .add_line(testing::chat_final_line(kModel, {})));
        const auto process = start({"ask", "--stream", "hello"});
        ASSERT_TRUE(process->wait_for_stdout("Hello")) << process->err_so_far();
        process->send_signal(sig);
        const RunResult r = process->finish();
        EXPECT_FALSE(r.timed_out) << r.describe();
        EXPECT_EQ(r.signal, 0) << "signal " << sig << ": the host must handle it, not die of it";
        EXPECT_EXIT_CODE(r, kCancelled);
        EXPECT_TRUE(OneErrorLine(r));
        EXPECT_THAT(r.err, HasSubstr("cancelled"));
    }
}

} // namespace
} // namespace tinyllm::e2e
