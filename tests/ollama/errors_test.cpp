// Every failure maps to one status and one clear line naming the endpoint.
#include "errors.hpp"
#include "test_call.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace {

using namespace tinyllm::testing;
using namespace std::chrono_literals;
using tinyllm::ollama::ClientConfig;
using tinyllm::ollama::OllamaClient;

const std::string kChat = R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}]})";
const std::string kChatOnce =
    R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}],"stream":false})";

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

void expect_one_line(const std::string &message) {
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

tllm_status chat(OllamaClient &client, TestCall &call, const std::string &request = kChat) {
    return call.run([&](auto &c) { return client.chat(c, request); });
}

TEST(Errors, ModelNotFoundIs404NotFound) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    const std::string req = R"({"model":"nosuch:1b","messages":[{"role":"user","content":"x"}]})";
    EXPECT_EQ(chat(client, call, req), TLLM_ERR_NOT_FOUND);
    EXPECT_TRUE(contains(call.error(), "model \"nosuch:1b\" not found, try pulling it first"))
        << call.error();
    EXPECT_TRUE(contains(call.error(), "404"));
    EXPECT_TRUE(contains(call.error(), fake.url()));
    expect_one_line(call.error());
    EXPECT_FALSE(call.has_output());
}

TEST(Errors, BadRequestIsInvalidArgument) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    EXPECT_EQ(chat(client, call, R"({"messages":[]})"), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(contains(call.error(), "model is required")) << call.error();
    EXPECT_TRUE(contains(call.error(), "400"));
}

TEST(Errors, ServerErrorIsRemote) {
    FakeOllama fake;
    fake.enqueue("/api/chat", Reply::error(500, "the model failed to generate a response"));
    OllamaClient client(config_for(fake));
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_REMOTE);
    EXPECT_TRUE(contains(call.error(), "500")) << call.error();
    EXPECT_TRUE(contains(call.error(), "the model failed to generate a response"));
    EXPECT_TRUE(contains(call.error(), fake.url()));
    expect_one_line(call.error());
}

TEST(Errors, InvalidRequestJsonIsRejectedBeforeSending) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    for (const char *bad : {"{\"model\":", "[1,2]", "\"text\"", "{} trailing"}) {
        TestCall call;
        EXPECT_EQ(chat(client, call, bad), TLLM_ERR_INVALID_ARGUMENT) << bad;
        expect_one_line(call.error());
    }
    EXPECT_EQ(fake.count("/api/chat"), 0u);
}

TEST(Errors, BodyThatIsNotJsonIsProtocol) {
    FakeOllama fake;
    fake.enqueue("/api/chat", Reply::text(200, "<html>I am not Ollama</html>", "text/html"));
    fake.enqueue("/api/tags", Reply::text(404, "404 page not found", "text/plain"));
    OllamaClient client(config_for(fake));
    TestCall call;
    EXPECT_EQ(chat(client, call, kChatOnce), TLLM_ERR_PROTOCOL);
    EXPECT_TRUE(contains(call.error(), "I am not Ollama")) << call.error();
    EXPECT_TRUE(
        contains(call.error(), "the answer of Ollama at " + fake.url() + " to POST /api/chat"))
        << call.error();
    expect_one_line(call.error());
    TestCall tags;
    EXPECT_EQ(tags.run([&](auto &c) { return client.list_models(c); }), TLLM_ERR_PROTOCOL);
    EXPECT_TRUE(contains(tags.error(), "404 page not found")) << tags.error();
}

TEST(Errors, OneLineCollapsesControlsAndCutsWithoutSplittingACharacter) {
    using tinyllm::ollama::one_line;
    EXPECT_EQ(one_line("a\n\tb\r\n"), "a b");
    EXPECT_EQ(one_line("\n\nab"), "ab");
    EXPECT_EQ(one_line("abcd", 4), "abcd");
    EXPECT_EQ(one_line("abcd ", 4), "abcd");    // trailing space trimmed, nothing cut
    EXPECT_EQ(one_line("abcd\n\n", 4), "abcd"); // trailing controls too
    EXPECT_EQ(one_line("abcde", 4), "abcd...");
    EXPECT_EQ(one_line("abcd e", 4), "abcd...");     // a space past the limit, then more text
    EXPECT_EQ(one_line("abc\xc3\xa9", 4), "abc..."); // é would be split: cut before it
    const std::string long_text(100000, 'x');
    EXPECT_EQ(one_line(long_text, 10), std::string(10, 'x') + "...");
}

