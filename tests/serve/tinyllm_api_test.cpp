// TinyLLM's own API under /tinyllm/v1/ (runs, live events, graphs, metrics, plugins, status)
// and the dashboard's files, end to end against the real host.
#include "serve_test_fixture.hpp"
#include "tinyllm/digest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Reads from `connection` until `text` has arrived (or `timeout`); returns all that came.
std::string read_until(RawConnection &connection, std::string &so_far, const std::string &text,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (so_far.find(text) == std::string::npos && std::chrono::steady_clock::now() < until &&
           !connection.closed_by_server()) {
        so_far += connection.read_some(1, std::chrono::milliseconds(200));
    }
    return so_far;
}

// The names of the server-sent events in `stream`, in order.
std::vector<std::string> event_names(const std::string &stream) {
    std::vector<std::string> names;
    for (size_t at = stream.find("event: "); at != std::string::npos;
         at = stream.find("event: ", at + 1)) {
        names.push_back(stream.substr(at + 7, stream.find('\n', at) - at - 7));
    }
    return names;
}

std::string get_request(const std::string &target, const std::string &extra_headers = "") {
    return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra_headers + "\r\n";
}

class TinyllmApiTest : public ServeTest {
protected:
    struct Followed {
        std::string run_id;
        std::string stream; // its own event stream, to run_finished
        HttpResponse response;
    };
    // Posts `body` to /api/chat on a thread of its own and follows its run: the all-runs stream
    // names it as it starts, then /tinyllm/v1/events?run=ID gives its events to the end. The
    // run must take long enough to be followed (a token delay).
    Followed follow_chat(const std::string &body) {
        RawConnection all(port_);
        all.send(get_request("/tinyllm/v1/events"));
        std::string everything;
        read_until(all, everything, ": tinyllm run events");
        Followed f;
        std::thread client([&] { f.response = HttpClient(url_).post("/api/chat", body); });
        read_until(all, everything, "event: run_started");
        const size_t at =
            everything.find(R"("run_id":")", everything.find("event: run_started")) + 10;
        f.run_id = everything.substr(at, everything.find('"', at) - at);
        RawConnection one(port_);
        one.send(get_request("/tinyllm/v1/events?run=" + f.run_id));
        read_until(one, f.stream, "event: run_finished");
        client.join();
        return f;
    }
};

TEST_F(TinyllmApiTest, RunsAreListedFilteredAndShownWithTheirTrace) {
    start_server();
    HttpClient client(url_);
    const std::string first = client.post("/api/chat", kChatHello).header("x-tinyllm-run-id");
    const std::string second = client.post("/api/chat", kChatHello).header("x-tinyllm-run-id");
    ASSERT_TRUE(eventually_status(second, "succeeded"));

    const HttpResponse all = client.get("/tinyllm/v1/runs");
    ASSERT_EQ(all.status, 200) << all.body;
    EXPECT_EQ(all.header("content-type"), "application/json; charset=utf-8");
    const json::Document listed = parse_json(all.body);
    ASSERT_EQ(listed["runs"].Size(), 2u);
    EXPECT_EQ(listed["runs"][0]["run_id"].GetString(), second); // newest first
    EXPECT_EQ(listed["runs"][1]["run_id"].GetString(), first);
    EXPECT_STREQ(listed["runs"][0]["status"].GetString(), "succeeded");
    EXPECT_FALSE(listed["runs"][0].HasMember("nodes"));

    EXPECT_EQ(parse_json(client.get("/tinyllm/v1/runs?limit=1").body)["runs"].Size(), 1u);
    EXPECT_EQ(parse_json(client.get("/tinyllm/v1/runs?status=failed").body)["runs"].Size(), 0u);
    // Query values are percent-decoded: "dir%65ct" is "direct".
    EXPECT_EQ(parse_json(client.get("/tinyllm/v1/runs?graph=dir%65ct").body)["runs"].Size(), 2u);
    EXPECT_EQ(parse_json(client.get("/tinyllm/v1/runs?graph=default").body)["runs"].Size(), 0u);

    const HttpResponse shown = client.get("/tinyllm/v1/runs/" + first.substr(0, 14));
    ASSERT_EQ(shown.status, 200) << shown.body;
    const json::Document trace = parse_json(shown.body);
    EXPECT_EQ(trace["run_id"].GetString(), first);
    ASSERT_EQ(trace["nodes"].Size(), 1u);
    EXPECT_STREQ(trace["nodes"][0]["node"].GetString(), "answer");
    EXPECT_STREQ(trace["nodes"][0]["model_calls"][0]["model"].GetString(), "qwen2.5:0.5b");
    EXPECT_STREQ(trace["answer"].GetString(), std::string(testing::kDefaultAnswer).c_str());
}

