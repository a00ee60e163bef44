// The alert rules of tinyllm serve, without a server: the evaluator fed metrics whose truth is
// known (windows, quantiles, hysteresis, one alert per series), and the webhook POSTing to a
// loopback receiver (FakeOllama records what it is sent) in both payload shapes.
#include "serve/alert_webhook.hpp"
#include "serve/alerts.hpp"

#include "fake_ollama.hpp"
#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace tinyllm::serve {
namespace {

using config::AlertRule;
using config::AlertType;

constexpr int64_t kStart = 1'700'000'000'000; // any wall-clock time
constexpr int64_t kSecond = 1000;

AlertRule node_rule(int64_t for_ms = 60 * kSecond, int64_t keep_ms = 60 * kSecond) {
    AlertRule rule;
    rule.name = "NodeFailing";
    rule.type = AlertType::node_failure_rate;
    rule.above = 0.3;
    rule.window_ms = 300 * kSecond;
    rule.min_count = 10;
    rule.for_ms = for_ms;
    rule.keep_firing_for_ms = keep_ms;
    rule.labels = {{"severity", "page"}};
    rule.annotations = {{"summary", "{{labels.node}} of {{labels.graph}} at {{value}} > {{above}}"},
                        {"description", "{{detail}}"}};
    return rule;
}

// Executions of graph g's nodes so far (cumulative, as Metrics counts them).
AlertInputs node_counts(double answer_ok, double answer_failed, double route_ok = 0) {
    AlertInputs in;
    in.metrics.nodes[{"g", "answer", "succeeded"}] = answer_ok;
    in.metrics.nodes[{"g", "answer", "failed"}] = answer_failed;
    in.metrics.nodes[{"g", "answer", "cancelled"}] = 100; // never counted either way
    in.metrics.nodes[{"g", "route", "succeeded"}] = route_ok;
    return in;
}

TEST(AlertEvaluator, AnAlertIsPendingUntilItsConditionHeldForThenFiresOnce) {
    AlertEvaluator alerts({node_rule()});
    EXPECT_TRUE(alerts.evaluate(node_counts(6, 4), kStart).empty()); // 40 % of 10 ended
    ASSERT_EQ(alerts.active().size(), 1u);
    EXPECT_EQ(alerts.active()[0].state, AlertState::pending);
    EXPECT_EQ(alerts.counts().pending, 1u);
    EXPECT_EQ(alerts.counts().firing, 0u);
    EXPECT_TRUE(alerts.firing().empty());
    EXPECT_TRUE(alerts.evaluate(node_counts(6, 4), kStart + 59 * kSecond).empty());
    const std::vector<Alert> fired = alerts.evaluate(node_counts(6, 4), kStart + 60 * kSecond);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(alerts.counts().pending, 0u);
    EXPECT_EQ(alerts.counts().firing, 1u);
    EXPECT_EQ(alerts.firing().size(), 1u);
    const Alert &a = fired[0];
    EXPECT_EQ(a.state, AlertState::firing);
    EXPECT_DOUBLE_EQ(a.value, 0.4);
    EXPECT_EQ(a.active_since_ms, kStart);
    EXPECT_EQ(a.fired_at_ms, kStart + 60 * kSecond);
    const std::map<std::string, std::string> labels = {
        {"alertname", "NodeFailing"}, {"graph", "g"}, {"node", "answer"}, {"severity", "page"}};
    EXPECT_EQ(a.labels, labels); // the node that never failed has no alert
    EXPECT_EQ(a.annotations.at("summary"), "answer of g at 0.4 > 0.3");
    EXPECT_EQ(a.annotations.at("description"), "4 of 10 failed");
    EXPECT_TRUE(alerts.evaluate(node_counts(6, 4), kStart + 65 * kSecond).empty()); // told once
}

TEST(AlertEvaluator, APendingAlertWhoseConditionClearsIsForgottenUntold) {
    AlertEvaluator alerts({node_rule()});
    alerts.evaluate(node_counts(6, 4), kStart);
    EXPECT_TRUE(alerts.evaluate(node_counts(30, 4), kStart + 30 * kSecond).empty()); // 4 of 34
    EXPECT_TRUE(alerts.active().empty());
}

TEST(AlertEvaluator, AFiringAlertResolvesOnlyAfterStayingClearForKeepFiringFor) {
    AlertEvaluator alerts({node_rule(0, 60 * kSecond)});
    ASSERT_EQ(alerts.evaluate(node_counts(6, 4), kStart).size(), 1u); // for: 0s
    // Clear (4 of 40), then failing again within keep_firing_for: the same alert, untold.
    EXPECT_TRUE(alerts.evaluate(node_counts(36, 4), kStart + 10 * kSecond).empty());
    EXPECT_EQ(alerts.active()[0].clear_since_ms, kStart + 10 * kSecond);
    EXPECT_TRUE(alerts.evaluate(node_counts(36, 40), kStart + 20 * kSecond).empty());
    EXPECT_EQ(alerts.active()[0].state, AlertState::firing);
    EXPECT_EQ(alerts.active()[0].clear_since_ms, 0);
    // Clear for good: resolved 60 s after it cleared.
    EXPECT_TRUE(alerts.evaluate(node_counts(400, 40), kStart + 30 * kSecond).empty());
    EXPECT_TRUE(alerts.evaluate(node_counts(400, 40), kStart + 89 * kSecond).empty());
    const std::vector<Alert> resolved =
        alerts.evaluate(node_counts(400, 40), kStart + 90 * kSecond);
    ASSERT_EQ(resolved.size(), 1u);
    EXPECT_EQ(resolved[0].state, AlertState::resolved);
    EXPECT_EQ(resolved[0].resolved_at_ms, kStart + 90 * kSecond);
    EXPECT_EQ(resolved[0].active_since_ms, kStart);
    EXPECT_TRUE(alerts.active().empty());
}

TEST(AlertEvaluator, RatesCoverTheWindowOnlyAsIncreaseWould) {
    AlertRule rule = node_rule(0, 0);
    rule.window_ms = 60 * kSecond;
    AlertEvaluator alerts({rule});
    // 20 failures of 20 in the first minute: firing.
    ASSERT_EQ(alerts.evaluate(node_counts(0, 20), kStart + 30 * kSecond).size(), 1u);
    // A minute later 20 more executions, all fine: over the last 60 s 0 of 20 failed.
    alerts.evaluate(node_counts(10, 20), kStart + 60 * kSecond);
    const std::vector<Alert> resolved = alerts.evaluate(node_counts(20, 20), kStart + 91 * kSecond);
    ASSERT_EQ(resolved.size(), 1u) << "the old failures still counted";
    EXPECT_EQ(resolved[0].state, AlertState::resolved);
}

TEST(AlertEvaluator, TooFewExecutionsNeverFire) {
    AlertEvaluator alerts({node_rule(0, 0)});
    EXPECT_TRUE(alerts.evaluate(node_counts(0, 9), kStart).empty()); // 100 % of 9 < min_count
    EXPECT_TRUE(alerts.active().empty());
    EXPECT_EQ(alerts.evaluate(node_counts(0, 10), kStart + kSecond).size(), 1u);
}

TEST(AlertEvaluator, EachSeriesIsItsOwnAlertAndFiltersNarrowThem) {
    AlertRule every = node_rule(0, 0);
    AlertRule one = node_rule(0, 0);
    one.name = "RouteFailing";
    one.node = "route";
    AlertEvaluator alerts({every, one});
    AlertInputs in = node_counts(0, 10);
    in.metrics.nodes[{"g", "route", "failed"}] = 10;
    in.metrics.nodes[{"h", "answer", "failed"}] = 10;
    const std::vector<Alert> fired = alerts.evaluate(in, kStart);
    std::set<std::string> seen;
    for (const Alert &a : fired)
        seen.insert(a.rule + " " + a.labels.at("graph") + "/" + a.labels.at("node"));
    const std::set<std::string> expected = {"NodeFailing g/answer", "NodeFailing g/route",
                                            "NodeFailing h/answer", "RouteFailing g/route"};
    EXPECT_EQ(seen, expected);
}

TEST(AlertEvaluator, RunFailureRateLeavesCancelledRunsOut) {
    AlertRule rule;
    rule.name = "RunsFailing";
    rule.type = AlertType::run_failure_rate;
    rule.above = 0.5;
    rule.min_count = 4;
    rule.for_ms = 0;
    AlertEvaluator alerts({rule});
    AlertInputs in;
    in.metrics.runs[{"g", "1.0.0", "succeeded"}] = 1;
    in.metrics.runs[{"g", "1.1.0", "failed"}] = 3; // versions add up
    in.metrics.runs[{"g", "1.1.0", "cancelled"}] = 50;
    const std::vector<Alert> fired = alerts.evaluate(in, kStart);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_DOUBLE_EQ(fired[0].value, 0.75);
    EXPECT_EQ(fired[0].labels.at("graph"), "g");
}

TEST(HistogramQuantile, InterpolatesWithinTheBucketAsPrometheusDoes) {
    const std::vector<double> bounds = {1, 2, 4};
    // 10 observations: 2 in (0,1], 6 in (1,2], 2 in (2,4], none beyond.
    const std::vector<double> buckets = {2, 6, 2, 0};
    EXPECT_DOUBLE_EQ(histogram_quantile(0.5, bounds, buckets), 1.5); // rank 5: 3 of 6 into (1,2]
    EXPECT_DOUBLE_EQ(histogram_quantile(0.1, bounds, buckets), 0.5); // rank 1 of 2 in (0,1]
    EXPECT_DOUBLE_EQ(histogram_quantile(0.9, bounds, buckets), 3.0); // rank 9: 1 of 2 in (2,4]
    EXPECT_DOUBLE_EQ(histogram_quantile(1.0, bounds, buckets), 4.0);
    EXPECT_DOUBLE_EQ(histogram_quantile(0.99, bounds, {0, 0, 0, 5}), 4.0); // beyond: last bound
    EXPECT_DOUBLE_EQ(histogram_quantile(0.5, bounds, {0, 0, 0, 0}), 0.0);
}

TEST(AlertEvaluator, LatencyComparesTheQuantileOfTheWindow) {
    AlertRule rule;
    rule.name = "Slow";
    rule.type = AlertType::latency;
    rule.of = config::LatencyOf::run;
    rule.quantile = 0.95;
    rule.above = 2.0;
    rule.min_count = 10;
    rule.for_ms = 0;
    rule.keep_firing_for_ms = 0;
    rule.window_ms = 60 * kSecond;
    AlertEvaluator alerts({rule});
    const auto with = [](uint64_t fast, uint64_t slow) {
        // `fast` runs of 0.3 s and `slow` of 7 s, in Metrics' own buckets.
        Metrics m;
        trace::Run run;
        run.status = trace::RunStatus::succeeded;
        for (uint64_t i = 0; i < fast + slow; ++i) {
            run.started_at_ms = 0;
            run.finished_at_ms = i < fast ? 300 : 7000;
            m.run_ended("g", run);
        }
        AlertInputs in;
        in.metrics = m.snapshot();
        return in;
    };
    EXPECT_TRUE(alerts.evaluate(with(100, 2), kStart).empty()); // p95 within (0.25, 0.5]
    const std::vector<Alert> fired = alerts.evaluate(with(100, 40), kStart + kSecond);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_GT(fired[0].value, 5.0); // within the 7 s observations' bucket (5, 10]
    EXPECT_LE(fired[0].value, 10.0);
    EXPECT_EQ(fired[0].labels.at("graph"), "g");
    // A minute on, the slow runs are out of the window: only fast ones came since.
    alerts.evaluate(with(200, 40), kStart + 30 * kSecond);
    EXPECT_EQ(alerts.evaluate(with(300, 40), kStart + 62 * kSecond).size(), 1u); // resolved
    EXPECT_TRUE(alerts.active().empty());
}

TEST(AlertEvaluator, BackendDownCountsFromTheFirstFailedCheck) {
    AlertRule rule;
    rule.name = "BackendDown";
    rule.type = AlertType::backend_down;
    rule.for_ms = 30 * kSecond;
    rule.keep_firing_for_ms = 0;
    rule.annotations = {{"summary", "down {{value}} s: {{detail}}"}};
    AlertEvaluator alerts({rule});
    AlertInputs down;
    down.backends_checked = true;
    down.backends_up = false;
    down.backends_error = "connection refused";
    down.backends_down_since_ms = kStart;
    AlertInputs unknown; // no check has ended yet
    EXPECT_TRUE(alerts.evaluate(unknown, kStart).empty());
    EXPECT_TRUE(alerts.active().empty());
    EXPECT_TRUE(alerts.evaluate(down, kStart + 5 * kSecond).empty());
    const std::vector<Alert> fired = alerts.evaluate(down, kStart + 35 * kSecond);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].annotations.at("summary"), "down 35 s: connection refused");
    AlertInputs up;
    up.backends_checked = true;
    EXPECT_EQ(alerts.evaluate(up, kStart + 40 * kSecond).size(), 1u);
}

