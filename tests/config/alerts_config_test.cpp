// config/alerts.yaml: the rules tinyllm serve evaluates. Every mistake is one line naming the
// file, line and key; a key a rule's type would ignore is a mistake too.
#include "config/alerts_config.hpp"

#include "tinyllm/duration.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace tinyllm::config {
namespace {

using test::config_error;
using test::TempDir;

AlertsConfig load(const TempDir &dir, const std::string &text) {
    dir.write("alerts.yaml", text);
    return load_alerts_config(dir.path() / "alerts.yaml");
}

TEST(AlertsConfig, NoFileMeansNoRules) {
    const TempDir dir;
    const AlertsConfig config = load_alerts_config(dir.path() / "alerts.yaml");
    EXPECT_TRUE(config.rules.empty());
    EXPECT_TRUE(config.source.empty());
    EXPECT_FALSE(config.webhook);
}

TEST(AlertsConfig, TheCommittedFileLoads) {
    const AlertsConfig config =
        load_alerts_config(std::filesystem::path(TINYLLM_TEST_CONFIG_DIR) / "alerts.yaml");
    ASSERT_GE(config.rules.size(), 4u);
    EXPECT_EQ(config.evaluate_every_ms, 5000);
    EXPECT_EQ(config.rules[0].type, AlertType::backend_down);
    EXPECT_EQ(config.rules[0].for_ms, 30'000);
}

TEST(AlertsConfig, RulesGetTheirTypesKeysAndDefaults) {
    const TempDir dir;
    const AlertsConfig config = load(dir, R"(
evaluate_every: 500ms
webhook: {url: "http://127.0.0.1:9/hook", format: webhook, timeout: 2s,
          headers: {Authorization: "Bearer x"}}
rules:
  - {name: Slow, type: latency, of: node, node: answer, quantile: 0.5, above: 2.5, window: 1h30m}
  - name: Failing
    type: node_failure_rate
    above: 0.2
    for: 0s
    keep_firing_for: 10s
    labels: {severity: page}
    annotations: {summary: "{{labels.node}} at {{value}}"}
  - {name: Down, type: backend_down}
  - {name: Full, type: queue_full}
)");
    EXPECT_EQ(config.evaluate_every_ms, 500);
    ASSERT_TRUE(config.webhook);
    EXPECT_EQ(config.webhook->format, WebhookFormat::webhook);
    EXPECT_EQ(config.webhook->timeout_ms, 2000);
    EXPECT_EQ(config.webhook->headers.at("Authorization"), "Bearer x");
    ASSERT_EQ(config.rules.size(), 4u);
    const AlertRule &slow = config.rules[0];
    EXPECT_EQ(slow.of, LatencyOf::node);
    EXPECT_EQ(slow.node, "answer");
    EXPECT_DOUBLE_EQ(slow.quantile, 0.5);
    EXPECT_DOUBLE_EQ(slow.above, 2.5);
    EXPECT_EQ(slow.window_ms, 90 * 60'000);
    EXPECT_EQ(slow.for_ms, 60'000); // the defaults
    EXPECT_EQ(slow.min_count, 10);
    const AlertRule &failing = config.rules[1];
    EXPECT_EQ(failing.for_ms, 0);
    EXPECT_EQ(failing.keep_firing_for_ms, 10'000);
    EXPECT_EQ(failing.window_ms, 300'000);
    EXPECT_EQ(failing.labels.at("severity"), "page");
    EXPECT_DOUBLE_EQ(config.rules[3].above, 1.0); // queue_full: full by default
}

TEST(AlertsConfig, MistakesNameTheFileLineAndKey) {
    const TempDir dir;
    const auto error = [&dir](const std::string &text) {
        return config_error([&] { load(dir, text); });
    };
    EXPECT_NE(error("rules:\n  - {name: A, type: latency}\n").find("alerts.yaml:2"),
              std::string::npos);
    EXPECT_NE(error("rules:\n  - {name: A, type: latency}\n").find("needs `above`"),
              std::string::npos);
    EXPECT_NE(
        error("rules:\n  - {name: A, type: nodes_failing, above: 1}\n").find("must be one of"),
        std::string::npos);
    EXPECT_NE(error("rules:\n  - {name: A, type: backend_down, for: 1 minute}\n").find("for"),
              std::string::npos);
    const std::string ignored =
        error("rules:\n  - {name: A, type: run_failure_rate, above: 0.1, node: x}\n");
    EXPECT_NE(ignored.find("does not use node"), std::string::npos) << ignored;
    EXPECT_NE(ignored.find("alerts.yaml:2"), std::string::npos) << ignored;
    EXPECT_NE(error("rules:\n  - {name: A, type: latency, of: model_call, graph: g, above: 1}\n")
                  .find("latency of model_call does not use graph"),
              std::string::npos);
    EXPECT_NE(error("rules:\n  - {name: A, type: node_failure_rate, above: 30}\n")
                  .find("is a share from 0 to 1"),
              std::string::npos);
    EXPECT_NE(error("rules:\n  - {name: A, type: backend_down}\n  - {name: A, type: "
                    "backend_down}\n")
                  .find("another rule is already named A"),
              std::string::npos);
    EXPECT_NE(error("rules:\n  - {name: A, type: backend_down, labels: {alertname: B}}\n")
                  .find("set by the rule itself"),
              std::string::npos);
    EXPECT_NE(error("rules:\n  - {name: A, type: backend_down, annotations: {summary: "
                    "\"{{nodes}}\"}}\n")
                  .find("{{nodes}} is not known here"),
              std::string::npos);
    EXPECT_NE(error("rules:\n  - {name: A, type: backend_down, annotations: {summary: "
                    "\"{{#value}\"}}\n")
                  .find("annotations.summary"),
              std::string::npos);
    EXPECT_NE(error("evaluate_every: 10ms\n").find("at least 100ms"), std::string::npos);
    EXPECT_NE(error("webhook: {url: \"ftp://x\"}\n").find("pattern"), std::string::npos);
    EXPECT_NE(error("rules:\n  - {name: A, type: latency, above: 1, window: 0s}\n")
                  .find("longer than 0s"),
              std::string::npos);
}

TEST(Durations, ReadAsPrometheusWritesThem) {
    EXPECT_EQ(parse_duration_ms("250ms"), 250);
    EXPECT_EQ(parse_duration_ms("30s"), 30'000);
    EXPECT_EQ(parse_duration_ms("1h30m"), 90 * 60'000);
    EXPECT_EQ(parse_duration_ms("2w"), 14LL * 86'400'000);
    EXPECT_EQ(parse_duration_ms("0s"), 0);
    for (const char *bad : {"", "5", "m", "-5s", "1.5s", "5 s", "5sec", "1y", "9999999999999s"})
        EXPECT_FALSE(parse_duration_ms(bad)) << bad;
    EXPECT_EQ(format_duration_ms(0), "0s");
    EXPECT_EQ(format_duration_ms(90'500), "1m30s500ms");
    EXPECT_EQ(format_duration_ms(36 * 3'600'000), "36h");
}

} // namespace
} // namespace tinyllm::config
