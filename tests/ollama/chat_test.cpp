// /api/chat and /api/generate: streaming aggregation, events, verbatim forwarding.
#include "test_call.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace tinyllm::testing;
using tinyllm::ollama::ClientConfig;
using tinyllm::ollama::OllamaClient;
namespace json = tinyllm::json;

const std::string kChat = R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}]})";

std::string str(const json::Value &v, const char *key) {
    return json::get_string(v, key).value_or("<missing>");
}

TEST(Chat, StreamedIsAggregatedAndEmitsTokensInOrder) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, kChat); }), TLLM_OK) << call.error();

    EXPECT_EQ(call.contents("token"), default_answer_tokens());
    EXPECT_TRUE(call.contents("thinking").empty());
    const auto out = call.output_json();
    EXPECT_EQ(str(out, "model"), kModel);
    EXPECT_TRUE(json::get_bool(out, "done").value_or(false));
    EXPECT_EQ(str(out, "done_reason"), "stop");
    const json::Value &msg = out["message"];
    EXPECT_EQ(str(msg, "role"), "assistant");
    EXPECT_EQ(str(msg, "content"), std::string(kDefaultAnswer));
    EXPECT_FALSE(msg.HasMember("tool_calls"));
    EXPECT_FALSE(msg.HasMember("thinking"));
    for (const char *k : {"created_at", "total_duration", "load_duration", "prompt_eval_count",
                          "prompt_eval_duration", "eval_count", "eval_duration"}) {
        EXPECT_TRUE(out.HasMember(k)) << k;
    }
    // "stream" absent means streaming, and the request went out untouched.
    EXPECT_EQ(fake.last_request("/api/chat").body, kChat);
}

TEST(Chat, FinalChunkMetricsAreCopiedExactly) {
    FakeOllama fake;
    const std::string final_line =
        R"({"model":"m","created_at":"2023-08-04T19:22:45.499127Z",)"
        R"("message":{"role":"assistant","content":""},"done_reason":"stop","done":true,)"
        R"("total_duration":9007199254740993,"load_duration":6338219291,"prompt_eval_count":26,)"
        R"("prompt_eval_duration":130079000,"eval_count":259,"eval_duration":4232710000})";
    fake.enqueue("/api/chat", Reply::stream({chat_chunk_line("m", "The"), final_line}));
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, kChat); }), TLLM_OK) << call.error();
    const std::string out = call.output();
    // 2^53 + 1 would not survive a trip through a double.
    EXPECT_NE(out.find("\"total_duration\":9007199254740993"), std::string::npos) << out;
    const auto doc = call.output_json();
    EXPECT_EQ(doc["load_duration"].GetInt64(), 6338219291);
    EXPECT_EQ(doc["eval_duration"].GetInt64(), 4232710000);
    EXPECT_EQ(doc["eval_count"].GetInt64(), 259);
    EXPECT_EQ(str(doc, "created_at"), "2023-08-04T19:22:45.499127Z");
    EXPECT_EQ(str(doc["message"], "content"), "The");
}

TEST(Chat, NonStreamedReturnsOllamasDocument) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    const std::string req =
        R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}],"stream":false})";
    ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, req); }), TLLM_OK) << call.error();
    EXPECT_TRUE(call.events().empty());
    const auto out = call.output_json();
    EXPECT_EQ(str(out["message"], "content"), std::string(kDefaultAnswer));
    EXPECT_TRUE(json::get_bool(out, "done").value_or(false));
}

TEST(Chat, ToolCallsAreCollectedFromAStream) {
    FakeOllama fake;
    fake.enqueue("/api/chat", chat_stream(kModel, {"Let me check."},
                                          {{"get_weather", R"({"city":"Tokyo"})"},
                                           {"get_time", R"({"zone":"JST"})"}}));
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, kChat); }), TLLM_OK) << call.error();
    const auto out = call.output_json();
    const json::Value &calls = out["message"]["tool_calls"];
    ASSERT_TRUE(calls.IsArray());
    ASSERT_EQ(calls.Size(), 2u);
    EXPECT_EQ(str(calls[0]["function"], "name"), "get_weather");
    EXPECT_EQ(str(calls[0]["function"]["arguments"], "city"), "Tokyo");
    EXPECT_EQ(str(calls[1]["function"], "name"), "get_time");
    EXPECT_EQ(str(out["message"], "content"), "Let me check.");
    EXPECT_EQ(call.contents("token"), std::vector<std::string>{"Let me check."});
}

