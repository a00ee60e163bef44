// Requests for what is not a graph, passed to the Ollama backend unchanged (backend_proxy):
// FakeOllama is that backend, so what it received and what it answered can both be checked.
#include "serve_test_fixture.hpp"
#include "store/sqlite.hpp"
#include "tinyllm/digest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kBackendChat =
    R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hello"}],"options":{"seed":7}})";

class PassthroughTest : public ServeTest {};

TEST_F(PassthroughTest, ABackendModelsChatIsPassedThroughAndStreamsBack) {
    start_server();
    HttpClient client(url_);
    const HttpResponse r = client.post("/api/chat", kBackendChat);
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    EXPECT_EQ(r.header("content-type"), "application/x-ndjson");
    EXPECT_EQ(r.header("x-tinyllm-run-id"), ""); // no graph ran
    const std::vector<std::string> lines = r.lines();
    ASSERT_EQ(lines.size(), 10u) << r.body; // the backend's 9 tokens and its last line
    std::string answer;
    for (const std::string &line : lines) {
        const json::Document doc = parse_json(line);
        EXPECT_STREQ(doc["model"].GetString(), "qwen2.5:0.5b");
        answer += doc["message"]["content"].GetString();
    }
    EXPECT_EQ(answer, testing::kDefaultAnswer);
    // The backend got the request as the client sent it.
    const testing::Request got = ollama_.last_request("/api/chat");
    EXPECT_EQ(got.body, kBackendChat);
    EXPECT_EQ(got.method, "POST");
    EXPECT_EQ(got.header("host"), ollama_.host_port());
    EXPECT_TRUE(runs().Empty()); // and nothing was recorded as a run
}

TEST_F(PassthroughTest, WholeAnswersErrorsAndOtherEndpointsComeBackAsTheBackendGaveThem) {
    start_server();
    HttpClient client(url_);
    const HttpResponse whole =
        client.post("/api/generate", R"({"model":"qwen2.5:0.5b","prompt":"hi","stream":false})");
    ASSERT_EQ(whole.status, 200) << whole.body;
    EXPECT_EQ(whole.header("content-length"), std::to_string(whole.body.size()));
    EXPECT_EQ(parse_json(whole.body)["response"].GetString(), testing::kDefaultAnswer);

    const HttpResponse missing = client.post("/api/show", R"({"model":"llama9:70b"})");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, R"({"error":"model 'llama9:70b' not found"})"); // the backend's words

    const HttpResponse embed = client.post("/api/embed", R"({"model":"qwen2.5:0.5b","input":"x"})");
    EXPECT_EQ(embed.status, 200);
    EXPECT_EQ(parse_json(embed.body)["embeddings"].Size(), 1u);
    const HttpResponse pull = client.post("/api/pull", R"({"model":"phi4:14b"})");
    EXPECT_EQ(pull.status, 200);
    EXPECT_THAT(pull.body, HasSubstr(R"("status":"success")"));

    // The graphs first, then the backend's own models (the pull added one).
    const json::Document tags = parse_json(client.get("/api/tags").body);
    std::vector<std::string> names;
    for (const json::Value &m : tags["models"].GetArray())
        names.emplace_back(m["name"].GetString());
    EXPECT_EQ(names, (std::vector<std::string>{"tinyllm/default", "tinyllm/direct", "qwen2.5:0.5b",
                                               "qwen2.5:1.5b", "phi4:14b"}));

    // OpenAI's chat completions for a backend model go to the backend's own.
    client.post("/v1/chat/completions",
                R"({"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(ollama_.count("/v1/chat/completions"), 1u);
    // A graph's name that is not served is still this server's 404, never the backend's.
    EXPECT_THAT(client.post("/api/chat", R"({"model":"tinyllm/nope","messages":[]})").body,
                HasSubstr("no such graph"));
}

