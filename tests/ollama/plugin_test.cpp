// The plugin through its C ABI: descriptor, config schema, create/destroy, the vtable.
#include "config.hpp"
#include "test_call.hpp"
#include "test_util.hpp"

#include <tinyllm/plugin.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

using namespace tinyllm::testing;
namespace json = tinyllm::json;

const tllm_component &component() {
    const tllm_plugin_descriptor *d = tinyllm_plugin_entry();
    EXPECT_EQ(d->component_count, 1u);
    return d->components[0];
}

const tllm_backend_v1 &vtable() {
    return *static_cast<const tllm_backend_v1 *>(component().vtable);
}

TEST(Plugin, Descriptor) {
    const tllm_plugin_descriptor *d = tinyllm_plugin_entry();
    EXPECT_EQ(d->abi.major, static_cast<uint32_t>(TLLM_ABI_VERSION_MAJOR));
    EXPECT_STREQ(d->id, "org.tinyllm.ollama");
    const tllm_component &c = component();
    EXPECT_STREQ(c.kind, TLLM_KIND_BACKEND);
    EXPECT_STREQ(c.name, "ollama");
    EXPECT_NE(std::strlen(c.description), 0u);
    EXPECT_EQ(c.flags & TLLM_COMPONENT_SERIALIZED, 0u); // calls may run concurrently
    const tllm_backend_v1 &v = vtable();
    EXPECT_EQ(v.struct_size, sizeof(tllm_backend_v1));
    EXPECT_TRUE(v.chat && v.generate && v.embed && v.list_models && v.show_model && v.pull_model &&
                v.server_version);
}

TEST(Plugin, SchemaDocumentsEveryKeyAndMatchesTheDefaults) {
    const auto schema = json::parse_object(component().config_schema, "schema");
    EXPECT_EQ(json::get_string(schema, "type"), "object");
    EXPECT_EQ(json::get_bool(schema, "additionalProperties"), false);
    const json::Value &props = schema["properties"];
    const tinyllm::ollama::ClientConfig defaults;
    const std::pair<const char *, int64_t> ints[] = {
        {"connect_timeout_ms", defaults.connect_timeout_ms},
        {"read_timeout_ms", defaults.read_timeout_ms},
        {"request_timeout_ms", defaults.request_timeout_ms},
        {"max_retries", defaults.max_retries},
        {"retry_base_delay_ms", defaults.retry_base_delay_ms},
        {"retry_max_delay_ms", defaults.retry_max_delay_ms}};
    for (const auto &[key, value] : ints) {
        ASSERT_TRUE(props.HasMember(key)) << key;
        EXPECT_EQ(json::get_string(props[key], "type"), "integer") << key;
        EXPECT_EQ(json::get_int(props[key], "default"), value) << key;
        EXPECT_TRUE(json::get_string(props[key], "description")) << key;
    }
    EXPECT_EQ(json::get_string(props["url"], "default"), defaults.url);
    EXPECT_EQ(json::get_string(props["url"], "x-env"), "OLLAMA_HOST");
    EXPECT_TRUE(json::get_string(props["keep_alive"], "description"));
    EXPECT_EQ(props.MemberCount(), 8u);
    // The backstop parser agrees with the schema on which keys exist.
    for (const auto &m : props.GetObject()) {
        const std::string key = m.name.GetString();
        const std::string config =
            "{\"" + key + "\":" + (key == "url" || key == "keep_alive" ? "\"5m\"" : "1") + "}";
        if (key == "url") continue; // "5m" is a hostname; parsing it is fine but pointless
        EXPECT_NO_THROW(tinyllm::ollama::ClientConfig::from_json(config)) << config;
    }
}

TEST(Plugin, ConfigParsing) {
    using tinyllm::ollama::ClientConfig;
    const auto c = ClientConfig::from_json(
        R"({"url":"localhost:1234","read_timeout_ms":5000.0,"keep_alive":-1,"max_retries":null})");
    EXPECT_EQ(c.url, "localhost:1234");
    EXPECT_EQ(c.read_timeout_ms, 5000);
    EXPECT_EQ(c.keep_alive_json, "-1");
    EXPECT_EQ(c.max_retries, 3);
    EXPECT_EQ(ClientConfig::from_json("").connect_timeout_ms, 2000);
    for (const char *bad :
         {R"({"nope":1})", R"({"url":5})", R"({"max_retries":-1})", R"({"read_timeout_ms":1.5})",
          R"({"keep_alive":true})", "[]", "{", R"({"max_retries":101})",
          // Beyond int64: too large, not wrapped round to something small.
          R"({"max_retries":18446744073709551615})",
          R"({"read_timeout_ms":18446744073709551615})"}) {
        try {
            ClientConfig::from_json(bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const tinyllm::sdk::Error &e) {
            EXPECT_EQ(e.status(), TLLM_ERR_INVALID_ARGUMENT) << bad;
        }
    }
}

TEST(Plugin, CreateRejectsABadConfig) {
    TestHost host;
    void *instance = nullptr;
    char error[256] = {0};
    EXPECT_EQ(
        component().create(host.raw(), R"({"url":"ftp://x"})", &instance, error, sizeof error),
        TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(error).find("unsupported scheme"), std::string::npos) << error;
    EXPECT_EQ(component().create(host.raw(), R"({"bogus":1})", &instance, error, sizeof error),
              TLLM_ERR_INVALID_ARGUMENT);
}

TEST(Plugin, ChatThroughTheVtable) {
    FakeOllama fake;
    fake.enqueue("/api/chat", Reply::error(503, "busy"));
    TestHost host;
    void *instance = nullptr;
    char error[256] = {0};
    const std::string config =
        R"({"url":")" + fake.url() + R"(","retry_base_delay_ms":1,"retry_max_delay_ms":2})";
    ASSERT_EQ(component().create(host.raw(), config.c_str(), &instance, error, sizeof error),
              TLLM_OK)
        << error;

    TestCall call;
    const std::string req =
        R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}]})";
    EXPECT_EQ(vtable().chat(instance, call.raw(), req.c_str()), TLLM_OK) << call.error();
    EXPECT_EQ(call.contents("token"), default_answer_tokens());
    EXPECT_EQ(json::get_string(call.output_json()["message"], "content"),
              std::string(kDefaultAnswer));
    // The retry went to the host's logger as a warning.
    const auto lines = host.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].level, TLLM_LOG_WARN);
    EXPECT_NE(lines[0].message.find("503"), std::string::npos);

    TestCall version;
    EXPECT_EQ(vtable().server_version(instance, version.raw()), TLLM_OK);
    EXPECT_EQ(json::get_string(version.output_json(), "endpoint"), fake.url());

    TestCall missing;
    EXPECT_EQ(vtable().show_model(instance, missing.raw(), R"({"model":"nope"})"),
              TLLM_ERR_NOT_FOUND);
    EXPECT_NE(missing.error().find("not found"), std::string::npos);

    component().destroy(instance);
}

} // namespace