TEST(Chat, ToolCallsInANonStreamedAnswer) {
    FakeOllama fake;
    fake.enqueue("/api/chat", chat_json(kModel, "", {{"get_weather", R"({"city":"Paris"})"}}));
    OllamaClient client(config_for(fake));
    TestCall call;
    const std::string req = R"({"model":"qwen2.5:0.5b","messages":[],"stream":false})";
    ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, req); }), TLLM_OK) << call.error();
    const auto out = call.output_json();
    ASSERT_EQ(out["message"]["tool_calls"].Size(), 1u);
    EXPECT_EQ(str(out["message"]["tool_calls"][0]["function"]["arguments"], "city"), "Paris");
}

TEST(Chat, FormatOptionsToolsAndUnknownFieldsAreForwardedVerbatim) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    // Odd spacing, key order, float spellings and an unknown field must all survive.
    const std::string req = R"({ "model" : "qwen2.5:0.5b",
  "messages": [{"role":"user","content":"Ollama is 22 years old. Respond using JSON"}],
  "stream": false,
  "format": {"type":"object","properties":{"age":{"type":"integer"},
             "available":{"type":"boolean"}},"required":["age","available"]},
  "options": {"temperature": 0.0, "seed": 42, "num_ctx": 1024, "num_predict": 100,
              "top_p": 0.90, "stop": ["\n", "user:"]},
  "tools": [{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
  "think": false, "keep_alive": "10m", "x_future_field": {"n": 1e2}
})";
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, req); }), TLLM_OK) << call.error();
    EXPECT_EQ(fake.last_request("/api/chat").body, req);

    const std::string json_mode =
        R"({"model":"qwen2.5:0.5b","prompt":"colors?","format":"json","stream":false})";
    TestCall call2;
    ASSERT_EQ(call2.run([&](auto &c) { return client.generate(c, json_mode); }), TLLM_OK);
    EXPECT_EQ(fake.last_request("/api/generate").body, json_mode);
    const auto sent = fake.last_request("/api/generate");
    EXPECT_EQ(sent.method, "POST");
    EXPECT_NE(sent.header("Content-Type").value_or("").find("application/json"), std::string::npos);
}

TEST(Chat, ConfiguredKeepAliveIsAddedOnlyWhenAbsent) {
    FakeOllama fake;
    ClientConfig config = config_for(fake);
    config.keep_alive_json = "\"30m\"";
    OllamaClient client(config);
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, kChat); }), TLLM_OK) << call.error();
    EXPECT_EQ(fake.last_request("/api/chat").body, "{\"keep_alive\":\"30m\"," + kChat.substr(1));

    const std::string own =
        R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}],"keep_alive":0})";
    TestCall call2;
    ASSERT_EQ(call2.run([&](auto &c) { return client.chat(c, own); }), TLLM_OK);
    EXPECT_EQ(fake.last_request("/api/chat").body, own);

    TestCall call3;
    ASSERT_EQ(
        call3.run([&](auto &c) { return client.show_model(c, R"({"model":"qwen2.5:0.5b"})"); }),
        TLLM_OK);
    EXPECT_EQ(fake.last_request("/api/show").body, R"({"model":"qwen2.5:0.5b"})");
}

TEST(Chat, ThinkingIsStreamedAsThinkingEvents) {
    FakeOllama fake;
    const auto line = [](const std::string &thinking, const std::string &content) {
        return R"({"model":"qwen3","created_at":"2025-01-01T00:00:00Z",)"
               R"("message":{"role":"assistant","content":)" +
               json_quote(content) + R"(,"thinking":)" + json_quote(thinking) +
               R"(},"done":false})";
    };
    fake.enqueue("/api/chat",
                 Reply::stream({line("Let me", ""), line(" think.", ""), line("", "Answer"),
                                line("", ": 4"), chat_final_line("qwen3", Usage{})}));
    OllamaClient client(config_for(fake));
    TestCall call;
    const std::string req =
        R"({"model":"qwen3","messages":[{"role":"user","content":"2+2"}],"think":true})";
    ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, req); }), TLLM_OK) << call.error();
    EXPECT_EQ(call.contents("thinking"), (std::vector<std::string>{"Let me", " think."}));
    EXPECT_EQ(call.contents("token"), (std::vector<std::string>{"Answer", ": 4"}));
    // Thinking events come first, in stream order.
    const auto events = call.events();
    ASSERT_EQ(events.size(), 4u);
    EXPECT_NE(events[0].find("\"thinking\""), std::string::npos);
    EXPECT_NE(events[3].find("\"token\""), std::string::npos);
    const auto out = call.output_json();
    EXPECT_EQ(str(out["message"], "thinking"), "Let me think.");
    EXPECT_EQ(str(out["message"], "content"), "Answer: 4");
}

