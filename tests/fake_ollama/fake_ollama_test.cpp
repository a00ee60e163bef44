// Tests of FakeOllama through a real HTTP client (libcurl), the way TinyLLM will talk to it.
// No assertion depends on timing: delays are either far longer than the client timeout (and
// interrupted by the server's destructor) or merely have to complete.
#include "fake_ollama.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace {

using namespace std::chrono_literals;
using tinyllm::testing::FakeOllama;
using tinyllm::testing::Reply;
using tinyllm::testing::Request;
namespace fo = tinyllm::testing;

// curl_global_init is not guaranteed thread-safe on every libcurl build: do it once, up front.
struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~CurlGlobal() { curl_global_cleanup(); }
} const curl_global;

struct HttpResult {
    CURLcode code = CURLE_OK;
    long status = 0;
    std::string body;
    std::string headers; // raw header block(s)
    std::string content_type;
    long new_connections = 0; // CURLINFO_NUM_CONNECTS: 0 means the connection was reused
};

size_t append_to_string(char *data, size_t size, size_t n, void *out) {
    static_cast<std::string *>(out)->append(data, size * n);
    return size * n;
}

// One easy handle = one client with its own connection cache, like TinyLLM's HTTP client.
class Client {
public:
    Client() : curl_(curl_easy_init()) {}
    ~Client() { curl_easy_cleanup(curl_); }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    HttpResult post(const std::string &url, const std::string &body,
                    std::vector<std::string> extra_headers = {}, long timeout_ms = 30'000) {
        extra_headers.insert(extra_headers.begin(), "Content-Type: application/json");
        curl_easy_setopt(curl_, CURLOPT_POST, 1L);
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        return perform(url, extra_headers, timeout_ms);
    }

    HttpResult get(const std::string &url, long timeout_ms = 30'000) {
        curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
        return perform(url, {}, timeout_ms);
    }

    CURL *handle() { return curl_; }

    HttpResult perform(const std::string &url, const std::vector<std::string> &headers,
                       long timeout_ms) {
        HttpResult result;
        curl_slist *list = nullptr;
        for (const auto &h : headers)
            list = curl_slist_append(list, h.c_str());
        curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl_, CURLOPT_NOPROXY, "*"); // never route loopback via a proxy
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_to_string);
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &result.body);
        curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, append_to_string);
        curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &result.headers);
        result.code = curl_easy_perform(curl_);
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &result.status);
        curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &result.new_connections);
        char *ct = nullptr;
        curl_easy_getinfo(curl_, CURLINFO_CONTENT_TYPE, &ct);
        if (ct) result.content_type = ct;
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
        curl_slist_free_all(list);
        return result;
    }

private:
    CURL *curl_;
};

std::vector<std::string> ndjson_lines(const std::string &body) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < body.size()) {
        std::size_t end = body.find('\n', start);
        if (end == std::string::npos) end = body.size();
        if (end > start) lines.push_back(body.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

rapidjson::Document parse(const std::string &text) {
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    EXPECT_FALSE(doc.HasParseError()) << text;
    return doc;
}

std::string str(const rapidjson::Value &v, const char *key) {
    if (!v.IsObject() || !v.HasMember(key) || !v[key].IsString())
        return "<missing " + std::string(key) + ">";
    return v[key].GetString();
}

// Concatenates message.content (chat) or response (generate) over all stream lines.
std::string stream_text(const std::string &body) {
    std::string text;
    for (const auto &line : ndjson_lines(body)) {
        const auto doc = parse(line);
        if (doc.HasMember("message")) text += str(doc["message"], "content");
        if (doc.HasMember("response")) text += str(doc, "response");
    }
    return text;
}

const std::string kChatBody =
    R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi there"}]})";
const std::string kChatBodyNoStream =
    R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}],"stream":false})";

TEST(FakeOllama, ReportsItsAddress) {
    FakeOllama server;
    EXPECT_NE(server.port(), 0);
    EXPECT_EQ(server.host_port(), "127.0.0.1:" + std::to_string(server.port()));
    EXPECT_EQ(server.url(), "http://" + server.host_port());
}