TEST(AlertEvaluator, QueueFullHoldsWhileTheQueueIsFullOrARequestWasRefused) {
    AlertRule rule;
    rule.name = "QueueFull";
    rule.type = AlertType::queue_full;
    rule.above = 1.0;
    rule.window_ms = 60 * kSecond;
    rule.for_ms = 0;
    rule.keep_firing_for_ms = 0;
    AlertEvaluator alerts({rule});
    AlertInputs in;
    in.max_queued_runs = 4;
    in.runs_queued = 3;
    EXPECT_TRUE(alerts.evaluate(in, kStart).empty());
    in.runs_queued = 4;
    ASSERT_EQ(alerts.evaluate(in, kStart + kSecond).size(), 1u);
    EXPECT_DOUBLE_EQ(alerts.active()[0].value, 1.0);
    in.runs_queued = 0;
    in.metrics.rejected[{"ollama", "busy"}] = 2; // refused since: still holds
    EXPECT_TRUE(alerts.evaluate(in, kStart + 2 * kSecond).empty());
    EXPECT_EQ(alerts.active().size(), 1u);
    // A minute with no refusal: resolved.
    EXPECT_EQ(alerts.evaluate(in, kStart + 63 * kSecond).size(), 1u);
}

// ---- The webhook ----------------------------------------------------------------------------