TEST_F(TinyllmApiTest, BadQueriesAndUnknownThingsGetOneErrorInTheApisShape) {
    start_server();
    HttpClient client(url_);
    const HttpResponse missing = client.get("/tinyllm/v1/runs/r-nothing");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, R"({"error":{"code":"not_found","message":"no recorded run has )"
                            R"(the id r-nothing"}})");
    const HttpResponse limit = client.get("/tinyllm/v1/runs?limit=lots");
    EXPECT_EQ(limit.status, 400);
    EXPECT_THAT(limit.body, HasSubstr("limit=lots: expected a whole number from 1 to 1000"));
    EXPECT_THAT(client.get("/tinyllm/v1/runs?status=done").body,
                HasSubstr("expected running, succeeded, failed or cancelled"));
    EXPECT_EQ(client.get("/tinyllm/v1/metrics?minutes=0").status, 400);
    EXPECT_THAT(client.get("/tinyllm/v1/metrics?last=5&minutes=5").body,
                HasSubstr("give minutes or last, not both"));
    EXPECT_EQ(client.get("/tinyllm/v1/graphs/nope").status, 404);
    const HttpResponse unknown = client.get("/tinyllm/v1/everything");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_THAT(unknown.body, HasSubstr("status, runs, runs/ID, events"));
    const HttpResponse post = client.post("/tinyllm/v1/runs", "{}");
    EXPECT_EQ(post.status, 405);
    EXPECT_EQ(post.header("allow"), "GET, HEAD");
}

TEST_F(TinyllmApiTest, LiveEventsFollowEveryRunFromStartToEnd) {
    start_server();
    RawConnection events(port_);
    events.send(get_request("/tinyllm/v1/events"));
    std::string stream;
    read_until(events, stream, ": tinyllm run events");
    EXPECT_THAT(stream, HasSubstr("Content-Type: text/event-stream"));
    EXPECT_THAT(stream, HasSubstr("Cache-Control: no-cache"));

    const std::string run_id =
        HttpClient(url_).post("/api/chat", kChatHello).header("x-tinyllm-run-id");
    read_until(events, stream, "event: run_finished");
    EXPECT_EQ(event_names(stream), (std::vector<std::string>{"run_started", "node_started",
                                                             "node_finished", "run_finished"}));
    EXPECT_THAT(stream, HasSubstr(R"(data: {"run_id":")" + run_id + R"(","graph":"direct")"));
    EXPECT_THAT(stream, HasSubstr(R"("status":"succeeded")"));
    EXPECT_THAT(stream, HasSubstr(R"("model_calls":[{"model":"qwen2.5:0.5b")"));
    // Tokens go only to a client that follows the run.
    EXPECT_THAT(stream, Not(HasSubstr("node_event")));
    EXPECT_EQ(parse_json(HttpClient(url_).get("/tinyllm/v1/status").body)["event_streams"].GetInt(),
              1);
}