TEST(FakeOllama, RootAndVersionDefaults) {
    FakeOllama server;
    Client client;
    auto root = client.get(server.url() + "/");
    EXPECT_EQ(root.status, 200);
    EXPECT_EQ(root.body, "Ollama is running");
    auto version = client.get(server.url() + "/api/version");
    EXPECT_EQ(version.status, 200);
    EXPECT_EQ(version.body, R"({"version":"0.12.0"})");
    EXPECT_EQ(version.content_type, "application/json; charset=utf-8");
    server.set_version("0.5.1");
    EXPECT_EQ(client.get(server.url() + "/api/version").body, R"({"version":"0.5.1"})");
}

TEST(FakeOllama, StreamedChatArrivesAsSeveralNdjsonLines) {
    FakeOllama server;
    Client client;
    const auto r = client.post(server.url() + "/api/chat", kChatBody);
    ASSERT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/x-ndjson");
    EXPECT_NE(r.headers.find("Transfer-Encoding: chunked"), std::string::npos) << r.headers;

    const auto lines = ndjson_lines(r.body);
    ASSERT_GE(lines.size(), 3u);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        const auto doc = parse(lines[i]);
        EXPECT_EQ(str(doc, "model"), "qwen2.5:0.5b");
        EXPECT_FALSE(str(doc, "created_at").starts_with("<missing"));
        EXPECT_EQ(str(doc["message"], "role"), "assistant");
        EXPECT_FALSE(doc["done"].GetBool());
    }
    const auto last = parse(lines.back());
    EXPECT_TRUE(last["done"].GetBool());
    EXPECT_EQ(str(last, "done_reason"), "stop");
    for (const char *key : {"total_duration", "load_duration", "prompt_eval_count",
                            "prompt_eval_duration", "eval_count", "eval_duration"}) {
        EXPECT_TRUE(last.HasMember(key) && last[key].IsUint64()) << key;
    }
    EXPECT_EQ(last["eval_count"].GetUint64(), lines.size() - 1);
    EXPECT_EQ(stream_text(r.body), fo::kDefaultAnswer);
}

TEST(FakeOllama, NonStreamedChatIsOneJsonObject) {
    FakeOllama server;
    Client client;
    const auto r = client.post(server.url() + "/api/chat", kChatBodyNoStream);
    ASSERT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json; charset=utf-8");
    EXPECT_EQ(r.headers.find("Transfer-Encoding"), std::string::npos);
    const auto doc = parse(r.body);
    EXPECT_EQ(str(doc["message"], "content"), fo::kDefaultAnswer);
    EXPECT_TRUE(doc["done"].GetBool());
    EXPECT_EQ(str(doc, "done_reason"), "stop");
}

TEST(FakeOllama, ChatWithoutMessagesLoadsTheModel) {
    FakeOllama server;
    Client client;
    const auto r = client.post(server.url() + "/api/chat", R"({"model":"qwen2.5:0.5b"})");
    EXPECT_EQ(r.status, 200);
    const auto doc = parse(r.body);
    EXPECT_EQ(str(doc, "done_reason"), "load");
}

TEST(FakeOllama, GenerateStreamsResponseFieldAndHonoursStreamFalse) {
    FakeOllama server;
    Client client;
    const auto streamed =
        client.post(server.url() + "/api/generate", R"({"model":"qwen2.5:0.5b","prompt":"Why?"})");
    EXPECT_EQ(streamed.content_type, "application/x-ndjson");
    EXPECT_GT(ndjson_lines(streamed.body).size(), 2u);
    EXPECT_EQ(stream_text(streamed.body), fo::kDefaultAnswer);

    const auto single = client.post(server.url() + "/api/generate",
                                    R"({"model":"qwen2.5:0.5b","prompt":"Why?","stream":false})");
    const auto doc = parse(single.body);
    EXPECT_EQ(str(doc, "response"), fo::kDefaultAnswer);
    EXPECT_TRUE(doc["done"].GetBool());
}

TEST(FakeOllama, UnknownModelIs404WithOllamaWording) {
    FakeOllama server;
    Client client;
    const auto r = client.post(server.url() + "/api/chat",
                               R"({"model":"nope:1b","messages":[{"role":"user","content":"x"}]})");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, R"({"error":"model \"nope:1b\" not found, try pulling it first"})");
    const auto show = client.post(server.url() + "/api/show", R"({"model":"nope:1b"})");
    EXPECT_EQ(show.status, 404);
    EXPECT_EQ(show.body, R"({"error":"model 'nope:1b' not found"})");
}