TEST(Errors, ErrorLineMidStreamIsRemoteAndKeepsEmittedTokens) {
    FakeOllama fake;
    fake.enqueue("/api/chat",
                 Reply::stream({chat_chunk_line(kModel, " Yes"), chat_chunk_line(kModel, "."),
                                chat_chunk_line(kModel, "I")})
                     .add_error_line("an error was encountered while running the model"));
    OllamaClient client(config_for(fake));
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_REMOTE);
    EXPECT_TRUE(contains(call.error(), "an error was encountered while running the model"))
        << call.error();
    EXPECT_EQ(call.contents("token"), (std::vector<std::string>{" Yes", ".", "I"}));
    EXPECT_FALSE(call.has_output());
}

TEST(Errors, GarbageLineMidStreamIsProtocolNamingTheLine) {
    FakeOllama fake;
    fake.enqueue("/api/generate",
                 Reply::stream({generate_chunk_line(kModel, "ok"), "this is not json",
                                generate_final_line(kModel, Usage{})}));
    OllamaClient client(config_for(fake));
    TestCall call;
    EXPECT_EQ(call.run([&](auto &c) {
        return client.generate(c, R"({"model":"qwen2.5:0.5b","prompt":"x"})");
    }),
              TLLM_ERR_PROTOCOL);
    EXPECT_TRUE(contains(call.error(), "line 2")) << call.error();
    EXPECT_TRUE(contains(call.error(), "this is not json"));
    EXPECT_EQ(call.contents("token"), std::vector<std::string>{"ok"});
}

TEST(Errors, StreamClosedEarlyIsUnavailable) {
    FakeOllama fake;
    // The server dies after three tokens: no final chunk, no terminating HTTP chunk.
    fake.enqueue("/api/chat", chat_stream(kModel, default_answer_tokens()).close_after(3));
    OllamaClient client(config_for(fake));
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_UNAVAILABLE);
    EXPECT_TRUE(contains(call.error(), "connection closed before the response was complete"))
        << call.error();
    EXPECT_EQ(call.contents("token").size(), 3u);
}

TEST(Errors, StreamEndingCleanlyWithoutDoneIsUnavailable) {
    FakeOllama fake;
    fake.enqueue("/api/chat", Reply::stream({chat_chunk_line(kModel, "half")}));
    OllamaClient client(config_for(fake));
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_UNAVAILABLE);
    EXPECT_TRUE(contains(call.error(), "connection closed before the response was complete"));
}

TEST(Errors, DisconnectWithoutAnswerIsUnavailable) {
    FakeOllama fake;
    fake.enqueue("/api/chat", Reply::disconnect());
    OllamaClient client(config_for(fake));
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_UNAVAILABLE);
    EXPECT_TRUE(contains(call.error(), fake.url())) << call.error();
}

TEST(Errors, Busy503IsRetriedThenSucceeds) {
    FakeOllama fake;
    const auto busy =
        Reply::error(503, "server busy, please try again.  maximum pending requests exceeded");
    fake.enqueue("/api/chat", busy);
    fake.enqueue("/api/chat", Reply::error(429, "too many requests"));
    LogCapture log;
    OllamaClient client(config_for(fake), log.logger());
    TestCall call;
    ASSERT_EQ(chat(client, call), TLLM_OK) << call.error();
    EXPECT_EQ(fake.count("/api/chat"), 3u);
    EXPECT_EQ(call.contents("token"), default_answer_tokens()); // no duplicated tokens
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(contains(lines[0], "503") && contains(lines[0], "retry 1/3")) << lines[0];
    EXPECT_TRUE(contains(lines[1], "429") && contains(lines[1], "retry 2/3")) << lines[1];
}

TEST(Errors, Busy503ExhaustsRetries) {
    FakeOllama fake;
    fake.set_default("POST", "/api/chat", Reply::error(503, "server busy, please try again."));
    ClientConfig config = config_for(fake);
    config.max_retries = 2;
    OllamaClient client(config);
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_UNAVAILABLE);
    EXPECT_EQ(fake.count("/api/chat"), 3u);
    EXPECT_TRUE(contains(call.error(), "gave up after 2 retries")) << call.error();
    EXPECT_TRUE(contains(call.error(), "server busy"));
    expect_one_line(call.error());
}

TEST(Errors, ConnectionRefusedIsUnavailableWithAHint) {
    const RefusingPort dead;
    ClientConfig config;
    config.url = "127.0.0.1:" + std::to_string(dead.port());
    OllamaClient client(config);
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_UNAVAILABLE);
    EXPECT_TRUE(contains(call.error(), "cannot connect to Ollama at http://" + config.url +
                                           ": Connection refused"))
        << call.error();
    EXPECT_TRUE(contains(call.error(), "ollama serve"));
    EXPECT_TRUE(contains(call.error(), "OLLAMA_HOST"));
    expect_one_line(call.error());
}