TEST(Chat, Utf8SplitAcrossChunksArrivesIntact) {
    FakeOllama fake;
    const std::string text = "h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x98\x80";
    const std::string line = chat_chunk_line(kModel, text);
    const size_t cjk = line.find("\xE4\xB8\x96");
    const size_t emoji = line.find("\xF0\x9F\x98\x80");
    ASSERT_NE(cjk, std::string::npos);
    Reply reply = Reply::stream();
    reply.add_split_line(line, cjk + 1, std::chrono::milliseconds(20));   // inside 世
    reply.add_split_line(line, emoji + 2, std::chrono::milliseconds(20)); // inside 😀
    reply.add_line(chat_final_line(kModel, Usage{}));
    fake.enqueue("/api/chat", reply);
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, kChat); }), TLLM_OK) << call.error();
    EXPECT_EQ(call.contents("token"), (std::vector<std::string>{text, text}));
    EXPECT_EQ(str(call.output_json()["message"], "content"), text + text);
}

TEST(Generate, StreamedIsAggregated) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    const std::string req = R"({"model":"qwen2.5:0.5b","prompt":"Why is the sky blue?"})";
    ASSERT_EQ(call.run([&](auto &c) { return client.generate(c, req); }), TLLM_OK) << call.error();
    EXPECT_EQ(call.contents("token"), default_answer_tokens());
    const auto out = call.output_json();
    EXPECT_EQ(str(out, "response"), std::string(kDefaultAnswer));
    EXPECT_FALSE(out.HasMember("message"));
    EXPECT_TRUE(out["context"].IsArray()); // final-chunk fields are kept
    EXPECT_EQ(str(out, "done_reason"), "stop");
}

TEST(Generate, ThinkingAndContentOnTheFinalChunk) {
    FakeOllama fake;
    // From Ollama's streaming doc: the final chunk may itself carry text.
    fake.enqueue(
        "/api/generate",
        Reply::stream(
            {R"({"model":"gemma4","created_at":"t","thinking":"hmm","response":"","done":false})",
             R"({"model":"gemma4","created_at":"t","response":"That","done":false})",
             R"({"model":"gemma4","created_at":"t","response":"!","done":true,)"
             R"( "done_reason": "stop"})"}));
    OllamaClient client(config_for(fake));
    TestCall call;
    ASSERT_EQ(call.run([&](auto &c) {
        return client.generate(c, R"({"model":"gemma4","prompt":"x","think":true})");
    }),
              TLLM_OK)
        << call.error();
    EXPECT_EQ(call.contents("token"), (std::vector<std::string>{"That", "!"}));
    EXPECT_EQ(call.contents("thinking"), std::vector<std::string>{"hmm"});
    const auto out = call.output_json();
    EXPECT_EQ(str(out, "response"), "That!");
    EXPECT_EQ(str(out, "thinking"), "hmm");
}

TEST(Generate, NonStreamed) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    const std::string req = R"({"model":"qwen2.5:0.5b","prompt":"hi","stream":false})";
    ASSERT_EQ(call.run([&](auto &c) { return client.generate(c, req); }), TLLM_OK);
    EXPECT_TRUE(call.events().empty());
    EXPECT_EQ(str(call.output_json(), "response"), std::string(kDefaultAnswer));
}

TEST(Chat, ConnectionIsReusedAcrossRequests) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    for (int i = 0; i < 3; ++i) {
        TestCall call;
        ASSERT_EQ(call.run([&](auto &c) { return client.chat(c, kChat); }), TLLM_OK);
    }
    const auto requests = fake.requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[0].connection_id, requests[1].connection_id);
    EXPECT_EQ(requests[1].connection_id, requests[2].connection_id);
}

} // namespace