TEST(FakeOllama, BadRequestBodies) {
    FakeOllama server;
    Client client;
    EXPECT_EQ(client.post(server.url() + "/api/chat", "").body,
              R"({"error":"missing request body"})");
    EXPECT_EQ(client.post(server.url() + "/api/chat", "{").status, 400);
    const auto r = client.post(server.url() + "/api/chat", R"({"messages":[]})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, R"({"error":"model is required"})");
}

TEST(FakeOllama, UnknownPathIs404PlainText) {
    FakeOllama server;
    Client client;
    const auto r = client.get(server.url() + "/api/nothing");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "404 page not found");
    EXPECT_EQ(r.content_type, "text/plain");
    EXPECT_EQ(client.get(server.url() + "/api/chat").status, 404); // wrong method
}

TEST(FakeOllama, KeepAliveReusesOneConnection) {
    FakeOllama server;
    Client client;
    const auto first = client.post(server.url() + "/api/chat", kChatBody);
    const auto second = client.post(server.url() + "/api/chat", kChatBodyNoStream);
    const auto third = client.get(server.url() + "/api/tags");
    ASSERT_EQ(first.code, CURLE_OK);
    ASSERT_EQ(second.code, CURLE_OK);
    ASSERT_EQ(third.code, CURLE_OK);
    EXPECT_EQ(first.new_connections, 1);
    EXPECT_EQ(second.new_connections, 0);
    EXPECT_EQ(third.new_connections, 0);
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 3u);
    EXPECT_EQ(reqs[0].connection_id, reqs[1].connection_id);
    EXPECT_EQ(reqs[1].connection_id, reqs[2].connection_id);
}

TEST(FakeOllama, ConnectionCloseIsHonoured) {
    FakeOllama server;
    Client client;
    const auto first = client.post(server.url() + "/api/chat", kChatBody, {"Connection: close"});
    EXPECT_NE(first.headers.find("Connection: close"), std::string::npos);
    const auto second = client.post(server.url() + "/api/chat", kChatBody);
    EXPECT_EQ(second.new_connections, 1);
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_NE(reqs[0].connection_id, reqs[1].connection_id);
}

TEST(FakeOllama, ScriptedRepliesAreFifoPerRouteThenDefault) {
    FakeOllama server;
    server.enqueue("/api/chat", fo::chat_json("qwen2.5:0.5b", "first"));
    server.enqueue("POST", "/api/chat", fo::chat_json("qwen2.5:0.5b", "second"));
    server.enqueue("/api/version", fo::version_json("9.9.9"));
    EXPECT_EQ(server.pending(), 3u);
    Client client;
    EXPECT_EQ(
        str(parse(client.post(server.url() + "/api/chat", kChatBody).body)["message"], "content"),
        "first");
    EXPECT_EQ(
        str(parse(client.post(server.url() + "/api/chat", kChatBody).body)["message"], "content"),
        "second");
    EXPECT_EQ(stream_text(client.post(server.url() + "/api/chat", kChatBody).body),
              fo::kDefaultAnswer);
    EXPECT_EQ(client.get(server.url() + "/api/version").body, R"({"version":"9.9.9"})");
    EXPECT_EQ(server.pending(), 0u);
}

TEST(FakeOllama, CustomDefaultHandlerSeesTheRequest) {
    FakeOllama server;
    server.set_default("POST", "/api/chat", [](const Request &req) {
        return Reply::json(201, fo::json_quote(req.body));
    });
    Client client;
    const auto r = client.post(server.url() + "/api/chat", R"({"a":1})");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, R"("{\"a\":1}")");
    server.clear_default("POST", "/api/chat");
    EXPECT_EQ(client.post(server.url() + "/api/chat", kChatBody).status, 200);
}

TEST(FakeOllama, ErrorMidStream) {
    FakeOllama server;
    server.enqueue("/api/generate", Reply::stream({fo::generate_chunk_line("gemma4", " Yes"),
                                                   fo::generate_chunk_line("gemma4", ".")})
                                        .add_error_line("an error was encountered while "
                                                        "running the model"));
    Client client;
    const auto r = client.post(server.url() + "/api/generate", R"({"model":"gemma4"})");
    ASSERT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(r.status, 200);
    const auto lines = ndjson_lines(r.body);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(str(parse(lines[0]), "response"), " Yes");
    EXPECT_EQ(lines[2], R"({"error":"an error was encountered while running the model"})");
}