TEST_F(TinyllmApiTest, FollowingOneRunGivesItsTokensAsTheyCome) {
    ollama_.set_token_delay(std::chrono::milliseconds(150));
    start_server();
    const Followed followed = follow_chat(kChatHello);
    const std::string &run_id = followed.run_id;
    const std::string &stream = followed.stream;
    ASSERT_EQ(followed.response.header("x-tinyllm-run-id"), run_id);
    EXPECT_THAT(stream, HasSubstr("event: node_event\ndata: {\"run_id\":\"" + run_id +
                                  R"(","seq":0,"node":"answer","event":{"type":"token")"));
    // The later tokens came while it ran (the first ones may have gone before we followed).
    EXPECT_THAT(stream, HasSubstr(R"("content":" today")"));
}

// A followed run of the default graph shows its gate's decision live, as the gate makes it.
TEST_F(TinyllmApiTest, FollowingARunGivesItsGatesDecisionLive) {
    ollama_.set_token_delay(std::chrono::milliseconds(150)); // the specialist's answer: ~1.5 s
    start_server();
    const Followed followed =
        follow_chat(R"({"model":"tinyllm/default","messages":[{"role":"user",)"
                    R"("content":"what is 17 * 23?"}]})");
    ASSERT_EQ(followed.response.status, 200) << followed.response.body;
    EXPECT_THAT(followed.stream,
                HasSubstr(R"("node":"math_check","event":{"type":"decision","kind":"gate",)"
                          R"("pass":true,"action":"pass")"));
}

TEST_F(TinyllmApiTest, ShutdownEndsTheEventStreams) {
    start_server();
    RawConnection events(port_);
    events.send(get_request("/tinyllm/v1/events"));
    std::string stream;
    read_until(events, stream, ": tinyllm run events");
    server_->send_signal(SIGTERM);
    events.read_until_closed(std::chrono::seconds(30));
    EXPECT_TRUE(events.closed_by_server());
    EXPECT_EXIT_CODE(server_->finish(), kOk);
}

TEST_F(TinyllmApiTest, GraphsMetricsPluginsAndStatusDescribeTheServer) {
    start_server();
    HttpClient client(url_);
    ASSERT_EQ(client.post("/api/chat", kChatHello).status, 200);

    const json::Document graphs = parse_json(client.get("/tinyllm/v1/graphs").body);
    ASSERT_EQ(graphs["graphs"].Size(), 2u);
    const json::Document def = parse_json(client.get("/tinyllm/v1/graphs/default").body);
    EXPECT_STREQ(def["model"].GetString(), "tinyllm/default");
    EXPECT_TRUE(def["available"].GetBool());
    EXPECT_STREQ(def["entry"].GetString(), "router");
    EXPECT_STREQ(def["exits"][0].GetString(), "done");
    EXPECT_EQ(def["nodes"].Size(), 8u);
    EXPECT_STREQ(def["edges"][0]["from"].GetString(), "router");
    EXPECT_STREQ(def["edges"][0]["when"].GetString(), R"(route == "math")");
    ASSERT_GE(def["versions"].Size(), 1u); // the file's version, recorded when it was read
    EXPECT_STREQ(def["versions"][0]["version"].GetString(), def["version"].GetString());
    EXPECT_TRUE(def["versions"][0]["active"].GetBool());

    ASSERT_TRUE(eventually_status(runs()[0]["run_id"].GetString(), "succeeded"));
    const HttpResponse metrics = client.get("/tinyllm/v1/metrics?graph=direct&minutes=10");
    ASSERT_EQ(metrics.status, 200) << metrics.body;
    const json::Document report = parse_json(metrics.body);
    bool answer_node = false;
    for (const json::Value &m : report["nodes"].GetArray()) {
        if (std::string(m["node"].GetString()) != "answer") continue;
        answer_node = true;
        EXPECT_EQ(m["requests"].GetInt(), 1);
        EXPECT_EQ(m["model_calls"].GetInt(), 1);
        EXPECT_TRUE(m["trend"]["requests"].IsArray());
    }
    EXPECT_TRUE(answer_node) << metrics.body;

    const json::Document plugins = parse_json(client.get("/tinyllm/v1/plugins").body);
    EXPECT_GT(plugins["plugins"].Size(), 0u);
    EXPECT_TRUE(plugins["failures"].IsArray());

    const json::Document status = parse_json(client.get("/tinyllm/v1/status").body);
    EXPECT_STREQ(status["version"].GetString(), TINYLLM_VERSION_STRING);
    EXPECT_EQ(status["run_slots"].GetInt(), 8);
    EXPECT_EQ(status["graphs"].GetInt(), 2);
    EXPECT_TRUE(status["run_store"].GetBool());
    EXPECT_TRUE(status["passthrough"].GetBool());
    EXPECT_TRUE(status["backends_up"].GetBool());
}

TEST_F(TinyllmApiTest, ABrowserGetsTheDashboardAndAnOllamaClientTheHeartbeat) {
    start_server();
    RawConnection browser(port_);
    browser.send(
        get_request("/", "Accept: text/html,application/xhtml+xml\r\nConnection: close\r\n"));
    const std::string page = browser.read_until_closed(std::chrono::seconds(30));
    EXPECT_THAT(page, HasSubstr("Content-Type: text/html; charset=utf-8"));
    EXPECT_THAT(page, HasSubstr("<title>TinyLLM</title>"));
    EXPECT_THAT(page, HasSubstr(R"(<script src="/ui/app.js">)"));

    HttpClient client(url_); // libcurl's Accept: */*
    EXPECT_EQ(client.get("/").body, "TinyLLM is running");
    const HttpResponse script = client.get("/ui/app.js");
    EXPECT_EQ(script.status, 200);
    EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_THAT(script.body, HasSubstr("/tinyllm/v1/"));
    EXPECT_EQ(client.get("/ui/style.css").header("content-type"), "text/css; charset=utf-8");
    EXPECT_EQ(client.get("/ui/nothing.js").status, 404);
    EXPECT_EQ(client.get("/ui/../../etc/passwd").status, 400);
}

// ---- API keys and CORS -----------------------------------------------------------------------

// sha256 of "first-key" (printf %s first-key | sha256sum).
const std::string kFirstKeyHash = "sha256:" + sha256_hex("first-key");

TEST_F(TinyllmApiTest, KeysAreAskedForEverywhereButTheProbesAndTheDashboardsFiles) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nserver: {api_keys: [\"" + kFirstKeyHash +
                                         "\", \"env:TINYLLM_TEST_KEY\"]}\n");
    server_ = start({"serve", "--listen", "127.0.0.1:0"}, {{"TINYLLM_TEST_KEY", "second-key"}});
    start_server_from_output();
    HttpClient anonymous(url_);
    const HttpResponse ollama = anonymous.get("/api/tags");
    EXPECT_EQ(ollama.status, 401);
    EXPECT_EQ(ollama.header("www-authenticate"), R"(Bearer realm="tinyllm")");
    EXPECT_EQ(ollama.body, R"({"error":"this server needs an API key: send it as )"
                           R"(Authorization: Bearer KEY"})");
    const HttpResponse openai = anonymous.get("/v1/models");
    EXPECT_EQ(openai.status, 401);
    EXPECT_THAT(openai.body, HasSubstr(R"("code":"invalid_api_key")"));
    const HttpResponse own = anonymous.get("/tinyllm/v1/runs");
    EXPECT_EQ(own.status, 401);
    EXPECT_THAT(own.body, HasSubstr(R"({"error":{"code":"unauthorized")"));
    EXPECT_EQ(anonymous.get("/metrics").status, 401);
    EXPECT_EQ(anonymous.get("/tinyllm/v1/events").status, 401);
    EXPECT_EQ(anonymous.post("/api/chat", kChatHello).status, 401);
    EXPECT_EQ(ollama_.count("/api/chat"), 0u); // nothing ran
    for (const char *open : {"/healthz", "/readyz", "/ui/app.js", "/"})
        EXPECT_EQ(anonymous.get(open).status, 200) << open;

    HttpClient wrong(url_);
    wrong.add_header("Authorization: Bearer first-key-but-not-quite");
    const HttpResponse refused = wrong.get("/api/tags");
    EXPECT_EQ(refused.status, 401);
    EXPECT_THAT(refused.body, HasSubstr("not one this server accepts"));

    for (const char *key : {"first-key", "second-key"}) {
        HttpClient client(url_);
        client.add_header(std::string("Authorization: Bearer ") + key);
        EXPECT_EQ(client.get("/api/tags").status, 200) << key;
        EXPECT_EQ(client.post("/api/chat", kChatHello).status, 200) << key;
        EXPECT_EQ(client.get("/tinyllm/v1/runs").status, 200) << key;
    }
}

