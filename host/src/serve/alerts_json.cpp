#include "serve/alerts_json.hpp"

#include "tinyllm/json.hpp"

namespace tinyllm::serve {

namespace {

json::Value alert_value(const Alert &alert, json::Allocator &a) {
    json::Value out(rapidjson::kObjectType);
    out.AddMember("name", json::string_value(alert.rule, a), a);
    out.AddMember("state", json::string_value(to_string(alert.state), a), a);
    out.AddMember("labels", string_object(alert.labels, a), a);
    out.AddMember("annotations", string_object(alert.annotations, a), a);
    out.AddMember("value", alert.value, a);
    out.AddMember("active_since_ms", alert.active_since_ms, a);
    out.AddMember("fired_at_ms", alert.fired_at_ms, a);
    out.AddMember("clear_since_ms", alert.clear_since_ms, a);
    out.AddMember("resolved_at_ms", alert.resolved_at_ms, a);
    return out;
}

json::Value rule_value(const config::AlertRule &rule, json::Allocator &a) {
    json::Value out(rapidjson::kObjectType);
    out.AddMember("name", json::string_value(rule.name, a), a);
    out.AddMember("type", json::string_value(config::to_string(rule.type), a), a);
    const bool windowed = rule.type != config::AlertType::backend_down;
    if (!rule.graph.empty()) out.AddMember("graph", json::string_value(rule.graph, a), a);
    if (!rule.node.empty()) out.AddMember("node", json::string_value(rule.node, a), a);
    if (!rule.model.empty()) out.AddMember("model", json::string_value(rule.model, a), a);
    if (rule.type == config::AlertType::latency) {
        out.AddMember("of", json::string_value(config::to_string(rule.of), a), a);
        out.AddMember("quantile", rule.quantile, a);
    }
    if (windowed) {
        out.AddMember("above", rule.above, a);
        out.AddMember("window_ms", rule.window_ms, a);
    }
    if (rule.type != config::AlertType::backend_down && rule.type != config::AlertType::queue_full)
        out.AddMember("min_count", rule.min_count, a);
    out.AddMember("for_ms", rule.for_ms, a);
    out.AddMember("keep_firing_for_ms", rule.keep_firing_for_ms, a);
    out.AddMember("labels", string_object(rule.labels, a), a);
    out.AddMember("annotations", string_object(rule.annotations, a), a);
    return out;
}

} // namespace

std::string alert_json(const Alert &alert) {
    json::Document doc;
    const json::Value value = alert_value(alert, doc.GetAllocator());
    return json::to_string(value);
}

std::string alerts_report_json(const AlertEvaluator &alerts, const config::AlertsConfig &config,
                               const AlertWebhook *webhook) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("source", json::string_value(config.source.string(), a), a);
    doc.AddMember("evaluate_every_ms", config.evaluate_every_ms, a);
    doc.AddMember("evaluated_at_ms", alerts.evaluated_at_ms(), a);
    json::Value rules(rapidjson::kArrayType);
    for (const config::AlertRule &rule : alerts.rules())
        rules.PushBack(rule_value(rule, a), a);
    doc.AddMember("rules", rules, a);
    json::Value list(rapidjson::kArrayType);
    for (const Alert &alert : alerts.active())
        list.PushBack(alert_value(alert, a), a);
    doc.AddMember("alerts", list, a);
    if (webhook == nullptr) {
        doc.AddMember("webhook", json::Value(), a);
    } else {
        const AlertWebhook::Stats stats = webhook->stats();
        json::Value hook(rapidjson::kObjectType);
        hook.AddMember("url", json::string_value(shown_url(webhook->settings().url), a), a);
        hook.AddMember(
            "format",
            json::string_value(webhook->settings().format == config::WebhookFormat::webhook
                                   ? "webhook"
                                   : "alertmanager",
                               a),
            a);
        hook.AddMember("sent", stats.sent, a);
        hook.AddMember("failed", stats.failed, a);
        hook.AddMember("dropped", stats.dropped, a);
        hook.AddMember("last_error", json::string_value(stats.last_error, a), a);
        hook.AddMember("last_sent_at_ms", stats.last_sent_at_ms, a);
        doc.AddMember("webhook", hook, a);
    }
    return json::to_string(doc);
}

} // namespace tinyllm::serve