TEST(FakeOllama, ServerBusy503) {
    FakeOllama server;
    const std::string busy = "server busy, please try again.  maximum pending requests exceeded";
    server.enqueue("/api/chat", Reply::error(503, busy));
    Client client;
    const auto r = client.post(server.url() + "/api/chat", kChatBody);
    ASSERT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, R"({"error":")" + busy + R"("})");
    // The connection survives an error status.
    EXPECT_EQ(client.post(server.url() + "/api/chat", kChatBody).new_connections, 0);
}

TEST(FakeOllama, LongHeaderDelayTriggersClientTimeout) {
    FakeOllama server;
    // Far beyond the client's timeout; the server's destructor interrupts the wait.
    server.enqueue("/api/chat", fo::chat_json("qwen2.5:0.5b", "late").delay_headers(1h));
    Client client;
    const auto r = client.post(server.url() + "/api/chat", kChatBody, {}, 100);
    EXPECT_EQ(r.code, CURLE_OPERATION_TIMEDOUT);
    // The server keeps serving others meanwhile.
    Client other;
    EXPECT_EQ(other.post(server.url() + "/api/chat", kChatBody).status, 200);
}

TEST(FakeOllama, ShortDelaysStillDeliverEverything) {
    FakeOllama server;
    server.enqueue(
        "/api/chat",
        fo::chat_stream("qwen2.5:0.5b", {"a", "b", "c"}).delay_headers(20ms).with_chunk_delay(5ms));
    Client client;
    const auto r = client.post(server.url() + "/api/chat", kChatBody);
    ASSERT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(stream_text(r.body), "abc");
}

TEST(FakeOllama, AbruptCloseMidStream) {
    FakeOllama server;
    server.enqueue("/api/chat",
                   fo::chat_stream("qwen2.5:0.5b", {"one", "two", "three", "four"}).close_after(2));
    Client client;
    const auto r = client.post(server.url() + "/api/chat", kChatBody);
    EXPECT_NE(r.code, CURLE_OK); // transfer closed with outstanding read data remaining
    EXPECT_EQ(r.status, 200);
    const auto lines = ndjson_lines(r.body);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(stream_text(r.body), "onetwo");
    // The client recovers on a fresh connection.
    const auto next = client.post(server.url() + "/api/chat", kChatBody);
    EXPECT_EQ(next.code, CURLE_OK);
    EXPECT_EQ(next.new_connections, 1);
}

TEST(FakeOllama, CloseAfterAllChunksStillOmitsTheTerminator) {
    FakeOllama server;
    server.enqueue("/api/chat", fo::chat_stream("qwen2.5:0.5b", {"all"}).close_after(5));
    Client client;
    const auto r = client.post(server.url() + "/api/chat", kChatBody);
    EXPECT_NE(r.code, CURLE_OK);
    EXPECT_EQ(ndjson_lines(r.body).size(), 2u); // token line + final line, then the cut
}

