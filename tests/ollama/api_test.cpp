// /api/embed, /api/tags, /api/show, /api/pull and /api/version.
#include "test_call.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace tinyllm::testing;
using tinyllm::ollama::OllamaClient;
namespace json = tinyllm::json;

TEST(Embed, ReturnsTheEmbeddings) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    const std::string req =
        R"({"model":"qwen2.5:0.5b","input":["Why is the sky blue?","Why is the grass green?"]})";
    ASSERT_EQ(call.run([&](auto &c) { return client.embed(c, req); }), TLLM_OK) << call.error();
    const auto out = call.output_json();
    ASSERT_TRUE(out["embeddings"].IsArray());
    ASSERT_EQ(out["embeddings"].Size(), 2u);
    EXPECT_EQ(out["embeddings"][0].Size(), 16u);
    EXPECT_EQ(fake.last_request("/api/embed").body, req);
}

TEST(Tags, ListsModels) {
    FakeOllama fake;
    fake.set_models({"qwen2.5:0.5b", "llama3.2:1b"});
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.list_models(c); }), TLLM_OK) << call.error();
    const auto out = call.output_json();
    ASSERT_EQ(out["models"].Size(), 2u);
    EXPECT_EQ(json::get_string(out["models"][1], "name"), "llama3.2:1b");
    EXPECT_TRUE(out["models"][0]["size"].IsInt64());
    EXPECT_EQ(fake.last_request("/api/tags").method, "GET");
}

TEST(Show, ReturnsModelDetails) {
    FakeOllama fake;
    fake.set_context_length(4096);
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(
        call.run([&](auto &c) { return client.show_model(c, R"({"model":"qwen2.5:0.5b"})"); }),
        TLLM_OK)
        << call.error();
    const auto out = call.output_json();
    EXPECT_TRUE(out["model_info"].IsObject());
    EXPECT_TRUE(out["capabilities"].IsArray());
    EXPECT_NE(call.output().find(".context_length\":4096"), std::string::npos);
}

TEST(Pull, StreamsProgressEvents) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.pull_model(c, R"({"model":"llama3.2"})"); }),
              TLLM_OK)
        << call.error();
    EXPECT_EQ(call.output(), R"({"status":"success"})");
    const auto events = call.events();
    ASSERT_EQ(events.size(), 8u); // manifest, 4 x pulling, verifying, writing, success
    std::vector<std::string> statuses;
    for (const auto &e : events) {
        const auto doc = json::parse_object(e, "event");
        EXPECT_EQ(json::get_string(doc, "type"), "progress");
        EXPECT_TRUE(doc.HasMember("completed") && doc.HasMember("total"));
        statuses.push_back(json::get_string(doc, "status").value_or(""));
    }
    EXPECT_EQ(statuses.front(), "pulling manifest");
    EXPECT_EQ(statuses.back(), "success");
    const auto half = json::parse_object(events[3], "event");
    EXPECT_EQ(json::get_int(half, "total"), 397807936);
    EXPECT_EQ(json::get_int(half, "completed"), 397807936 / 2);
}

TEST(Pull, NonStreamed) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) {
        return client.pull_model(c, R"({"model":"llama3.2","stream":false})");
    }),
              TLLM_OK)
        << call.error();
    EXPECT_EQ(call.output(), R"({"status":"success"})");
    EXPECT_TRUE(call.events().empty());
}

TEST(Pull, ErrorLineEndsIt) {
    FakeOllama fake;
    fake.enqueue("/api/pull", Reply::stream({R"({"status":"pulling manifest"})"})
                                  .add_error_line("pull model manifest: file does not exist"));
    OllamaClient client(config_for(fake));
    TestCall call;
    EXPECT_EQ(call.run([&](auto &c) { return client.pull_model(c, R"({"model":"nope"})"); }),
              TLLM_ERR_REMOTE);
    EXPECT_NE(call.error().find("file does not exist"), std::string::npos) << call.error();
    EXPECT_EQ(call.events().size(), 1u);
}

TEST(Version, ReportsVersionAndEndpoint) {
    FakeOllama fake;
    fake.set_version("0.5.1");
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.server_version(c); }), TLLM_OK) << call.error();
    EXPECT_EQ(call.output(), R"({"version":"0.5.1","endpoint":")" + fake.url() + "\"}");
}

TEST(Version, EndpointIsNormalised) {
    FakeOllama fake;
    auto config = config_for(fake);
    config.url = "  '" + fake.host_port() + "/'  "; // OLLAMA_HOST form: no scheme, quotes
    OllamaClient client(config);
    EXPECT_EQ(client.endpoint().base_url(), fake.url());
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.server_version(c); }), TLLM_OK) << call.error();
    EXPECT_EQ(json::get_string(call.output_json(), "endpoint"), fake.url());
}

TEST(Prefix, PathPrefixIsKept) {
    FakeOllama fake;
    fake.set_default("GET", "/proxy/ollama/api/version", version_json("9.9.9"));
    auto config = config_for(fake);
    config.url = fake.url() + "/proxy/ollama/";
    OllamaClient client(config);
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.server_version(c); }), TLLM_OK) << call.error();
    EXPECT_EQ(json::get_string(call.output_json(), "version"), "9.9.9");
}

} // namespace
