// The runtime end to end inside one process: a config dir written to disk and loaded with
// config::load, a registry holding the C echo plugin and the real Ollama plugin, and FakeOllama
// standing in for the server. What the server received is the proof of what the runtime sent.
#include "runtime/runtime.hpp"

#include "config/config.hpp"
#include "messages/chat.hpp"
#include "plugin/registry.hpp"
#include "runtime/instance_host.hpp"
#include "runtime/node.hpp"
#include "tinyllm/json.hpp"

#include "fake_ollama.hpp"
#include "test_support.hpp"

#include <tinyllm/plugin.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
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

// Runtime::chat over requests and answers written as JSON (Ollama's documents): the typed
// request is what a plugin's C request or `ask` becomes.
std::string chat_json(Runtime &runtime, CallContext &call, std::string_view request) {
    return messages::to_json(runtime.chat(call, messages::parse_chat_request(request)));
}
std::string chat_json(Runtime &runtime, const tllm_call *parent, std::string_view request) {
    return messages::to_json(runtime.chat(parent, messages::parse_chat_request(request)));
}

// What a plugin gets from tinyllm.chat/1.
struct ServiceAnswer {
    tllm_status status = TLLM_ERR_INTERNAL;
    std::string content; // or the error message
    std::string thinking, tool_calls, done_reason;
    int64_t prompt_tokens = -2, completion_tokens = -2;
};