// In front of an Ollama, the lists a client reads hold the backend's entries after the graphs,
// /api/version is the backend's, and OpenAI's other endpoints reach it for its models.
TEST_F(PassthroughTest, ListsVersionAndOtherOpenAiEndpointsHoldTheBackendsToo) {
    ollama_.enqueue("GET", "/api/ps",
                    testing::Reply::json(200, R"({"models":[{"name":"qwen2.5:0.5b",)"
                                              R"("model":"qwen2.5:0.5b","size":400}]})"));
    ollama_.enqueue(
        "GET", "/v1/models",
        testing::Reply::json(200, R"({"object":"list","data":[{"id":"qwen2.5:0.5b",)"
                                  R"("object":"model","created":1,"owned_by":"library"}]})"));
    ollama_.enqueue("GET", "/v1/models/qwen2.5:0.5b",
                    testing::Reply::json(200, R"({"id":"qwen2.5:0.5b","object":"model",)"
                                              R"("created":1,"owned_by":"library"})"));
    ollama_.enqueue("POST", "/v1/embeddings",
                    testing::Reply::json(200, R"({"object":"list","data":[{"object":"embedding",)"
                                              R"("index":0,"embedding":[0.5]}]})"));
    ollama_.set_version("0.13.1");
    start_server();
    HttpClient client(url_);
    const auto names = [](const json::Value &list, const char *key) {
        std::vector<std::string> out;
        for (const json::Value &m : list.GetArray())
            out.emplace_back(m[key].GetString());
        return out;
    };

    const HttpResponse ps = client.get("/api/ps");
    ASSERT_EQ(ps.status, 200) << ps.body;
    EXPECT_EQ(names(parse_json(ps.body)["models"], "name"),
              (std::vector<std::string>{"qwen2.5:0.5b"})); // no graph runs now
    const json::Document version = parse_json(client.get("/api/version").body);
    EXPECT_STREQ(version["version"].GetString(), "0.13.1");
    EXPECT_STRNE(version["tinyllm_version"].GetString(), "");

    const HttpResponse models = client.get("/v1/models");
    ASSERT_EQ(models.status, 200) << models.body;
    EXPECT_EQ(names(parse_json(models.body)["data"], "id"),
              (std::vector<std::string>{"tinyllm/default", "tinyllm/direct", "qwen2.5:0.5b"}));
    const HttpResponse one = client.get("/v1/models/qwen2.5:0.5b");
    EXPECT_EQ(one.status, 200) << one.body;
    EXPECT_STREQ(parse_json(one.body)["owned_by"].GetString(), "library");

    const std::string embed = R"({"model":"qwen2.5:0.5b","input":"hello"})";
    const HttpResponse embedded = client.post("/v1/embeddings", embed);
    EXPECT_EQ(embedded.status, 200) << embedded.body;
    EXPECT_EQ(ollama_.last_request("/v1/embeddings").body, embed);
    // A graph answers chat completions only; an endpoint without a model is not passed on.
    const HttpResponse graph =
        client.post("/v1/embeddings", R"({"model":"tinyllm/default","input":"hello"})");
    EXPECT_EQ(graph.status, 400);
    EXPECT_STREQ(parse_json(graph.body)["error"]["code"].GetString(), "model_not_supported");
    EXPECT_EQ(client.get("/v1/files").status, 404);
    EXPECT_EQ(ollama_.count("/v1/embeddings"), 1u);

    // A backend that fails leaves this server's entries, answered all the same.
    ollama_.enqueue("GET", "/api/ps", testing::Reply::error(500, "boom"));
    ollama_.enqueue("GET", "/v1/models", testing::Reply::text(200, "not json", "text/plain"));
    const HttpResponse alone = client.get("/api/ps");
    EXPECT_EQ(alone.status, 200);
    EXPECT_EQ(parse_json(alone.body)["models"].Size(), 0u);
    EXPECT_EQ(names(parse_json(client.get("/v1/models").body)["data"], "id"),
              (std::vector<std::string>{"tinyllm/default", "tinyllm/direct"}));
}

// server.passthrough: "use" passes requests that use the backend's models, not those that pull,
// create or delete them (403, the backend never asked); "none" passes nothing.
TEST_F(PassthroughTest, ThePassthroughSettingKeepsModelManagementOrEverythingAway) {
    write_config_file("system.yaml",
                      "data_dir: " + (root() / "data").string() + "\nserver: {passthrough: use}\n");
    start_server();
    HttpClient client(url_);
    const HttpResponse pull = client.post("/api/pull", R"({"model":"phi4:14b"})");
    EXPECT_EQ(pull.status, 403) << pull.body;
    EXPECT_THAT(pull.body, HasSubstr("/api/pull manages the backend's models, which this server "
                                     "does not pass through (server.passthrough: use"));
    EXPECT_EQ(client.request("DELETE", "/api/delete", R"({"model":"qwen2.5:0.5b"})").status, 403);
    EXPECT_EQ(client.post("/api/blobs/sha256:00", "").status, 403);
    EXPECT_EQ(ollama_.count("/api/pull") + ollama_.count("/api/delete"), 0u);
    EXPECT_EQ(client.post("/api/embed", R"({"model":"qwen2.5:0.5b","input":"x"})").status, 200);
    EXPECT_EQ(client.post("/api/chat", kBackendChat).status, 200);
    server_->send_signal(SIGTERM);
    EXPECT_EXIT_CODE(server_->finish(), kOk);
    server_.reset();

    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nserver: {passthrough: none}\n");
    start_server();
    HttpClient graphs_only(url_);
    EXPECT_EQ(graphs_only.post("/api/chat", kBackendChat).status, 404);
    EXPECT_EQ(graphs_only.post("/api/pull", R"({"model":"phi4:14b"})").status, 501);
    EXPECT_EQ(parse_json(graphs_only.get("/api/tags").body)["models"].Size(), 2u); // the graphs
}

