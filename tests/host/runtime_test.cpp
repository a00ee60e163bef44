// The runtime end to end inside one process: a config dir written to disk and loaded with
// config::load, a registry holding the C echo plugin and the real Ollama plugin, and FakeOllama
// standing in for the server. What the server received is the proof of what the runtime sent.
#include "runtime/runtime.hpp"

#include "config/config.hpp"
#include "messages/chat.hpp"
#include "plugin/registry.hpp"
#include "runtime/instance_host.hpp"
#include "tinyllm/json.hpp"

#include "fake_ollama.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace tinyllm::runtime {
namespace {

using host_test::error_of;
using host_test::TempDir;
using ::testing::ElementsAre;
using testing::FakeOllama;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Loaded once: plugins are read-only after loading, and dlopen'ing them per test buys nothing.
const plugin::Registry &registry() {
    static const plugin::Registry &r = []() -> const plugin::Registry & {
        static plugin::Registry reg;
        reg.set_log_failures(false);
        reg.load({{host_test::good_dir(), "--plugins", true},
                  {host_test::ollama_plugin(), "--plugins", true}});
        return reg;
    }();
    return r;
}

// A config dir on disk, loaded the way the CLI loads it.
class TestConfig {
public:
    explicit TestConfig(const std::string &models_yaml) {
        dir_.write("system.yaml", "logging: {level: warn}\n");
        models_file_ = dir_.write("models.yaml", models_yaml);
        config::LoadOptions options;
        options.config_dir = dir_.path();
        options.getenv = [](const std::string &name) -> std::optional<std::string> {
            if (name == "HOME") return "/home/tester";
            return std::nullopt;
        };
        config_ = config::load(options);
    }
    const config::Config &get() const { return config_; }
    std::string models_file() const { return models_file_.string(); }

private:
    TempDir dir_;
    std::filesystem::path models_file_;
    config::Config config_;
};

std::string main_models(const FakeOllama &ollama) {
    return "default_model: small\n"
           "backends:\n"
           "  - name: parrot-server\n"
           "    type: echo\n"
           "    config: {prefix: \"> \"}\n"
           "  - name: local\n"
           "    type: ollama\n"
           "    config: {url: \"" +
           ollama.url() +
           "\", max_retries: 0}\n"
           "models:\n"
           "  - name: small\n"
           "    model: qwen2.5:0.5b\n"
           "    backend: local\n"
           "    options: {temperature: 0.2, num_ctx: 4096}\n"
           "    keep_alive: 5m\n"
           "    think: false\n"
           "  - name: parrot\n"
           "    backend: parrot-server\n";
}

json::Document doc(std::string_view text) {
    return json::parse(text, "test document");
}

bool same_json(std::string_view a, const json::Value &b) {
    return doc(a) == b;
}

class RuntimeTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        // The Ollama schema's url has "x-env": "OLLAMA_HOST": a developer's own setting would
        // send these tests to a real server instead of FakeOllama.
        ::unsetenv("OLLAMA_HOST");
        ASSERT_NE(registry().find(TLLM_KIND_BACKEND, "echo").component, nullptr);
        ASSERT_NE(registry().find(TLLM_KIND_BACKEND, "ollama").component, nullptr);
    }

    void SetUp() override { ollama_.set_models({"qwen2.5:0.5b", "llama3.2"}); }

    // A call with no deadline whose events are recorded.
    struct Call {
        CancelToken token;
        std::vector<std::string> events;
        CallContext ctx{token, std::nullopt,
                        [this](std::string_view e) { events.emplace_back(e); }};
    };

    json::Document sent_chat_body() const { return doc(ollama_.last_request("/api/chat").body); }

    FakeOllama ollama_;
    TestConfig config_{main_models(ollama_)};
};