TEST(FakeOllama, HeadAnswersHeadersOnly) {
    FakeOllama server;
    Client client;
    curl_easy_setopt(client.handle(), CURLOPT_NOBODY, 1L);
    const auto r = client.perform(server.url() + "/api/tags", {}, 30'000);
    ASSERT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(server.last_request("/api/tags").method, "HEAD");
}

TEST(FakeOllama, DisconnectWithoutAnswer) {
    FakeOllama server;
    server.enqueue("/api/chat", Reply::disconnect());
    Client client;
    EXPECT_EQ(client.post(server.url() + "/api/chat", kChatBody).code, CURLE_GOT_NOTHING);
    EXPECT_EQ(server.count("/api/chat"), 1u);
}

TEST(FakeOllama, InjectedFaultsHitModelRoutesAtTheirRateAndEachKindLooksRight) {
    FakeOllama server;
    server.set_faults({.rate = 1.0, .seed = 7, .slow_delay = 30ms});
    Client client;
    int errors = 0, busy = 0, cut = 0, slow_but_whole = 0;
    for (int i = 0; i < 40; ++i) {
        const auto r = client.post(server.url() + "/api/chat", kChatBody);
        if (r.code == CURLE_OK && r.status == 500) ++errors;
        if (r.code == CURLE_OK && r.status == 503) ++busy;
        if (r.code != CURLE_OK) ++cut; // the stream stops halfway, without its terminator
        if (r.code == CURLE_OK && r.status == 200 && stream_text(r.body) == fo::kDefaultAnswer) {
            ++slow_but_whole;
        }
    }
    const fo::FaultCounts counts = server.fault_counts();
    EXPECT_EQ(counts.total(), 40u);
    EXPECT_EQ(counts.error, static_cast<std::uint64_t>(errors));
    EXPECT_EQ(counts.busy, static_cast<std::uint64_t>(busy));
    EXPECT_EQ(counts.cut, static_cast<std::uint64_t>(cut));
    EXPECT_EQ(counts.slow, static_cast<std::uint64_t>(slow_but_whole));
    EXPECT_GT(errors * busy * cut * slow_but_whole, 0) << "every kind drawn in 40";
    // Other routes are never hit.
    EXPECT_EQ(client.get(server.url() + "/api/tags").status, 200);
    EXPECT_EQ(server.fault_counts().total(), 40u);
}

TEST(FakeOllama, InjectedFaultsFollowTheRateAndTheSeed) {
    auto faults_in = [](std::uint64_t seed) {
        FakeOllama server;
        server.set_faults({.rate = 0.25, .seed = seed, .slow_delay = 1ms});
        Client client;
        for (int i = 0; i < 200; ++i)
            client.post(server.url() + "/api/chat", kChatBodyNoStream);
        return server.fault_counts().total();
    };
    const auto first = faults_in(3);
    EXPECT_EQ(faults_in(3), first);
    EXPECT_GT(first, 25u); // 50 expected; far outside chance if the rate were ignored
    EXPECT_LT(first, 80u);
}

TEST(FakeOllama, ConcurrentRequestsFromFourThreads) {
    FakeOllama server;
    constexpr int kThreads = 4;
    constexpr int kPerThread = 10;
    std::barrier start(kThreads);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            Client client;
            start.arrive_and_wait();
            for (int i = 0; i < kPerThread; ++i) {
                const auto r = client.post(server.url() + "/api/chat", kChatBody);
                if (r.code == CURLE_OK && r.status == 200 &&
                    r.body.find("\"done\":true") != std::string::npos) {
                    ++ok;
                }
            }
        });
    }
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(ok.load(), kThreads * kPerThread);
    EXPECT_EQ(server.count("/api/chat"), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(FakeOllama, SlowRequestDoesNotBlockOthers) {
    HttpResult slow_result;
    std::thread slow;
    {
        FakeOllama server;
        server.enqueue("/api/generate", fo::generate_json("qwen2.5:0.5b", "x").delay_headers(1h));
        const std::string url = server.url();
        slow = std::thread([&slow_result, url] {
            Client client;
            slow_result = client.post(url + "/api/generate", R"({"model":"qwen2.5:0.5b"})");
        });
        while (server.count("/api/generate") == 0)
            std::this_thread::sleep_for(1ms);
        Client fast;
        EXPECT_EQ(fast.post(url + "/api/chat", kChatBody).status, 200);
    } // stopping the server ends the stalled exchange
    slow.join();
    EXPECT_NE(slow_result.code, CURLE_OK);
}

TEST(FakeOllama, Utf8CharacterSplitAcrossChunks) {
    FakeOllama server;
    const std::string line = fo::chat_chunk_line("qwen2.5:0.5b", "caf\xc3\xa9 \xe2\x82\xac");
    const std::size_t euro = line.find("\xe2\x82\xac");
    ASSERT_NE(euro, std::string::npos);
    server.enqueue("/api/chat", Reply::stream()
                                    .add_split_line(line, euro + 1, 20ms) // inside the euro
                                    .add_line(fo::chat_final_line("qwen2.5:0.5b", {})));
    Client client;
    const auto r = client.post(server.url() + "/api/chat", kChatBody);
    ASSERT_EQ(r.code, CURLE_OK);
    const auto lines = ndjson_lines(r.body);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], line);
    EXPECT_EQ(stream_text(r.body), "caf\xc3\xa9 \xe2\x82\xac");
}