// Listening beyond this machine without keys, as --insecure-no-auth allows: anyone may call,
// the log says so, and (server.passthrough: auto) the backend's models may be used but not
// managed.
TEST_F(PassthroughTest, TheInsecureFlagServesEveryoneAndKeepsModelManagementAway) {
    server_ = start({"serve", "--listen", "0.0.0.0:0", "--insecure-no-auth"});
    start_server_from_output();
    HttpClient client(url_);
    EXPECT_EQ(client.post("/api/chat", kChatHello).status, 200);
    EXPECT_EQ(client.get("/tinyllm/v1/runs").status, 200);
    EXPECT_EQ(client.post("/api/pull", R"({"model":"phi4:14b"})").status, 403);
    EXPECT_EQ(client.post("/api/chat", kBackendChat).status, 200);
    EXPECT_THAT(server_->err_so_far(), HasSubstr("without API keys (--insecure-no-auth): anyone "
                                                 "who reaches it may run the graphs"));
}

TEST_F(PassthroughTest, ABackendThatStopsMidAnswerEndsTheStreamWithAnErrorLine) {
    ollama_.enqueue(
        "/api/chat",
        testing::chat_stream("qwen2.5:0.5b", {"one", "two", "three", "four"}).close_after(2));
    start_server();
    const HttpResponse r = HttpClient(url_).post("/api/chat", kBackendChat);
    ASSERT_EQ(r.status, 200) << r.error;
    const std::vector<std::string> lines = r.lines();
    ASSERT_EQ(lines.size(), 3u) << r.body;
    EXPECT_EQ(parse_json(lines[1])["message"]["content"].GetString(), std::string("two"));
    EXPECT_THAT(lines[2], HasSubstr(R"({"error":"backend local (127.0.0.1:)"));
    EXPECT_THAT(lines[2], HasSubstr("(the answer was cut off)"));
    // The connection that broke is not reused: the next request is answered.
    EXPECT_EQ(HttpClient(url_).post("/api/chat", kBackendChat).status, 200);
}

class SlowReaderTest : public PassthroughTest {
protected:
    // The backend answers 40 MB at once; the client reads none of it. Beyond what the kernel's
    // buffers hold, the stream waits in the server until `server_settings` (system.yaml's
    // server: lines) end it: the connection is closed, the answer cut short.
    void expect_cut_when_not_read(const std::string &server_settings) {
        write_config_file("system.yaml",
                          "data_dir: " + (config_dir().parent_path() / "data").string() +
                              "\nserver:\n" + server_settings);
        const std::vector<std::string> tokens(40'000, std::string(1000, 'x'));
        ollama_.enqueue("/api/chat", testing::chat_stream("qwen2.5:0.5b", tokens));
        start_server();
        RawConnection reader(port_);
        reader.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                    std::to_string(kBackendChat.size()) + "\r\n\r\n" + kBackendChat);
        // Not reading: wait until the server has closed it (it is the only other connection).
        HttpClient client(url_);
        bool cut = false;
        for (int i = 0; i < 600 && !cut; ++i) {
            cut = parse_json(client.get("/tinyllm/v1/status").body)["connections"].GetInt() <= 1;
            if (!cut) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ASSERT_TRUE(cut) << "the connection of a client that reads nothing stayed open";
        const std::string got = reader.read_until_closed(std::chrono::seconds(60));
        EXPECT_TRUE(reader.closed_by_server());
        EXPECT_LT(got.size(), 40'000u * 1000u); // cut short: no last line, no end of the chunks
        EXPECT_THAT(got, Not(HasSubstr("\"done\":true")));
        EXPECT_EQ(client.get("/healthz").status, 200);
    }
};

// At server.max_unsent_bytes (the write timeout set far out, so only that limit can end it).
TEST_F(SlowReaderTest, AClientReadingSlowerThanTheStreamComesIsCutAtTheUnsentLimit) {
    expect_cut_when_not_read("  max_unsent_bytes: 65536\n  write_timeout_ms: 600000\n");
}

// After server.write_timeout_ms of a write that does not move (the unsent limit set above the
// whole answer, so only the timeout can end it).
TEST_F(SlowReaderTest, AClientThatStopsReadingIsCutAfterTheWriteTimeout) {
    expect_cut_when_not_read("  max_unsent_bytes: 104857600\n  write_timeout_ms: 300\n");
}

TEST_F(PassthroughTest, ABackendThatIsDownIsA502NamingIt) {
    const RefusingPort down;
    write_config_file("models.yaml", models_yaml(down.url()));
    start_server();
    const HttpResponse r = HttpClient(url_).post("/api/chat", kBackendChat);
    EXPECT_EQ(r.status, 502);
    EXPECT_THAT(r.body, HasSubstr(R"({"error":"backend local (127.0.0.1:)"));
    EXPECT_THAT(r.body, HasSubstr("refused"));
    EXPECT_EQ(HttpClient(url_).get("/healthz").status, 200);
    // Not ready, saying why, and the metrics say so too.
    const HttpResponse ready = HttpClient(url_).get("/readyz");
    EXPECT_EQ(ready.status, 503);
    EXPECT_THAT(ready.body, HasSubstr(R"({"status":"not ready","reason":"backend: )"));
    EXPECT_THAT(HttpClient(url_).get("/metrics").body, HasSubstr("\ntinyllm_backends_up 0\n"));
}

TEST_F(PassthroughTest, ReadinessFollowsTheBackendsLastCheck) {
    start_server();
    HttpClient client(url_);
    const HttpResponse ready = client.get("/readyz");
    EXPECT_EQ(ready.status, 200) << ready.body;
    EXPECT_THAT(ready.body, HasSubstr(R"("backends_checked_ms_ago":)"));
    // Probes answer from the last check (every 5 s), not by asking the backend each time.
    const size_t asked = ollama_.count("/api/tags");
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(client.get("/readyz").status, 200);
    EXPECT_LE(ollama_.count("/api/tags"), asked + 1);
    EXPECT_THAT(client.get("/metrics").body, HasSubstr("\ntinyllm_backends_up 1\n"));
}

// A run store that cannot take a write (here another process holds its write lock past the busy
// timeout, 5 s) would fail every run's recording: not ready, saying why, until it can again.
TEST_F(PassthroughTest, ReadinessFollowsWhetherTheRunStoreTakesAWrite) {
    start_server();
    HttpClient client(url_);
    ASSERT_EQ(client.get("/readyz").status, 200);
    const auto eventually = [&](long status) {
        for (int i = 0; i < 300; ++i) { // up to 30 s: a check every 5 s, each waiting up to 5 s
            const HttpResponse r = client.get("/readyz");
            if (r.status == status) return r;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return client.get("/readyz");
    };
    {
        store::sqlite::Database holder(root() / "data" / "runs.db", "holder");
        holder.exec("BEGIN IMMEDIATE");
        const HttpResponse held = eventually(503);
        EXPECT_EQ(held.status, 503) << held.body;
        EXPECT_THAT(held.body, HasSubstr("readiness check"));
        EXPECT_THAT(held.body, HasSubstr("another process held it"));
        EXPECT_THAT(client.get("/metrics").body, HasSubstr("\ntinyllm_run_store_up 0\n"));
        holder.exec("ROLLBACK");
    }
    EXPECT_EQ(eventually(200).status, 200);
    EXPECT_THAT(client.get("/metrics").body, HasSubstr("\ntinyllm_run_store_up 1\n"));
}

TEST_F(PassthroughTest, ShutdownWithAStreamPassingThroughEndsCleanly) {
    ollama_.set_token_delay(std::chrono::milliseconds(300)); // about 3 s of answer
    start_server();
    RawConnection client(port_);
    client.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                std::to_string(kBackendChat.size()) + "\r\n\r\n" + kBackendChat);
    const std::string head = client.read_some(100, std::chrono::seconds(30));
    ASSERT_THAT(head, HasSubstr("HTTP/1.1 200"));
    server_->send_signal(SIGTERM);
    client.read_until_closed(std::chrono::seconds(30));
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_EXIT_CODE(server_->finish(), kOk); // and no sanitizer report
}

TEST_F(PassthroughTest, ThisServersKeyIsNotPassedOnToTheBackend) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nserver: {api_keys: [\"sha256:" + sha256_hex("k") +
                                         "\"]}\n");
    start_server();
    HttpClient client(url_);
    client.add_header("Authorization: Bearer k");
    ASSERT_EQ(client.post("/api/chat", kBackendChat).status, 200);
    EXPECT_FALSE(ollama_.last_request("/api/chat").header("authorization").has_value());
    HttpClient anonymous(url_);
    EXPECT_EQ(anonymous.post("/api/chat", kBackendChat).status, 401);
    EXPECT_EQ(ollama_.count("/api/chat"), 1u);
}

} // namespace
} // namespace tinyllm::e2e