TEST(Errors, UnresolvableHostIsUnavailable) {
    ClientConfig config;
    config.url = "http://nosuchhost.invalid:11434";
    OllamaClient client(config);
    TestCall call;
    const tllm_status status = call.run([&](auto &c) { return client.server_version(c); });
    // A resolver that cannot answer within connect_timeout_ms makes it a timeout instead.
    EXPECT_TRUE(status == TLLM_ERR_UNAVAILABLE || status == TLLM_ERR_TIMEOUT) << status;
    EXPECT_TRUE(contains(call.error(), "cannot connect to Ollama at http://nosuchhost.invalid"))
        << call.error();
}

TEST(Errors, SilentServerHitsTheReadTimeout) {
    FakeOllama fake;
    fake.enqueue("/api/chat", chat_stream(kModel, {"a"}).delay_headers(10s));
    ClientConfig config = config_for(fake);
    config.read_timeout_ms = 100;
    OllamaClient client(config);
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_TIMEOUT);
    EXPECT_TRUE(contains(call.error(), "100 ms (read_timeout_ms)")) << call.error();
    EXPECT_TRUE(contains(call.error(), fake.url()));
}

TEST(Errors, SilenceMidStreamHitsTheReadTimeout) {
    FakeOllama fake;
    fake.enqueue("/api/chat", Reply::stream({chat_chunk_line(kModel, "first")})
                                  .add_line(chat_final_line(kModel, Usage{}), 10s));
    ClientConfig config = config_for(fake);
    config.read_timeout_ms = 100;
    OllamaClient client(config);
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_TIMEOUT);
    EXPECT_TRUE(contains(call.error(), "read_timeout_ms")) << call.error();
    EXPECT_EQ(call.contents("token"), std::vector<std::string>{"first"});
}

TEST(Errors, CallersDeadlineIsATimeout) {
    FakeOllama fake;
    fake.enqueue("/api/chat", chat_stream(kModel, {"a"}).delay_headers(10s));
    OllamaClient client(config_for(fake));
    TestCall call;
    call.set_remaining_ms(100);
    EXPECT_EQ(chat(client, call), TLLM_ERR_TIMEOUT);
    EXPECT_TRUE(contains(call.error(), "deadline")) << call.error();
}

TEST(Errors, RequestTimeoutIsATimeout) {
    FakeOllama fake;
    fake.enqueue(
        "/api/chat",
        Reply::stream({chat_chunk_line(kModel, "a")}).add_line(chat_chunk_line(kModel, "b"), 10s));
    ClientConfig config = config_for(fake);
    config.request_timeout_ms = 150;
    OllamaClient client(config);
    TestCall call;
    EXPECT_EQ(chat(client, call), TLLM_ERR_TIMEOUT);
    EXPECT_TRUE(contains(call.error(), "request_timeout_ms = 150")) << call.error();
}

TEST(Errors, CancellationMidStream) {
    FakeOllama fake;
    fake.enqueue("/api/chat", Reply::stream({chat_chunk_line(kModel, "one")})
                                  .add_line(chat_final_line(kModel, Usage{}), 10s));
    OllamaClient client(config_for(fake));
    TestCall call;
    std::thread canceller([&] {
        call.wait_for_events(1, 10s); // the first token is out: the stream is live
        call.cancel();
    });
    EXPECT_EQ(chat(client, call), TLLM_ERR_CANCELLED);
    canceller.join();
    EXPECT_EQ(call.contents("token"), std::vector<std::string>{"one"});
    EXPECT_TRUE(contains(call.error(), "cancelled")) << call.error();
}

TEST(Errors, CancelledBeforeStartSendsNothing) {
    FakeOllama fake;
    OllamaClient client(config_for(fake));
    TestCall call;
    call.cancel();
    EXPECT_EQ(chat(client, call), TLLM_ERR_CANCELLED);
    EXPECT_EQ(fake.count("/api/chat"), 0u);
}

TEST(Errors, CancellationDuringRetryBackoff) {
    FakeOllama fake;
    fake.set_default("POST", "/api/chat", Reply::error(503, "busy"));
    ClientConfig config = config_for(fake);
    config.retry_base_delay_ms = 10000; // long enough that only cancellation ends the wait
    config.retry_max_delay_ms = 10000;
    LogCapture log;
    OllamaClient client(config, log.logger());
    TestCall call;
    std::thread canceller([&] {
        while (log.lines().empty())
            std::this_thread::sleep_for(1ms);
        call.cancel();
    });
    EXPECT_EQ(chat(client, call), TLLM_ERR_CANCELLED);
    canceller.join();
}

} // namespace