TEST(FakeOllama, RecordsRequests) {
    FakeOllama server;
    std::atomic<int> observed{0};
    server.set_request_observer([&](const Request &) { ++observed; });
    Client client;
    client.post(server.url() + "/api/chat?x=1", kChatBody, {"X-Test: yes"});
    client.get(server.url() + "/api/tags");
    client.post(server.url() + "/api/chat", kChatBodyNoStream);

    const auto all = server.requests();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].method, "POST");
    EXPECT_EQ(all[0].path, "/api/chat");
    EXPECT_EQ(all[0].target, "/api/chat?x=1");
    EXPECT_EQ(all[0].version, "HTTP/1.1");
    EXPECT_EQ(all[0].body, kChatBody);
    EXPECT_EQ(all[0].header("x-test"), "yes");
    EXPECT_EQ(all[0].header("CONTENT-TYPE"), "application/json");
    EXPECT_FALSE(all[0].header("X-Absent").has_value());
    EXPECT_EQ(all[1].method, "GET");
    EXPECT_EQ(server.count("/api/chat"), 2u);
    EXPECT_EQ(server.count("/api/tags"), 1u);
    EXPECT_EQ(server.count("/api/show"), 0u);
    EXPECT_EQ(server.last_request("/api/chat").body, kChatBodyNoStream);
    EXPECT_THROW(server.last_request("/api/show"), std::out_of_range);
    EXPECT_EQ(observed.load(), 3);

    server.clear_requests();
    EXPECT_TRUE(server.requests().empty());
    server.set_recording(false);
    client.get(server.url() + "/api/tags");
    EXPECT_EQ(server.count("/api/tags"), 0u);
}

TEST(FakeOllama, TagsListConfiguredModels) {
    FakeOllama server;
    Client client;
    auto doc = parse(client.get(server.url() + "/api/tags").body);
    ASSERT_EQ(doc["models"].Size(), 1u);
    EXPECT_EQ(str(doc["models"][0], "name"), "qwen2.5:0.5b");
    EXPECT_EQ(str(doc["models"][0]["details"], "parameter_size"), "0.5B");

    server.set_models({"llama3.2", "gemma3:1b"});
    doc = parse(client.get(server.url() + "/api/tags").body);
    ASSERT_EQ(doc["models"].Size(), 2u);
    EXPECT_EQ(str(doc["models"][0], "name"), "llama3.2:latest"); // Ollama's normalisation
    EXPECT_EQ(str(doc["models"][1], "model"), "gemma3:1b");
    const std::string chat =
        R"({"model":"llama3.2:latest","messages":[{"role":"user","content":"x"}]})";
    EXPECT_EQ(client.post(server.url() + "/api/chat", chat).status, 200);
}

TEST(FakeOllama, PullStreamsProgressAndAddsTheModel) {
    FakeOllama server;
    Client client;
    const auto r = client.post(server.url() + "/api/pull", R"({"model":"llama3.2"})");
    ASSERT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(r.content_type, "application/x-ndjson");
    std::vector<std::string> statuses;
    bool saw_completed = false;
    for (const auto &line : ndjson_lines(r.body)) {
        const auto doc = parse(line);
        statuses.push_back(str(doc, "status"));
        saw_completed |= doc.HasMember("completed") && doc.HasMember("total");
    }
    ASSERT_GE(statuses.size(), 6u);
    EXPECT_EQ(statuses.front(), "pulling manifest");
    EXPECT_TRUE(statuses[1].starts_with("pulling "));
    EXPECT_TRUE(saw_completed);
    EXPECT_EQ(statuses[statuses.size() - 3], "verifying sha256 digest");
    EXPECT_EQ(statuses[statuses.size() - 2], "writing manifest");
    EXPECT_EQ(statuses.back(), "success");
    EXPECT_NE(client.get(server.url() + "/api/tags").body.find("llama3.2:latest"),
              std::string::npos);

    const auto single =
        client.post(server.url() + "/api/pull", R"({"model":"x:1b","stream":false})");
    EXPECT_EQ(single.body, R"({"status":"success"})");
}

TEST(FakeOllama, ShowReportsDetailsAndContextLength) {
    FakeOllama server;
    server.set_context_length(4096);
    Client client;
    const auto r = client.post(server.url() + "/api/show", R"({"model":"qwen2.5:0.5b"})");
    ASSERT_EQ(r.status, 200);
    const auto doc = parse(r.body);
    EXPECT_EQ(str(doc["details"], "family"), "qwen2");
    EXPECT_EQ(doc["model_info"]["qwen2.context_length"].GetUint(), 4096u);
    EXPECT_TRUE(doc["capabilities"].IsArray());
}