TEST_F(TinyllmApiTest, AKeyFromAnUnsetVariableStopsTheServerFromStarting) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nserver: {api_keys: [\"env:TINYLLM_NO_SUCH_KEY\"]}\n");
    const RunResult r = host({"serve", "--listen", "127.0.0.1:0"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_THAT(r.err, HasSubstr("server.api_keys: env:TINYLLM_NO_SUCH_KEY: the environment "
                                 "variable TINYLLM_NO_SUCH_KEY is not set"));
}

TEST_F(TinyllmApiTest, AnAddressOtherMachinesReachNeedsKeysOrTheInsecureFlag) {
    // Refused before anything listens, so no port is opened beyond loopback.
    const RunResult r = host({"serve", "--listen", "0.0.0.0:0"});
    EXPECT_EXIT_CODE(r, kUsage);
    EXPECT_THAT(r.err, HasSubstr("listening on 0.0.0.0:0 lets other machines in, so it needs "
                                 "API keys (server.api_keys"));
    EXPECT_THAT(r.err, HasSubstr("--insecure-no-auth"));
    EXPECT_THAT(host({"serve", "--help"}).out, HasSubstr("--insecure-no-auth"));
}

TEST_F(TinyllmApiTest, PagesOfTheConfiguredOriginsMayCallAndNoOthers) {
    write_config_file("system.yaml",
                      "data_dir: " + (root() / "data").string() +
                          "\nserver: {cors_origins: [\"https://chat.example.com\"]}\n");
    start_server();
    RawConnection preflight(port_);
    preflight.send("OPTIONS /api/chat HTTP/1.1\r\nHost: x\r\nOrigin: https://chat.example.com\r\n"
                   "Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n");
    const std::string allowed = preflight.read_until_closed(std::chrono::seconds(30));
    EXPECT_THAT(allowed, HasSubstr("HTTP/1.1 204"));
    EXPECT_THAT(allowed, HasSubstr("Access-Control-Allow-Origin: https://chat.example.com"));
    EXPECT_THAT(allowed, HasSubstr("Access-Control-Allow-Headers: Authorization, Content-Type"));

    RawConnection other(port_);
    other.send("OPTIONS /api/chat HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n"
               "Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n");
    const std::string refused = other.read_until_closed(std::chrono::seconds(30));
    EXPECT_THAT(refused, HasSubstr("HTTP/1.1 400"));
    EXPECT_THAT(refused, Not(HasSubstr("Access-Control-Allow-Origin")));
    EXPECT_THAT(refused, HasSubstr("pages of https://evil.example may not call this server"));

    HttpClient from_page(url_);
    from_page.add_header("Origin: https://chat.example.com");
    const HttpResponse tags = from_page.get("/api/tags");
    EXPECT_EQ(tags.header("access-control-allow-origin"), "https://chat.example.com");
    EXPECT_EQ(tags.header("access-control-expose-headers"), "X-TinyLLM-Run-Id, Retry-After");
    HttpClient from_elsewhere(url_);
    from_elsewhere.add_header("Origin: https://evil.example");
    EXPECT_EQ(from_elsewhere.get("/api/tags").header("access-control-allow-origin"), "");
}

} // namespace
} // namespace tinyllm::e2e