TEST_F(RuntimeTest, CreatesEveryConfiguredBackend) {
    const Runtime runtime(config_.get(), registry());
    ASSERT_EQ(runtime.backends().size(), 2u);
    for (const auto &slot : runtime.backends()) {
        EXPECT_TRUE(slot.backend) << slot.name << ": " << (slot.error ? slot.error->what() : "");
        EXPECT_FALSE(slot.error);
    }
    EXPECT_EQ(runtime.backends()[0].type, "echo");
    EXPECT_EQ(runtime.backend("local").name(), "local");
    EXPECT_STREQ(runtime.backend("local").type(), "ollama");
    const auto e = error_of([&] { runtime.backend("nope"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::not_found);
    EXPECT_STREQ(e->what(), "no backend named \"nope\" in models.yaml");
}

TEST_F(RuntimeTest, ResolvesDefaultConfiguredAndUnconfiguredModels) {
    const Runtime runtime(config_.get(), registry());

    const ResolvedModel def = runtime.resolve("");
    EXPECT_EQ(def.backend, &runtime.backend("local"));
    EXPECT_EQ(def.server_name, "qwen2.5:0.5b");
    ASSERT_NE(def.config, nullptr);
    EXPECT_EQ(def.config->name, "small");

    const ResolvedModel parrot = runtime.resolve("parrot");
    EXPECT_EQ(parrot.backend, &runtime.backend("parrot-server"));
    EXPECT_EQ(parrot.server_name, "parrot"); // model: defaults to the name
    ASSERT_NE(parrot.config, nullptr);

    // Any model the server has can be asked for: it goes to the first backend, name unchanged.
    const ResolvedModel other = runtime.resolve("llama3.2");
    EXPECT_EQ(other.backend, &runtime.backend("parrot-server"));
    EXPECT_EQ(other.server_name, "llama3.2");
    EXPECT_EQ(other.config, nullptr);
}

TEST_F(RuntimeTest, ConfiguredOptionsAreDefaultsTheRequestOverrides) {
    Runtime runtime(config_.get(), registry());
    Call call;
    const std::string response =
        runtime.chat(call.ctx, R"({"model":"small","messages":[{"role":"user","content":"hi"}],)"
                               R"("stream":false,"options":{"temperature":0.9,"seed":7}})");

    const json::Document body = sent_chat_body();
    EXPECT_STREQ(body["model"].GetString(), "qwen2.5:0.5b"); // the server's name for it
    EXPECT_TRUE(same_json(R"({"temperature":0.9,"num_ctx":4096,"seed":7})", body["options"]));
    EXPECT_TRUE(same_json(R"("5m")", body["keep_alive"]));
    EXPECT_TRUE(same_json("false", body["think"]));
    EXPECT_TRUE(same_json("false", body["stream"]));
    EXPECT_TRUE(same_json(R"([{"role":"user","content":"hi"}])", body["messages"]));

    const messages::ChatResponse r = messages::parse_chat_response(response);
    EXPECT_EQ(r.message.content, testing::kDefaultAnswer);
    EXPECT_TRUE(r.done);
}

TEST_F(RuntimeTest, RequestKeepAliveAndThinkWin) {
    Runtime runtime(config_.get(), registry());
    Call call;
    // No model: the default one ("small"), with its options.
    runtime.chat(call.ctx, R"({"messages":[{"role":"user","content":"hi"}],"stream":false,)"
                           R"("keep_alive":0,"think":"high"})");
    const json::Document body = sent_chat_body();
    EXPECT_STREQ(body["model"].GetString(), "qwen2.5:0.5b");
    EXPECT_TRUE(same_json("0", body["keep_alive"]));
    EXPECT_TRUE(same_json(R"("high")", body["think"]));
    EXPECT_TRUE(same_json(R"({"temperature":0.2,"num_ctx":4096})", body["options"]));
}

TEST_F(RuntimeTest, UnconfiguredModelGetsNoConfiguredDefaults) {
    TestConfig ollama_first(
        "backends: [{name: local, type: ollama, config: {url: \"" + ollama_.url() +
        "\"}}]\n"
        "models:\n"
        "  - {name: small, model: qwen2.5:0.5b, options: {temperature: 0.2}, keep_alive: 5m}\n");
    Runtime runtime(ollama_first.get(), registry());
    Call call;
    runtime.chat(call.ctx, R"({"model":"llama3.2","messages":[{"role":"user","content":"hi"}],)"
                           R"("stream":false})");
    const json::Document body = sent_chat_body();
    EXPECT_STREQ(body["model"].GetString(), "llama3.2");
    EXPECT_FALSE(body.HasMember("options"));
    EXPECT_FALSE(body.HasMember("keep_alive"));
    EXPECT_FALSE(body.HasMember("think"));
}

TEST_F(RuntimeTest, NullMembersDoNotUndoWhatTheRuntimeFilledIn) {
    // The parser takes "model": null / "options": null as absent, so the runtime fills in the
    // default model and the configured options; the backend must receive those, not the nulls.
    Runtime runtime(config_.get(), registry());
    Call call;
    EXPECT_NO_THROW(runtime.chat(call.ctx,
                                 R"({"model":null,"messages":[{"role":"user","content":"hi"}],)"
                                 R"("stream":false,"options":null,"keep_alive":null})"));
    const json::Document body = sent_chat_body();
    EXPECT_TRUE(same_json(R"("qwen2.5:0.5b")", body["model"]));
    EXPECT_TRUE(same_json(R"({"temperature":0.2,"num_ctx":4096})", body["options"]));
    EXPECT_TRUE(same_json(R"("5m")", body["keep_alive"]));
}

TEST_F(RuntimeTest, StreamedOllamaChatEmitsTokenEvents) {
    Runtime runtime(config_.get(), registry());
    Call call;
    const std::string response = runtime.chat(
        call.ctx, R"({"model":"small","messages":[{"role":"user","content":"hi"}],"stream":true})");
    std::string streamed;
    for (const auto &e : call.events) {
        const json::Document event = doc(e);
        EXPECT_STREQ(event["type"].GetString(), "token") << e;
        streamed += event["content"].GetString();
    }
    EXPECT_GT(call.events.size(), 1u);
    EXPECT_EQ(streamed, testing::kDefaultAnswer);
    EXPECT_EQ(messages::parse_chat_response(response).message.content, testing::kDefaultAnswer);
}

TEST_F(RuntimeTest, RequestOptionsThatAreNotAnObjectAreRejected) {
    Runtime runtime(config_.get(), registry());
    Call call;
    const auto e = error_of(
        [&] { runtime.chat(call.ctx, R"({"model":"small","messages":[],"options":[1]})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::invalid_argument);
    EXPECT_EQ(ollama_.count("/api/chat"), 0u); // refused before anything was sent
}

TEST_F(RuntimeTest, MalformedRequestIsAnInvalidArgument) {
    Runtime runtime(config_.get(), registry());
    Call call;
    const auto e = error_of([&] { runtime.chat(call.ctx, R"({"model":5,"messages":[]})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::invalid_argument);
    EXPECT_THAT(e->what(), HasSubstr("\"model\" must be a string"));
}

TEST_F(RuntimeTest, InvalidChatResponseFromABackendIsAProtocolError) {
    ollama_.enqueue("/api/chat", testing::Reply::json(200, R"({"model":"qwen2.5:0.5b",)"
                                                           R"("message":{"role":"assistant",)"
                                                           R"("content":"x"},"done":"yes"})"));
    Runtime runtime(config_.get(), registry());
    Call call;
    const auto e = error_of(
        [&] { runtime.chat(call.ctx, R"({"model":"small","messages":[],"stream":false})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::protocol) << e->what();
}

TEST_F(RuntimeTest, EchoCPluginAnswersAndStreamsTokens) {
    Runtime runtime(config_.get(), registry());
    Call call;
    const std::string response = runtime.chat(
        call.ctx, R"({"model":"parrot","messages":[{"role":"user","content":"hello world"}]})");
    const messages::ChatResponse r = messages::parse_chat_response(response);
    EXPECT_EQ(r.model, "echo");
    EXPECT_EQ(r.message.role, "assistant");
    EXPECT_EQ(r.message.content, "> hello world"); // the configured prefix reached create()
    EXPECT_EQ(r.done_reason, "stop");
    EXPECT_EQ(r.eval_count, 1);
    EXPECT_THAT(call.events, ElementsAre(R"({"type":"token","content":"> hello "})",
                                         R"({"type":"token","content":"world"})"));
}

TEST_F(RuntimeTest, PluginErrorsKeepTheirCode) {
    Runtime runtime(config_.get(), registry());
    Call call;
    const auto e = error_of([&] { runtime.chat(call.ctx, R"({"model":"parrot","messages":[]})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::invalid_argument);
    EXPECT_STREQ(e->what(), "echo: the request has no message");
}

TEST_F(RuntimeTest, OperationsABackendLacksAreUnsupported) {
    Runtime runtime(config_.get(), registry());
    Call call;
    Backend &echo = runtime.backend("parrot-server");
    const auto e = error_of([&] { echo.generate(call.ctx, "{}"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::unsupported);
    EXPECT_STREQ(e->what(), "backend parrot-server (echo) does not support generate");
    EXPECT_TRUE(same_json(R"({"models":[{"name":"echo:latest","size":0}]})",
                          doc(echo.list_models(call.ctx))));
}

TEST_F(RuntimeTest, CancelledCallDoesNotReachTheBackend) {
    Runtime runtime(config_.get(), registry());
    Call call;
    call.token.cancel();
    const auto e = error_of(
        [&] { runtime.chat(call.ctx, R"({"model":"small","messages":[],"stream":false})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::cancelled);
    EXPECT_EQ(ollama_.count("/api/chat"), 0u);
}

// --- The services a plugin calls back into (tllm_host.chat / call_tool) ---

TEST_F(RuntimeTest, NestedChatSharesTheParentsCancellation) {
    Runtime runtime(config_.get(), registry());
    Call parent;
    parent.token.cancel(); // e.g. Ctrl-C while the plugin was about to call a model
    const std::string request = R"({"model":"parrot","messages":[{"role":"user","content":"x"}]})";

    const auto e = error_of([&] { runtime.chat(parent.ctx.raw(), request); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::cancelled);

    // The same through the C table a plugin holds.
    InstanceHost host("test:nested", &runtime);
    char *out = nullptr;
    const tllm_status st = host.raw()->chat(host.raw(), parent.ctx.raw(), request.c_str(), &out);
    EXPECT_EQ(st, TLLM_ERR_CANCELLED);
    ASSERT_NE(out, nullptr);
    EXPECT_THAT(out, HasSubstr("cancelled"));
    host.raw()->free_string(host.raw(), out);
    EXPECT_TRUE(parent.events.empty());
}

TEST_F(RuntimeTest, NestedChatStreamsIntoTheParentsEvents) {
    Runtime runtime(config_.get(), registry());
    Call parent;
    InstanceHost host("test:nested", &runtime);
    char *out = nullptr;
    const tllm_status st = host.raw()->chat(
        host.raw(), parent.ctx.raw(),
        R"({"model":"parrot","messages":[{"role":"user","content":"a b"}]})", &out);
    ASSERT_EQ(st, TLLM_OK) << (out ? out : "");
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(messages::parse_chat_response(out).message.content, "> a b");
    host.raw()->free_string(host.raw(), out);
    EXPECT_THAT(parent.events, ElementsAre(R"({"type":"token","content":"> a "})",
                                           R"({"type":"token","content":"b"})"));
    // The nested call's result went to the plugin, not into the parent's own result slot.
    EXPECT_EQ(error_of([&] { parent.ctx.take_output(TLLM_OK, "parent"); })->code(),
              ErrorCode::protocol);
}

TEST_F(RuntimeTest, NestedChatErrorsComeBackAsStatusAndMessage) {
    Runtime runtime(config_.get(), registry());
    Call parent;
    InstanceHost host("test:nested", &runtime);
    char *out = nullptr;
    EXPECT_EQ(host.raw()->chat(host.raw(), parent.ctx.raw(), "not json", &out),
              TLLM_ERR_INVALID_ARGUMENT);
    ASSERT_NE(out, nullptr);
    EXPECT_THAT(out, HasSubstr("invalid JSON"));
    host.raw()->free_string(host.raw(), out);
    EXPECT_EQ(host.raw()->chat(host.raw(), parent.ctx.raw(), "{}", nullptr),
              TLLM_ERR_INVALID_ARGUMENT);
    host.raw()->free_string(host.raw(), nullptr); // allowed
}

TEST_F(RuntimeTest, CallToolIsNotFoundWithAClearMessage) {
    Runtime runtime(config_.get(), registry());
    Call parent;
    const auto e = error_of([&] { runtime.call_tool(parent.ctx.raw(), "search", "{}"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::not_found);
    EXPECT_STREQ(e->what(),
                 "no tool named \"search\" (tools: bad_result, echo, fail, pair, picky, wait)");

    InstanceHost host("test:nested", &runtime);
    char *out = nullptr;
    EXPECT_EQ(host.raw()->call_tool(host.raw(), parent.ctx.raw(), "search", nullptr, &out),
              TLLM_ERR_NOT_FOUND);
    ASSERT_NE(out, nullptr);
    EXPECT_STREQ(out, e->what());
    host.raw()->free_string(host.raw(), out);
}

TEST(InstanceHost, WithoutServicesModelAndToolCallsAreUnsupported) {
    InstanceHost host("test:standalone", nullptr);
    const tllm_host *h = host.raw();
    EXPECT_EQ(h->struct_size, sizeof(tllm_host));
    EXPECT_EQ(h->abi.major, static_cast<uint32_t>(TLLM_ABI_VERSION_MAJOR));
    EXPECT_EQ(h->abi.minor, static_cast<uint32_t>(TLLM_ABI_VERSION_MINOR));
    h->log(h, TLLM_LOG_DEBUG, "a line from a test plugin");
    h->log(h, TLLM_LOG_ERROR, nullptr); // ignored

    CallContext call(CancelToken{}, std::nullopt, {});
    char *out = nullptr;
    EXPECT_EQ(h->chat(h, call.raw(), "{}", &out), TLLM_ERR_UNSUPPORTED);
    ASSERT_NE(out, nullptr);
    EXPECT_STREQ(out, "model calls are not available here");
    h->free_string(h, out);
    out = nullptr;
    EXPECT_EQ(h->call_tool(h, call.raw(), "t", "{}", &out), TLLM_ERR_UNSUPPORTED);
    ASSERT_NE(out, nullptr);
    EXPECT_STREQ(out, "tool calls are not available here");
    h->free_string(h, out);
}

// --- Backends that cannot be created are recorded, and the rest keep working ---

TEST_F(RuntimeTest, BackendCreationErrorsAreRecordedWithTheirSource) {
    TestConfig broken("backends:\n"                      // 1
                      "  - name: parrot-server\n"        // 2
                      "    type: echo\n"                 // 3
                      "  - name: gpu\n"                  // 4
                      "    type: vllm\n"                 // 5
                      "  - name: strict\n"               // 6
                      "    type: ollama\n"               // 7
                      "    config:\n"                    // 8
                      "      connect_timeout_ms: soon\n" // 9
                      "  - name: odd-url\n"              // 10
                      "    type: ollama\n"               // 11
                      "    config: {url: \"ftp://x\"}\n" // 12
                      "models:\n"
                      "  - {name: on-gpu, backend: gpu}\n"
                      "  - {name: p, backend: parrot-server}\n");
    Runtime runtime(broken.get(), registry());
    ASSERT_EQ(runtime.backends().size(), 4u);
    const auto &slots = runtime.backends();
    EXPECT_TRUE(slots[0].backend);

    // No plugin provides the type: a plugin problem, located at the backend's entry.
    ASSERT_TRUE(slots[1].error);
    EXPECT_FALSE(slots[1].backend);
    EXPECT_EQ(slots[1].type, "vllm");
    EXPECT_EQ(slots[1].error->code(), ErrorCode::plugin);
    EXPECT_THAT(slots[1].error->what(), StartsWith(broken.models_file() + ":4:"));
    EXPECT_THAT(slots[1].error->what(),
                HasSubstr("backend gpu: no loaded plugin provides backend type \"vllm\" "
                          "(available: echo"));
    EXPECT_THAT(slots[1].error->what(), HasSubstr("ollama)")); // the list names what exists

    // The config breaks the plugin's schema: a config problem at file:line:column of the value.
    ASSERT_TRUE(slots[2].error);
    EXPECT_EQ(slots[2].error->code(), ErrorCode::config);
    EXPECT_THAT(slots[2].error->what(), StartsWith(broken.models_file() + ":9:27: "));
    EXPECT_THAT(slots[2].error->what(), HasSubstr("connect_timeout_ms"));

    // The plugin's create() refuses a value the schema allowed: still a config problem, located
    // at the backend's config, with the plugin's reason.
    ASSERT_TRUE(slots[3].error);
    EXPECT_EQ(slots[3].error->code(), ErrorCode::config);
    EXPECT_THAT(slots[3].error->what(), StartsWith(broken.models_file() + ":12:"));
    EXPECT_THAT(slots[3].error->what(), HasSubstr("backend odd-url (ollama): create failed: "));
    EXPECT_THAT(slots[3].error->what(), HasSubstr("unsupported scheme \"ftp\""));

    // Using a broken backend raises its recorded error; the healthy one still answers.
    const auto e = error_of([&] { runtime.resolve("on-gpu"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::plugin);
    EXPECT_STREQ(e->what(), slots[1].error->what());
    Call call;
    EXPECT_NO_THROW(runtime.chat(call.ctx, R"({"model":"p","messages":[{"role":"user",)"
                                           R"("content":"still here"}]})"));
}

TEST_F(RuntimeTest, EchoConfigIsCheckedAgainstItsSchema) {
    TestConfig broken("backends:\n"
                      "  - name: e\n"
                      "    type: echo\n"
                      "    config: {prefix: 5}\n"
                      "models: [{name: m}]\n");
    Runtime runtime(broken.get(), registry());
    ASSERT_TRUE(runtime.backends()[0].error);
    EXPECT_EQ(runtime.backends()[0].error->code(), ErrorCode::config);
    EXPECT_THAT(runtime.backends()[0].error->what(), StartsWith(broken.models_file() + ":4:"));
    EXPECT_THAT(runtime.backends()[0].error->what(), HasSubstr("prefix"));
}

} // namespace
} // namespace tinyllm::runtime