TEST(FakeOllama, EmbedReturnsOneDeterministicVectorPerInput) {
    FakeOllama server;
    server.set_embedding_dims(8);
    Client client;
    const auto r = client.post(server.url() + "/api/embed",
                               R"({"model":"qwen2.5:0.5b","input":["a","b","a"]})");
    ASSERT_EQ(r.status, 200);
    const auto doc = parse(r.body);
    const auto &e = doc["embeddings"];
    ASSERT_EQ(e.Size(), 3u);
    ASSERT_EQ(e[0].Size(), 8u);
    double norm = 0;
    for (rapidjson::SizeType i = 0; i < 8; ++i) {
        EXPECT_EQ(e[0][i].GetDouble(), e[2][i].GetDouble());
        norm += e[0][i].GetDouble() * e[0][i].GetDouble();
    }
    EXPECT_NEAR(norm, 1.0, 1e-4);
    EXPECT_NE(e[0][0].GetDouble(), e[1][0].GetDouble());
    const auto one = parse(
        client.post(server.url() + "/api/embed", R"({"model":"qwen2.5:0.5b","input":"a"})").body);
    EXPECT_EQ(one["embeddings"].Size(), 1u);
}

TEST(FakeOllama, BuildersMatchOllamaShapes) {
    const auto reply =
        fo::chat_stream("llama3.2", {"Hel", "lo"}, {{"get_weather", R"({"city":"Tokyo"})"}});
    ASSERT_EQ(reply.kind, Reply::Kind::stream);
    ASSERT_EQ(reply.chunks.size(), 4u);
    for (const auto &chunk : reply.chunks)
        EXPECT_TRUE(chunk.bytes.ends_with("\n"));
    const auto tool = parse(reply.chunks[2].bytes);
    EXPECT_EQ(str(tool["message"]["tool_calls"][0]["function"], "name"), "get_weather");
    EXPECT_EQ(str(tool["message"]["tool_calls"][0]["function"]["arguments"], "city"), "Tokyo");
    const auto final_line = parse(reply.chunks[3].bytes);
    EXPECT_TRUE(final_line["done"].GetBool());
    EXPECT_EQ(final_line["eval_count"].GetUint(), 3u);

    const auto json = parse(fo::chat_json("m", "hi", {{"f", "{}"}}).body);
    EXPECT_EQ(str(json["message"]["tool_calls"][0]["function"], "name"), "f");
    // Go's encoding/json escapes HTML characters; clients must decode \u escapes.
    EXPECT_EQ(fo::json_quote("<a&b>\n\"\\"), R"("\u003ca\u0026b\u003e\n\"\\")");
    EXPECT_EQ(fo::error_json("boom"), R"({"error":"boom"})");
    EXPECT_TRUE(fo::rfc3339_now().ends_with("Z"));
}

TEST(FakeOllama, ExpectContinueWithLargeBody) {
    FakeOllama server;
    server.enqueue("/api/chat", fo::chat_json("qwen2.5:0.5b", "ok"));
    const std::string big =
        R"({"model":"qwen2.5:0.5b","pad":")" + std::string(2 << 20, 'x') + R"("})";
    Client client;
    const auto r = client.post(server.url() + "/api/chat", big, {"Expect: 100-continue"});
    ASSERT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(server.last_request("/api/chat").body.size(), big.size());
}