ServiceAnswer chat_service_call(const tllm_host *h, const tllm_call *call,
                                const tllm_chat_request *request) {
    const auto *chat =
        static_cast<const tllm_chat_service_v1 *>(h->get_service(h, TLLM_SERVICE_CHAT));
    EXPECT_NE(chat, nullptr);
    tllm_chat_result result = TLLM_CHAT_RESULT_INIT;
    ServiceAnswer a;
    a.status = chat->chat(h, call, request, &result);
    const auto text = [](const char *s) { return s != nullptr ? std::string(s) : std::string(); };
    if (a.status == TLLM_OK) {
        EXPECT_NE(result.content, nullptr);
        EXPECT_EQ(result.error, nullptr);
        a.content.assign(result.content, result.content_size);
        a.thinking = text(result.thinking);
        a.tool_calls = text(result.tool_calls_json);
        a.done_reason = text(result.done_reason);
        a.prompt_tokens = result.prompt_tokens;
        a.completion_tokens = result.completion_tokens;
    } else {
        EXPECT_EQ(result.content, nullptr); // only the error on a failure
        EXPECT_NE(result.error, nullptr);
        a.content = text(result.error);
    }
    chat->free_result(h, &result);
    EXPECT_EQ(result.content, nullptr);
    EXPECT_EQ(result.error, nullptr);
    EXPECT_EQ(result.struct_size, sizeof result);
    return a;
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
        chat_json(runtime, call.ctx,
                  R"({"model":"small","messages":[{"role":"user","content":"hi"}],)"
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
    chat_json(runtime, call.ctx,
              R"({"messages":[{"role":"user","content":"hi"}],"stream":false,)"
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
    chat_json(runtime, call.ctx,
              R"({"model":"llama3.2","messages":[{"role":"user","content":"hi"}],)"
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
    EXPECT_NO_THROW(chat_json(runtime, call.ctx,
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
    const std::string response =
        chat_json(runtime, call.ctx,
                  R"({"model":"small","messages":[{"role":"user","content":"hi"}],"stream":true})");
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
        [&] { chat_json(runtime, call.ctx, R"({"model":"small","messages":[],"options":[1]})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::invalid_argument);
    EXPECT_EQ(ollama_.count("/api/chat"), 0u); // refused before anything was sent
}

TEST_F(RuntimeTest, MalformedRequestIsAnInvalidArgument) {
    Runtime runtime(config_.get(), registry());
    Call call;
    const auto e = error_of([&] { chat_json(runtime, call.ctx, R"({"model":5,"messages":[]})"); });
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
        [&] { chat_json(runtime, call.ctx, R"({"model":"small","messages":[],"stream":false})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::protocol) << e->what();
}

TEST_F(RuntimeTest, EchoCPluginAnswersAndStreamsTokens) {
    Runtime runtime(config_.get(), registry());
    Call call;
    const std::string response =
        chat_json(runtime, call.ctx,
                  R"({"model":"parrot","messages":[{"role":"user","content":"hello world"}]})");
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
    const auto e =
        error_of([&] { chat_json(runtime, call.ctx, R"({"model":"parrot","messages":[]})"); });
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
        [&] { chat_json(runtime, call.ctx, R"({"model":"small","messages":[],"stream":false})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::cancelled);
    EXPECT_EQ(ollama_.count("/api/chat"), 0u);
}

// --- The services a plugin calls back into (tinyllm.chat/1, tinyllm.tools/1) ---

TEST_F(RuntimeTest, NestedChatSharesTheParentsCancellation) {
    Runtime runtime(config_.get(), registry());
    Call parent;
    parent.token.cancel(); // e.g. Ctrl-C while the plugin was about to call a model
    const auto e = error_of([&] {
        chat_json(runtime, parent.ctx.raw(),
                  R"({"model":"parrot","messages":[{"role":"user","content":"x"}]})");
    });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::cancelled);

    // The same through the service table a plugin holds.
    InstanceHost host("test:nested", &runtime);
    const tllm_chat_message messages[] = {TLLM_CHAT_MESSAGE("user", "x")};
    tllm_chat_request r = TLLM_CHAT_REQUEST_INIT;
    r.model = "parrot";
    r.messages = messages;
    r.message_count = 1;
    const ServiceAnswer a = chat_service_call(host.raw(), parent.ctx.raw(), &r);
    EXPECT_EQ(a.status, TLLM_ERR_CANCELLED);
    EXPECT_THAT(a.content, HasSubstr("cancelled"));
    EXPECT_TRUE(parent.events.empty());
}

TEST_F(RuntimeTest, NestedChatResultDoesNotFillTheParentsResult) {
    Runtime runtime(config_.get(), registry());
    Call parent;
    InstanceHost host("test:nested", &runtime);
    const tllm_chat_message messages[] = {TLLM_CHAT_MESSAGE("user", "a b")};
    tllm_chat_request r = TLLM_CHAT_REQUEST_INIT;
    r.model = "parrot";
    r.messages = messages;
    r.message_count = 1;
    r.stream = 1;
    const ServiceAnswer a = chat_service_call(host.raw(), parent.ctx.raw(), &r);
    ASSERT_EQ(a.status, TLLM_OK) << a.content;
    EXPECT_EQ(a.content, "> a b");
    EXPECT_THAT(parent.events, ElementsAre(R"({"type":"token","content":"> a "})",
                                           R"({"type":"token","content":"b"})"));
    // The nested call's result went to the plugin, not into the parent's own result slot.
    EXPECT_EQ(error_of([&] { parent.ctx.take_output(TLLM_OK, "parent"); })->code(),
              ErrorCode::protocol);
}

TEST_F(RuntimeTest, CallToolIsNotFoundWithAClearMessage) {
    Runtime runtime(config_.get(), registry());
    Call parent;
    const auto e = error_of([&] { runtime.call_tool(parent.ctx.raw(), "search", "{}"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::not_found);
    EXPECT_THAT(e->what(), StartsWith("no tool named \"search\" (tools: "));

    InstanceHost host("test:nested", &runtime);
    const tllm_host *h = host.raw();
    const auto *tools =
        static_cast<const tllm_tools_service_v1 *>(h->get_service(h, TLLM_SERVICE_TOOLS));
    ASSERT_NE(tools, nullptr);
    char *out = nullptr;
    EXPECT_EQ(tools->call(h, parent.ctx.raw(), "search", nullptr, &out), TLLM_ERR_NOT_FOUND);
    ASSERT_NE(out, nullptr);
    EXPECT_STREQ(out, e->what());
    h->free_string(h, out);
    EXPECT_EQ(tools->describe(h, "search", &out), TLLM_ERR_NOT_FOUND);
    h->free_string(h, out);
    h->free_string(h, nullptr); // allowed
}

TEST(InstanceHost, OffersItsServicesByIdAndNothingElse) {
    InstanceHost host("test:standalone", nullptr);
    const tllm_host *h = host.raw();
    EXPECT_EQ(h->struct_size, sizeof(tllm_host));
    EXPECT_EQ(h->abi.major, static_cast<uint32_t>(TLLM_ABI_VERSION_MAJOR));
    EXPECT_EQ(h->abi.minor, static_cast<uint32_t>(TLLM_ABI_VERSION_MINOR));
    h->log(h, TLLM_LOG_DEBUG, "a line from a test plugin");
    h->log(h, TLLM_LOG_ERROR, nullptr); // ignored
    for (const char *id : {TLLM_SERVICE_CHAT, TLLM_SERVICE_TOOLS, TLLM_SERVICE_JSON}) {
        const auto *table = static_cast<const uint32_t *>(h->get_service(h, id));
        ASSERT_NE(table, nullptr) << id;
        EXPECT_GT(*table, sizeof(uint32_t)) << id; // every table starts with its struct_size
    }
    EXPECT_EQ(h->get_service(h, "tinyllm.chat/2"), nullptr);
    EXPECT_EQ(h->get_service(h, "tinyllm.frob/1"), nullptr);
    EXPECT_EQ(h->get_service(h, nullptr), nullptr);
}

TEST(InstanceHost, WithoutServicesModelAndToolCallsAreUnsupported) {
    InstanceHost host("test:standalone", nullptr);
    const tllm_host *h = host.raw();
    CallContext call(CancelToken{}, std::nullopt, {});
    const tllm_chat_message message = TLLM_CHAT_MESSAGE("user", "hi");
    tllm_chat_request r = TLLM_CHAT_REQUEST_INIT;
    r.messages = &message;
    r.message_count = 1;
    const ServiceAnswer a = chat_service_call(h, call.raw(), &r);
    EXPECT_EQ(a.status, TLLM_ERR_UNSUPPORTED);
    EXPECT_EQ(a.content, "model calls are not available here");

    const auto *tools =
        static_cast<const tllm_tools_service_v1 *>(h->get_service(h, TLLM_SERVICE_TOOLS));
    char *out = nullptr;
    EXPECT_EQ(tools->call(h, call.raw(), "t", "{}", &out), TLLM_ERR_UNSUPPORTED);
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
    EXPECT_NO_THROW(chat_json(runtime, call.ctx,
                              R"({"model":"p","messages":[{"role":"user",)"
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

// --- tinyllm.chat/1: chat from C data ---

// A plugin's view of the chat service: the table an InstanceHost over the runtime offers.
class ChatServiceTest : public RuntimeTest {
protected:
    ServiceAnswer ask(const tllm_chat_request &request) {
        return chat_service_call(host_.raw(), parent_.ctx.raw(), &request);
    }

    static tllm_chat_request request(const std::vector<tllm_chat_message> &messages,
                                     const char *model = "small") {
        tllm_chat_request r = TLLM_CHAT_REQUEST_INIT;
        r.model = model;
        r.messages = messages.data();
        r.message_count = static_cast<uint32_t>(messages.size());
        return r;
    }

    Runtime runtime_{config_.get(), registry()};
    InstanceHost host_{"test:node", &runtime_};
    Call parent_;
};

TEST_F(ChatServiceTest, WritesTheRequestWithTheModelsConfigurationAndReturnsTheAnswer) {
    const std::vector<tllm_chat_message> messages = {TLLM_CHAT_MESSAGE("system", "Be \"brief\"."),
                                                     TLLM_CHAT_MESSAGE("user", "hi\n\u00e9")};
    tllm_chat_request r = request(messages);
    r.options_json = R"({"temperature":0.9,"seed":7})";
    r.format_json = R"("json")";
    r.think = TLLM_THINK_ON;
    const ServiceAnswer a = ask(r);
    ASSERT_EQ(a.status, TLLM_OK) << a.content;
    EXPECT_EQ(a.content, testing::kDefaultAnswer);
    EXPECT_EQ(a.done_reason, "stop");
    EXPECT_EQ(a.tool_calls, "");
    EXPECT_GE(a.completion_tokens, 0);

    const json::Document body = sent_chat_body();
    EXPECT_STREQ(body["model"].GetString(), "qwen2.5:0.5b");
    EXPECT_TRUE(same_json(R"([{"role":"system","content":"Be \"brief\"."},)"
                          R"({"role":"user","content":"hi\n\u00e9"}])",
                          body["messages"]));
    EXPECT_TRUE(same_json(R"({"temperature":0.9,"num_ctx":4096,"seed":7})", body["options"]));
    EXPECT_TRUE(same_json(R"("json")", body["format"]));
    EXPECT_TRUE(same_json("true", body["think"])); // the request's, over models.yaml's false
    EXPECT_TRUE(same_json(R"("5m")", body["keep_alive"]));
    EXPECT_TRUE(same_json("false", body["stream"])); // zero: the answer arrives whole
}

TEST_F(ChatServiceTest, ZeroMeansTheDefaults) {
    const std::vector<tllm_chat_message> messages = {TLLM_CHAT_MESSAGE("user", "hi")};
    ASSERT_EQ(ask(request(messages, nullptr)).status, TLLM_OK);
    const json::Document body = sent_chat_body();
    EXPECT_STREQ(body["model"].GetString(), "qwen2.5:0.5b"); // default_model
    EXPECT_TRUE(same_json("false", body["think"]));          // models.yaml's think
    EXPECT_TRUE(same_json(R"({"temperature":0.2,"num_ctx":4096})", body["options"]));
    EXPECT_FALSE(body.HasMember("format"));
    EXPECT_FALSE(body.HasMember("tools"));
}

TEST_F(ChatServiceTest, SendsWhatTheSameRequestAsJsonWouldSend) {
    const std::vector<tllm_chat_message> messages = {TLLM_CHAT_MESSAGE("user", "same?")};
    ASSERT_EQ(ask(request(messages)).status, TLLM_OK);
    const std::string from_c_data = ollama_.last_request("/api/chat").body;
    Call call;
    chat_json(runtime_, call.ctx,
              R"({"model":"small","messages":[{"role":"user","content":"same?"}],)"
              R"("stream":false})");
    EXPECT_EQ(from_c_data, ollama_.last_request("/api/chat").body); // byte for byte
}

// A tool round: the model's tool calls come back as JSON text, go into the next request's
// assistant message as they came, with the tool's answer after them.
TEST_F(ChatServiceTest, ToolCallsRoundTripThroughTheCData) {
    ollama_.enqueue(
        "/api/chat",
        testing::Reply::json(200, R"({"model":"qwen2.5:0.5b","message":{"role":"assistant",)"
                                  R"("content":"","tool_calls":[{"function":{"name":"calculator",)"
                                  R"("arguments":{"expression":"2+2"}}}]},"done":true,)"
                                  R"("done_reason":"stop","prompt_eval_count":9,"eval_count":4})"));
    const std::vector<tllm_chat_message> first = {TLLM_CHAT_MESSAGE("user", "2+2?")};
    tllm_chat_request r = request(first);
    const char *tools = R"([{"type":"function","function":{"name":"calculator",)"
                        R"("description":"d","parameters":{"type":"object"}}}])";
    r.tools_json = tools;
    const ServiceAnswer asked = ask(r);
    ASSERT_EQ(asked.status, TLLM_OK) << asked.content;
    EXPECT_EQ(asked.content, "");
    EXPECT_EQ(asked.prompt_tokens, 9);
    EXPECT_EQ(asked.completion_tokens, 4);
    EXPECT_TRUE(
        same_json(R"([{"function":{"name":"calculator","arguments":{"expression":"2+2"}}}])",
                  doc(asked.tool_calls)));
    EXPECT_TRUE(same_json(tools, sent_chat_body()["tools"]));

    tllm_chat_message assistant = TLLM_CHAT_MESSAGE("assistant", "");
    assistant.tool_calls_json = asked.tool_calls.c_str();
    tllm_chat_message tool = TLLM_CHAT_MESSAGE("tool", "4");
    tool.tool_name = "calculator";
    const std::vector<tllm_chat_message> second = {first[0], assistant, tool};
    tllm_chat_request again = request(second);
    again.tools_json = tools;
    ASSERT_EQ(ask(again).status, TLLM_OK);
    EXPECT_TRUE(same_json(R"([{"role":"user","content":"2+2?"},)"
                          R"({"role":"assistant","content":"","tool_calls":[{"function":)"
                          R"({"name":"calculator","arguments":{"expression":"2+2"}}}]},)"
                          R"({"role":"tool","content":"4","tool_name":"calculator"}])",
                          sent_chat_body()["messages"]));
}

TEST_F(ChatServiceTest, StreamsTokensToTheCallingNodesEvents) {
    const std::vector<tllm_chat_message> messages = {TLLM_CHAT_MESSAGE("user", "a b")};
    tllm_chat_request r = request(messages, "parrot");
    r.stream = 1;
    const ServiceAnswer a = ask(r);
    ASSERT_EQ(a.status, TLLM_OK) << a.content;
    EXPECT_EQ(a.content, "> a b");
    EXPECT_THAT(parent_.events, ElementsAre(R"({"type":"token","content":"> a "})",
                                            R"({"type":"token","content":"b"})"));
}

TEST_F(ChatServiceTest, AnUnconfiguredModelGetsOnlyWhatTheRequestSays) {
    TestConfig ollama_only("backends: [{name: local, type: ollama, config: {url: \"" +
                           ollama_.url() + "\"}}]\nmodels: [{name: small, keep_alive: 5m}]\n");
    Runtime runtime(ollama_only.get(), registry());
    InstanceHost host("test:node", &runtime);
    const std::vector<tllm_chat_message> messages = {TLLM_CHAT_MESSAGE("user", "hi")};
    tllm_chat_request r = request(messages, "llama3.2");
    r.options_json = R"({"seed":1})";
    ASSERT_EQ(chat_service_call(host.raw(), parent_.ctx.raw(), &r).status, TLLM_OK);
    const json::Document body = sent_chat_body();
    EXPECT_STREQ(body["model"].GetString(), "llama3.2");
    EXPECT_TRUE(same_json(R"({"seed":1})", body["options"]));
    EXPECT_FALSE(body.HasMember("keep_alive"));
    EXPECT_FALSE(body.HasMember("think"));
    EXPECT_FALSE(body.HasMember("format"));
}

TEST_F(ChatServiceTest, AMalformedRequestIsAnInvalidArgumentNamingTheField) {
    const std::vector<tllm_chat_message> good = {TLLM_CHAT_MESSAGE("user", "hi")};
    const std::vector<tllm_chat_message> no_role = {TLLM_CHAT_MESSAGE("user", "hi"),
                                                    TLLM_CHAT_MESSAGE(nullptr, "x")};
    const std::vector<tllm_chat_message> odd_role = {TLLM_CHAT_MESSAGE("robot", "hi")};
    std::vector<tllm_chat_message> unsized = good;
    unsized[0].struct_size = 0; // built without the initialiser
    std::vector<tllm_chat_message> mixed = no_role;
    mixed[1].struct_size = 1000;
    std::vector<tllm_chat_message> bad_calls = {TLLM_CHAT_MESSAGE("assistant", "")};
    bad_calls[0].tool_calls_json = R"([{"id":"x"}])";
    std::vector<tllm_chat_message> bad_images = good;
    bad_images[0].images_json = "[1]";
    struct Case {
        std::function<void(tllm_chat_request &)> change;
        std::string message;
    };
    const std::vector<Case> cases = {
        {[&](tllm_chat_request &r) { r.messages = nullptr; }, "a chat needs at least one message"},
        {[&](tllm_chat_request &r) { r.message_count = 0; }, "a chat needs at least one message"},
        {[&](tllm_chat_request &r) { r.messages = no_role.data(), r.message_count = 2; },
         "message 2 has no role"},
        {[&](tllm_chat_request &r) { r.messages = odd_role.data(); },
         "message 1: unknown role \"robot\" (system, user, assistant or tool)"},
        {[&](tllm_chat_request &r) { r.messages = unsized.data(); },
         "message 1: struct_size 0 is smaller than ABI 2.0's tllm_chat_message"},
        {[&](tllm_chat_request &r) { r.messages = mixed.data(), r.message_count = 2; },
         "message 2: struct_size 1000 differs from message 1's"},
        {[&](tllm_chat_request &r) { r.messages = bad_calls.data(); },
         "message 1: tool_calls_json: tool_calls[]: missing \"function\""},
        {[&](tllm_chat_request &r) { r.messages = bad_images.data(); },
         "message 1: images_json must hold base64 strings"},
        {[&](tllm_chat_request &r) { r.options_json = "[1]"; },
         "options_json must be an object, got array"},
        {[&](tllm_chat_request &r) { r.options_json = "{\"a\":"; }, "options_json: invalid JSON"},
        {[&](tllm_chat_request &r) { r.format_json = "json"; }, "format_json: invalid JSON"},
        {[&](tllm_chat_request &r) { r.format_json = "42"; },
         "format_json must be a JSON string (\"json\") or a JSON Schema object"},
        {[&](tllm_chat_request &r) { r.tools_json = "{}"; }, "tools_json must be an array"},
        {[&](tllm_chat_request &r) { r.think = 3; },
         "think must be TLLM_THINK_DEFAULT, _OFF or _ON, not 3"},
        {[&](tllm_chat_request &r) { r.struct_size = 8; },
         "struct_size 8 is smaller than ABI 2.0's tllm_chat_request"},
    };
    for (const Case &c : cases) {
        tllm_chat_request r = request(good);
        c.change(r);
        const ServiceAnswer a = ask(r);
        SCOPED_TRACE(c.message);
        EXPECT_EQ(a.status, TLLM_ERR_INVALID_ARGUMENT);
        EXPECT_THAT(a.content, StartsWith("chat: "));
        EXPECT_THAT(a.content, HasSubstr(c.message));
    }
    const tllm_host *h = host_.raw();
    const auto *chat =
        static_cast<const tllm_chat_service_v1 *>(h->get_service(h, TLLM_SERVICE_CHAT));
    tllm_chat_result result = TLLM_CHAT_RESULT_INIT;
    EXPECT_EQ(chat->chat(h, parent_.ctx.raw(), nullptr, &result), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(result.error, "chat: no request");
    chat->free_result(h, &result);
    // A result too small for the error cannot be written to: refused without a message.
    const tllm_chat_request r = request(good);
    EXPECT_EQ(chat->chat(h, parent_.ctx.raw(), &r, nullptr), TLLM_ERR_INVALID_ARGUMENT);
    tllm_chat_result small = TLLM_CHAT_RESULT_INIT;
    small.struct_size = 8;
    EXPECT_EQ(chat->chat(h, parent_.ctx.raw(), &r, &small), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(ollama_.count("/api/chat"), 0u); // nothing reached the server
}

TEST_F(ChatServiceTest, TextHoldingNulBytesArrivesWholeBothWays) {
    ollama_.enqueue("/api/chat", testing::chat_json("qwen2.5:0.5b", std::string("a\0b", 3)));
    const std::string prompt("x\0y", 3);
    std::vector<tllm_chat_message> messages = {TLLM_CHAT_MESSAGE("user", prompt.data())};
    messages[0].content_size = prompt.size();
    const ServiceAnswer a = ask(request(messages));
    ASSERT_EQ(a.status, TLLM_OK) << a.content;
    EXPECT_EQ(a.content, std::string("a\0b", 3));
    EXPECT_TRUE(
        same_json(R"([{"role":"user","content":"x\u0000y"}])", sent_chat_body()["messages"]));
}

TEST_F(ChatServiceTest, ACancelledCallerSendsNothing) {
    parent_.token.cancel(); // e.g. Ctrl-C while the node was about to ask
    const std::vector<tllm_chat_message> messages = {TLLM_CHAT_MESSAGE("user", "hi")};
    const ServiceAnswer a = ask(request(messages));
    EXPECT_EQ(a.status, TLLM_ERR_CANCELLED);
    EXPECT_THAT(a.content, HasSubstr("cancelled"));
    EXPECT_EQ(ollama_.count("/api/chat"), 0u);
}

// plugin.hpp's Host::chat(call, sdk::ChatRequest), which the model node uses.
TEST_F(ChatServiceTest, TheSdkHelperAsksAndThrowsTheHostsErrors) {
    const sdk::Host host(host_.raw());
    const sdk::Call call(parent_.ctx.raw());
    sdk::ChatRequest request;
    request.model = "small";
    request.messages.push_back({"user", std::string("hi\0!", 4), "", ""});
    const sdk::ChatAnswer answer = host.chat(call, request);
    EXPECT_EQ(answer.content, testing::kDefaultAnswer);
    EXPECT_EQ(answer.done_reason, "stop");
    EXPECT_TRUE(
        same_json(R"([{"role":"user","content":"hi\u0000!"}])", sent_chat_body()["messages"]));

    request.messages[0].role = "robot";
    try {
        host.chat(call, request);
        ADD_FAILURE() << "no error";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_INVALID_ARGUMENT);
        EXPECT_THAT(e.what(), HasSubstr("unknown role \"robot\""));
    }

    // A host without the service: a clear refusal, not a crash.
    tllm_host bare = *host_.raw();
    bare.get_service = [](const tllm_host *, const char *) -> const void * { return nullptr; };
    try {
        sdk::Host(&bare).chat(call, request);
        ADD_FAILURE() << "no error";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_UNSUPPORTED);
        EXPECT_STREQ(e.what(), "this host offers no tinyllm.chat/1");
    }
}

// The C test plugin's node (tests/plugins/echo_backend.c) asks through the chat service with no
// JSON library: the C declarations are usable from C as they stand.
TEST_F(ChatServiceTest, ANodeInPlainCAsksWithoutJson) {
    const plugin::ComponentRef ref = registry().find(TLLM_KIND_NODE, "c_ask");
    ASSERT_NE(ref.component, nullptr);
    Node node("ask", ref, R"({"model":"parrot","prompt":"ping from C"})", &runtime_);
    Call activation;
    node.activate(activation.ctx);
    const std::string out = node.process(parent_.ctx, R"({"input":"x"})");
    EXPECT_EQ(out, R"({"set":{"content":"> ping from C"}})");
    EXPECT_THAT(parent_.events, ElementsAre(R"({"type":"token","content":"> ping "})",
                                            R"({"type":"token","content":"from "})",
                                            R"({"type":"token","content":"C"})"));

    Node failing("ask", ref, R"({"model":"small","prompt":"hi"})", &runtime_);
    failing.activate(activation.ctx);
    ollama_.enqueue("/api/chat", testing::Reply::error(500, "the model crashed"));
    const auto e = error_of([&] { failing.process(parent_.ctx, "{}"); });
    ASSERT_TRUE(e);
    EXPECT_THAT(e->what(), HasSubstr("the model crashed"));
}

TEST_F(ChatServiceTest, ServerErrorsComeBackAsStatusAndMessage) {
    ollama_.enqueue("/api/chat", testing::Reply::error(404, "model \"qwen2.5:0.5b\" not found"));
    const std::vector<tllm_chat_message> messages = {TLLM_CHAT_MESSAGE("user", "hi")};
    const ServiceAnswer a = ask(request(messages));
    EXPECT_EQ(a.status, TLLM_ERR_NOT_FOUND);
    EXPECT_THAT(a.content, HasSubstr("not found"));
}

TEST_F(ChatServiceTest, AnInvalidAnswerFromABackendIsAProtocolError) {
    ollama_.enqueue("/api/chat", testing::Reply::json(200, R"({"message":{"content":7}})"));
    const std::vector<tllm_chat_message> messages = {TLLM_CHAT_MESSAGE("user", "hi")};
    const ServiceAnswer a = ask(request(messages));
    EXPECT_EQ(a.status, TLLM_ERR_PROTOCOL);
    EXPECT_THAT(a.content, HasSubstr("backend local returned an invalid chat response"));
}

} // namespace
} // namespace tinyllm::runtime