Alert firing_alert(int64_t at) {
    Alert a;
    a.rule = "NodeFailing";
    a.labels = {{"alertname", "NodeFailing"}, {"graph", "g"}, {"node", "answer"}};
    a.annotations = {{"summary", "answer failing"}};
    a.state = AlertState::firing;
    a.value = 0.4;
    a.active_since_ms = at - 60 * kSecond;
    a.fired_at_ms = at;
    return a;
}

// Waits (bounded) until `fake` has recorded `n` requests to `path`.
bool received(const testing::FakeOllama &fake, const std::string &path, size_t n) {
    for (int i = 0; i < 1000 && fake.count(path) < n; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return fake.count(path) >= n;
}

TEST(AlertWebhook, AlertmanagerGetsTheFiringAlertsAndTheirResendsEveryMinute) {
    testing::FakeOllama receiver;
    receiver.set_default("POST", "/api/v2/alerts", testing::Reply::json(200, "{}"));
    config::AlertWebhook settings;
    settings.url = receiver.url() + "/api/v2/alerts";
    settings.headers = {{"Authorization", "Bearer sesame"}};
    AlertWebhook hook(settings, "http://127.0.0.1:11435/");
    const Alert a = firing_alert(kStart);
    hook.notify({a}, {a}, kStart);
    ASSERT_TRUE(received(receiver, "/api/v2/alerts", 1));
    const testing::Request posted = receiver.last_request("/api/v2/alerts");
    EXPECT_EQ(posted.header("Authorization").value_or(""), "Bearer sesame");
    EXPECT_EQ(posted.header("Content-Type").value_or(""), "application/json");
    const json::Document body = json::parse(posted.body, "payload");
    ASSERT_TRUE(body.IsArray());
    ASSERT_EQ(body.Size(), 1u);
    EXPECT_STREQ(body[0]["labels"]["alertname"].GetString(), "NodeFailing");
    EXPECT_STREQ(body[0]["annotations"]["summary"].GetString(), "answer failing");
    EXPECT_STREQ(body[0]["startsAt"].GetString(), "2023-11-14T22:12:20.000Z");
    EXPECT_STREQ(body[0]["endsAt"].GetString(), "2023-11-14T22:17:20.000Z"); // 4 min ahead
    EXPECT_STREQ(body[0]["generatorURL"].GetString(), "http://127.0.0.1:11435/#alerts");
    hook.notify({}, {a}, kStart + 30 * kSecond); // nothing new, not a minute yet
    hook.notify({}, {a}, kStart + 61 * kSecond); // the resend
    ASSERT_TRUE(received(receiver, "/api/v2/alerts", 2));
    Alert gone = a;
    gone.state = AlertState::resolved;
    gone.resolved_at_ms = kStart + 70 * kSecond;
    hook.notify({gone}, {}, kStart + 70 * kSecond);
    ASSERT_TRUE(received(receiver, "/api/v2/alerts", 3));
    const json::Document last = json::parse(receiver.last_request("/api/v2/alerts").body, "p");
    EXPECT_STREQ(last[0]["endsAt"].GetString(), "2023-11-14T22:14:30.000Z"); // when resolved
    EXPECT_EQ(receiver.count("/api/v2/alerts"), 3u);
    EXPECT_EQ(hook.stats().sent, 3u);
    EXPECT_EQ(hook.stats().failed, 0u);
}

TEST(AlertWebhook, TheWebhookShapeIsAlertmanagersAndSentOnChangesOnly) {
    testing::FakeOllama receiver;
    receiver.set_default("POST", "/hook", testing::Reply::json(200, "{}"));
    config::AlertWebhook settings;
    settings.url = receiver.url() + "/hook";
    settings.format = config::WebhookFormat::webhook;
    AlertWebhook hook(settings, "http://127.0.0.1:11435/");
    Alert a = firing_alert(kStart);
    Alert b = firing_alert(kStart);
    b.labels["node"] = "route";
    b.annotations["summary"] = "route failing";
    hook.notify({a, b}, {a, b}, kStart);
    hook.notify({}, {a, b}, kStart + 120 * kSecond); // no change: no POST
    ASSERT_TRUE(received(receiver, "/hook", 1));
    const json::Document body = json::parse(receiver.last_request("/hook").body, "payload");
    EXPECT_STREQ(body["version"].GetString(), "4");
    EXPECT_STREQ(body["status"].GetString(), "firing");
    EXPECT_STREQ(body["receiver"].GetString(), "tinyllm");
    EXPECT_STREQ(body["externalURL"].GetString(), "http://127.0.0.1:11435/");
    EXPECT_STREQ(body["commonLabels"]["graph"].GetString(), "g");
    EXPECT_FALSE(body["commonLabels"].HasMember("node")); // differs between the two
    EXPECT_FALSE(body["commonAnnotations"].HasMember("summary"));
    EXPECT_STREQ(body["groupKey"].GetString(), "{}:{alertname=\"NodeFailing\",graph=\"g\"}");
    ASSERT_EQ(body["alerts"].Size(), 2u);
    const json::Value &first = body["alerts"][0];
    EXPECT_STREQ(first["status"].GetString(), "firing");
    EXPECT_STREQ(first["endsAt"].GetString(), "0001-01-01T00:00:00Z");
    EXPECT_EQ(std::string(first["fingerprint"].GetString()).size(), 16u);
    EXPECT_STRNE(first["fingerprint"].GetString(), body["alerts"][1]["fingerprint"].GetString());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(receiver.count("/hook"), 1u);
}

TEST(AlertWebhook, AReceiverThatIsDownIsRetriedCountedAndNeverBlocksTheCaller) {
    testing::FakeOllama receiver;
    receiver.set_default("POST", "/hook", testing::Reply::error(503, "maintenance"));
    config::AlertWebhook settings;
    settings.url = receiver.url() + "/hook";
    settings.format = config::WebhookFormat::webhook;
    settings.timeout_ms = 1000;
    AlertWebhook hook(settings, "http://127.0.0.1:11435/");
    const Alert a = firing_alert(kStart);
    hook.notify({a}, {a}, kStart);
    ASSERT_TRUE(received(receiver, "/hook", 3)); // three attempts, 1 s and 2 s apart
    for (int i = 0; i < 500 && hook.stats().failed == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(hook.stats().failed, 1u);
    EXPECT_EQ(hook.stats().sent, 0u);
    EXPECT_NE(hook.stats().last_error.find("HTTP 503"), std::string::npos)
        << hook.stats().last_error;
    EXPECT_NE(hook.stats().last_error.find("maintenance"), std::string::npos);
    // Many changes while it is down: at most 32 wait, the rest dropped; notify never blocks.
    for (int i = 0; i < 100; ++i)
        hook.notify({a}, {a}, kStart + i);
    EXPECT_GE(hook.stats().dropped, 100u - 32u - 1u);
}

TEST(AlertWebhook, TheUrlIsShownWithoutItsSecrets) {
    EXPECT_EQ(shown_url("https://hooks.example.com/services/x?token=s3cret#f"),
              "https://hooks.example.com/services/x");
    EXPECT_EQ(shown_url("http://user:pass@127.0.0.1:9093/api/v2/alerts"),
              "http://127.0.0.1:9093/api/v2/alerts");
    EXPECT_EQ(shown_url("http://127.0.0.1:9093/a@b"), "http://127.0.0.1:9093/a@b");
}

TEST(AlertWebhook, AHeaderFromAnUnsetVariableStopsTheServerFromStarting) {
    config::AlertWebhook settings;
    settings.url = "http://127.0.0.1:9/hook";
    settings.headers = {{"Authorization", "env:TINYLLM_TEST_UNSET_ALERT_TOKEN"}};
    ::unsetenv("TINYLLM_TEST_UNSET_ALERT_TOKEN");
    try {
        AlertWebhook hook(settings, "http://127.0.0.1:11435/");
        FAIL() << "started without its header";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::config);
        EXPECT_NE(std::string(e.what()).find("TINYLLM_TEST_UNSET_ALERT_TOKEN is not set"),
                  std::string::npos);
    }
}

} // namespace
} // namespace tinyllm::serve