TEST(FakeOllama, ChunkedRequestBody) {
    FakeOllama server;
    struct Source {
        std::string data;
        std::size_t offset = 0;
    } source{kChatBodyNoStream};
    auto read = +[](char *buf, size_t size, size_t n, void *user) -> size_t {
        auto *s = static_cast<Source *>(user);
        const std::size_t len =
            std::min(size * n, std::min<std::size_t>(7, s->data.size() - s->offset));
        s->data.copy(buf, len, s->offset);
        s->offset += len;
        return len;
    };
    Client client;
    curl_easy_setopt(client.handle(), CURLOPT_POST, 1L);
    curl_easy_setopt(client.handle(), CURLOPT_POSTFIELDS, nullptr);
    curl_easy_setopt(client.handle(), CURLOPT_READFUNCTION, read);
    curl_easy_setopt(client.handle(), CURLOPT_READDATA, &source);
    const auto r =
        client.perform(server.url() + "/api/chat", {"Transfer-Encoding: chunked"}, 30'000);
    ASSERT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(server.last_request("/api/chat").body, kChatBodyNoStream);
}

TEST(FakeOllama, LoadScript) {
    FakeOllama server;
    server.load_script(R"([
        // comments are allowed
        {"method": "POST", "path": "/api/chat", "stream": [
            {"line": {"model": "m", "message": {"role": "assistant", "content": "Hi"},
                      "done": false}, "delay_ms": 0},
            {"line": {"model": "m", "message": {"role": "assistant", "content": "é!"},
                      "done": false}, "split_at": 55, "split_delay_ms": 1},
            {"error": "boom"}
        ]},
        {"path": "/api/chat", "status": 503, "body": {"error": "server busy"}, "repeat": 2},
        {"path": "/api/version", "body": {"version": "1.2.3"}, "default": true},
        {"path": "/api/generate", "stream": [{"raw": "{\"done\":"}, {"raw": "true}\n"}],
         "close_after": 1},
        {"path": "/", "body_text": "hello", "content_type": "text/plain",
         "headers": {"X-Fake": "1"}}
    ])");
    EXPECT_EQ(server.pending(), 5u);
    Client client;
    const auto stream = client.post(server.url() + "/api/chat", kChatBody);
    EXPECT_EQ(stream_text(stream.body), "Hié!");
    EXPECT_EQ(ndjson_lines(stream.body).back(), R"({"error":"boom"})");
    EXPECT_EQ(client.post(server.url() + "/api/chat", kChatBody).status, 503);
    EXPECT_EQ(client.post(server.url() + "/api/chat", kChatBody).body,
              R"({"error":"server busy"})");
    EXPECT_EQ(client.post(server.url() + "/api/chat", kChatBody).status, 200); // default
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(client.get(server.url() + "/api/version").body, R"({"version":"1.2.3"})");
    }
    const auto cut = client.post(server.url() + "/api/generate", "{}");
    EXPECT_NE(cut.code, CURLE_OK);
    EXPECT_EQ(cut.body, "{\"done\":");
    const auto root = client.get(server.url() + "/");
    EXPECT_EQ(root.body, "hello");
    EXPECT_NE(root.headers.find("X-Fake: 1"), std::string::npos);
}

TEST(FakeOllama, LoadScriptRejectsBadInputAtomically) {
    FakeOllama server;
    EXPECT_THROW(server.load_script("{"), std::invalid_argument);
    EXPECT_THROW(server.load_script("{}"), std::invalid_argument);
    EXPECT_THROW(server.load_script(R"([{"path":"/api/chat","body":{}}, {"path":"/x"}])"),
                 std::invalid_argument);
    EXPECT_THROW(server.load_script(R"([{"path":"/a","stream":[{"nothing":1}]}])"),
                 std::invalid_argument);
    EXPECT_EQ(server.pending(), 0u);
}

// Spawns the fake-ollama executable, talks to it, then stops it with SIGTERM.
TEST(FakeOllamaExecutable, ServesScriptUntilSigterm) {
    // Per-process name: several builds' test binaries may run at the same time.
    const std::string script =
        ::testing::TempDir() + "fake_ollama_test_script." + std::to_string(getpid()) + ".json";
    std::ofstream(script) << R"([{"path":"/api/chat","status":503,"body":{"error":"busy"}}])";
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {FAKE_OLLAMA_EXE, "--models", "a:1b,b", "--script", script};
    std::vector<char *> argv;
    for (auto &a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, FAKE_OLLAMA_EXE, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);

    std::string banner;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n')
        banner += c;
    close(out[0]);
    ASSERT_TRUE(banner.starts_with("listening on 127.0.0.1:")) << banner;
    const std::string url = "http://" + banner.substr(std::string("listening on ").size());

    Client client;
    EXPECT_EQ(client.post(url + "/api/chat", kChatBody).status, 503);
    EXPECT_NE(client.get(url + "/api/tags").body.find("\"a:1b\""), std::string::npos);

    kill(pid, SIGTERM);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    std::remove(script.c_str());
}

} // namespace
