// Alerts end to end: tinyllm serve with an alerts.yaml, runs that fail, and the alert seen
// everywhere it should be — /tinyllm/v1/alerts, the live events, /metrics, the log and the
// webhook (a second FakeOllama records the POSTs) — then resolved when runs succeed again.
#include "serve_test_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

class AlertsServeTest : public ServeTest {
protected:
    // Polls /tinyllm/v1/alerts until an alert named `name` is in `state` (bounded).
    json::Document wait_for_alert(const std::string &name, const std::string &state) {
        HttpClient client(url_);
        for (int i = 0; i < 300; ++i) {
            json::Document report = parse_json(client.get("/tinyllm/v1/alerts").body);
            for (const json::Value &a : report["alerts"].GetArray()) {
                if (a["name"].GetString() == name && a["state"].GetString() == state) return report;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ADD_FAILURE() << "no " << state << " alert " << name << " appeared";
        return parse_json(client.get("/tinyllm/v1/alerts").body);
    }
    // Waits until `receiver` got `n` POSTs to `path` (bounded).
    static bool received(const testing::FakeOllama &receiver, const std::string &path, size_t n) {
        for (int i = 0; i < 600 && receiver.count(path) < n; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        return receiver.count(path) >= n;
    }
};

TEST_F(AlertsServeTest, FailingRunsFireAnAlertSeenEverywhereThenItResolves) {
    testing::FakeOllama receiver;
    receiver.set_default("POST", "/hook", testing::Reply::json(200, "{}"));
    write_config_file("alerts.yaml", "evaluate_every: 100ms\n"
                                     "webhook: {url: \"" +
                                         receiver.url() +
                                         "/hook\", format: webhook}\n"
                                         "rules:\n"
                                         "  - name: DirectFailing\n"
                                         "    type: run_failure_rate\n"
                                         "    graph: direct\n"
                                         "    above: 0.5\n"
                                         "    min_count: 2\n"
                                         "    for: 0s\n"
                                         "    keep_firing_for: 0s\n"
                                         "    labels: {severity: page}\n"
                                         "    annotations: {summary: \"{{labels.graph}} fails "
                                         "{{value}}\", description: \"{{detail}}\"}\n");
    start_server();
    RawConnection events(port_);
    events.send("GET /tinyllm/v1/events HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string stream = events.read_some(1, std::chrono::seconds(10)); // the stream began

    ollama_.set_default("POST", "/api/chat", testing::Reply::error(500, "model exploded"));
    HttpClient client(url_);
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(client.post("/api/chat", kChatHello).status, 502); // the run failed

    const json::Document report = wait_for_alert("DirectFailing", "firing");
    EXPECT_EQ(report["rules"].Size(), 1u);
    EXPECT_STREQ(report["rules"][0]["type"].GetString(), "run_failure_rate");
    const json::Value &alert = report["alerts"][0];
    EXPECT_STREQ(alert["labels"]["graph"].GetString(), "direct");
    EXPECT_STREQ(alert["labels"]["severity"].GetString(), "page");
    EXPECT_STREQ(alert["annotations"]["summary"].GetString(), "direct fails 1");
    EXPECT_STREQ(alert["annotations"]["description"].GetString(), "2 of 2 failed");

    // The live event, the gauge and the status.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (stream.find("event: alert") == std::string::npos &&
           std::chrono::steady_clock::now() < until)
        stream += events.read_some(1, std::chrono::milliseconds(200));
    EXPECT_THAT(stream, HasSubstr("event: alert\ndata: {\"name\":\"DirectFailing\","
                                  "\"state\":\"firing\""));
    EXPECT_THAT(client.get("/metrics").body, HasSubstr("\ntinyllm_alerts_firing 1\n"));
    const json::Document status = parse_json(client.get("/tinyllm/v1/status").body);
    EXPECT_EQ(status["alerts_firing"].GetInt(), 1);
    EXPECT_EQ(status["alert_rules"].GetInt(), 1);

    // The webhook: Alertmanager's webhook payload.
    ASSERT_TRUE(received(receiver, "/hook", 1));
    const json::Document fired = parse_json(receiver.last_request("/hook").body);
    EXPECT_STREQ(fired["status"].GetString(), "firing");
    EXPECT_STREQ(fired["alerts"][0]["labels"]["alertname"].GetString(), "DirectFailing");
    EXPECT_THAT(fired["externalURL"].GetString(), HasSubstr(std::to_string(port_)));

    // Runs succeed again: 2 of 5 failed is below the threshold, so it resolves at once.
    ollama_.clear_default("POST", "/api/chat");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(client.post("/api/chat", kChatHello).status, 200);
    ASSERT_TRUE(received(receiver, "/hook", 2));
    const json::Document resolved = parse_json(receiver.last_request("/hook").body);
    EXPECT_STREQ(resolved["status"].GetString(), "resolved");
    EXPECT_EQ(parse_json(client.get("/tinyllm/v1/alerts").body)["alerts"].Size(), 0u);
    EXPECT_EQ(parse_json(client.get("/tinyllm/v1/alerts").body)["webhook"]["sent"].GetInt(), 2);

    server_->send_signal(SIGTERM);
    const RunResult ended = server_->finish();
    EXPECT_EXIT_CODE(ended, kOk);
    EXPECT_THAT(ended.err, HasSubstr("alert DirectFailing firing: direct fails 1"));
    EXPECT_THAT(ended.err, HasSubstr("alert DirectFailing resolved"));
}

TEST_F(AlertsServeTest, AWebhookHeaderFromAnUnsetVariableStopsTheServerAtStart) {
    write_config_file("alerts.yaml",
                      "webhook:\n  url: http://127.0.0.1:9/hook\n"
                      "  headers: {Authorization: \"env:TINYLLM_TEST_NO_SUCH_TOKEN\"}\n"
                      "rules: [{name: Down, type: backend_down}]\n");
    const RunResult r = host({"serve", "--listen", "127.0.0.1:0"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("TINYLLM_TEST_NO_SUCH_TOKEN is not set"));
}

TEST_F(AlertsServeTest, ABrokenRuleIsOneLineNamingItsPlaceBeforeAnythingListens) {
    write_config_file("alerts.yaml", "rules:\n  - {name: Slow, type: latency, above: fast}\n");
    const RunResult r = host({"serve", "--listen", "127.0.0.1:0"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("alerts.yaml:2:"));
    EXPECT_THAT(r.err, HasSubstr("above"));
}

} // namespace
} // namespace tinyllm::e2e
