#include "config/alerts_config.hpp"

#include "config/config_file.hpp"
#include "tinyllm/duration.hpp"
#include "tinyllm/prompt_template.hpp"

#include <algorithm>
#include <set>

namespace tinyllm::config {

namespace {

constexpr const char *kDuration = R"("type": "string", "pattern": "^([0-9]+(ms|s|m|h|d|w))+$")";

const std::string &schema_text() {
    static const std::string text = std::string(R"json({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "alerts.yaml",
  "description": "The alert rules tinyllm serve evaluates over its own metrics (docs/serve.md#alerts): a node's failure rate, a latency quantile, the backends unreachable, the run queue full. An alert fires after its condition held `for`, resolves after it stayed clear `keep_firing_for`; it is logged, shown in the dashboard and /tinyllm/v1/alerts, and POSTed to the webhook. Optional: without it nothing is evaluated.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "evaluate_every": {"description": "How often every rule is evaluated (a duration: 500ms, 5s, 1m).", )json") +
                                    kDuration + R"json(, "default": "5s"},
    "webhook": {
      "description": "Where firing and resolved alerts are POSTed as JSON. None: they are only logged and shown.",
      "type": "object",
      "additionalProperties": false,
      "required": ["url"],
      "properties": {
        "url": {"description": "http:// or https:// URL: Alertmanager's http://HOST:9093/api/v2/alerts, or any receiver of Alertmanager's webhook payload.", "type": "string", "pattern": "^https?://[^ ]+$"},
        "format": {"description": "alertmanager: the alerts as Alertmanager's API takes them (an array; firing ones resent every minute, so Alertmanager keeps them). webhook: the payload Alertmanager's webhook_config sends ({version: 4, status, alerts: [...]}), on each change only.", "type": "string", "enum": ["alertmanager", "webhook"], "default": "alertmanager"},
        "timeout": {"description": "How long one POST may take; a failed one is retried twice, then logged and counted.", )json" +
                                    kDuration + R"json(, "default": "5s"},
        "headers": {"description": "HTTP headers sent with each POST (Authorization: Bearer ...). A value \"env:NAME\" is read from environment variable NAME when serve starts.", "type": "object", "additionalProperties": {"type": "string"}, "default": {}}
      }
    },
    "rules": {
      "description": "The rules, each its own alert name. A rule that matches several series (every node, every graph) raises one alert per series, labelled with it.",
      "type": "array",
      "default": [],
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "type"],
        "properties": {
          "name": {"description": "The alert's name (its alertname label): letters, digits and _.", "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
          "type": {"description": "node_failure_rate: failed or timed-out executions of a node over all that ended in the window. run_failure_rate: failed runs of a graph over all that ended (cancelled ones left out). latency: a quantile of run, node or model-call durations in the window, in seconds. backend_down: the backends failed their last health check (checked every 5 s). queue_full: runs waiting for a slot reach `above` of limits.max_queued_runs, or a request was refused as busy in the window.", "type": "string", "enum": ["node_failure_rate", "run_failure_rate", "latency", "backend_down", "queue_full"]},
          "graph": {"description": "Only this graph's runs (its file name, as `tinyllm/NAME` serves it). Without it: each graph.", "type": "string"},
          "node": {"description": "Only this node id (node_failure_rate; latency of: node). Without it: each node.", "type": "string"},
          "model": {"description": "Only this model (latency of: model_call). Without it: each model.", "type": "string"},
          "of": {"description": "What latency measures (default run): run (a graph run's wall time), node (one node execution), model_call.", "type": "string", "enum": ["run", "node", "model_call"]},
          "quantile": {"description": "The latency quantile compared (default 0.95: p95), estimated from the duration histogram like Prometheus' histogram_quantile.", "type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 1},
          "above": {"description": "The alert's condition is the value above this: a share 0-1 (failure rates), seconds (latency), a share of limits.max_queued_runs (queue_full, default 1: full). Not for backend_down.", "type": "number", "minimum": 0},
          "window": {"description": "Failure rates and quantiles are over this much of the recent past (default 5m); queue_full counts refused requests over it.", )json" +
                                    kDuration + R"json(},
          "min_count": {"description": "Executions, runs or calls that ended in the window before the value counts (default 10): fewer never fire.", "type": "integer", "minimum": 1},
          "for": {"description": "How long the condition must hold before the alert fires (pending until then). 0s: at once.", )json" +
                                    kDuration + R"json(, "default": "1m"},
          "keep_firing_for": {"description": "How long a firing alert's condition must stay clear before it resolves: a flapping condition keeps one alert.", )json" +
                                    kDuration + R"json(, "default": "1m"},
          "labels": {"description": "Labels added to the alert (severity: page).", "type": "object", "additionalProperties": {"type": "string"}, "default": {}},
          "annotations": {"description": "Text for people, Mustache templates: {{value}}, {{above}}, {{labels.graph}}, {{labels.node}}, {{labels.model}}, {{detail}} (why the backends are down). summary and description are what the dashboard and Alertmanager show.", "type": "object", "additionalProperties": {"type": "string"}, "default": {}}
        }
      }
    }
  }
})json";
    return text;
}

const Schema &alerts_schema() {
    static const Schema schema(schema_text(), "alerts.yaml schema");
    return schema;
}

int64_t duration_at(const ConfigFile &file, const json::Value &object, const char *key,
                    const std::string &pointer, const char *fallback = "0s") {
    const std::string text = json::get_string(object, key).value_or(fallback);
    const std::optional<int64_t> ms = parse_duration_ms(text);
    if (!ms) {
        throw Error(ErrorCode::config,
                    file.at().describe(pointer + "/" + key, "\"" + text + "\" is not a duration"));
    }
    return *ms;
}

std::map<std::string, std::string> string_map(const json::Value &object, const char *key) {
    std::map<std::string, std::string> out;
    const json::Value *map = json::find(object, key);
    if (map == nullptr || !map->IsObject()) return out;
    for (const auto &member : map->GetObject())
        out.emplace(member.name.GetString(), member.value.GetString());
    return out;
}

AlertType type_of(std::string_view name) {
    if (name == "node_failure_rate") return AlertType::node_failure_rate;
    if (name == "run_failure_rate") return AlertType::run_failure_rate;
    if (name == "latency") return AlertType::latency;
    if (name == "queue_full") return AlertType::queue_full;
    return AlertType::backend_down; // the schema allows nothing else
}

LatencyOf latency_of(std::string_view name) {
    if (name == "node") return LatencyOf::node;
    if (name == "model_call") return LatencyOf::model_call;
    return LatencyOf::run;
}

// The keys a rule of `rule.type` may set beyond the common ones, so that a key that would be
// ignored (a node filter on a run's failure rate) is an error instead.
std::set<std::string> keys_for(const AlertRule &rule) {
    switch (rule.type) {
    case AlertType::node_failure_rate: return {"graph", "node", "above", "window", "min_count"};
    case AlertType::run_failure_rate: return {"graph", "above", "window", "min_count"};
    case AlertType::latency: {
        std::set<std::string> keys = {"of", "quantile", "above", "window", "min_count"};
        if (rule.of != LatencyOf::model_call) keys.insert("graph");
        if (rule.of == LatencyOf::node) keys.insert("node");
        if (rule.of == LatencyOf::model_call) keys.insert("model");
        return keys;
    }
    case AlertType::backend_down: return {};
    case AlertType::queue_full: return {"above", "window"};
    }
    return {};
}

AlertRule parse_rule(const ConfigFile &file, const json::Value &item, const std::string &pointer) {
    AlertRule rule;
    rule.name = json::get_string(item, "name").value_or("");
    rule.type = type_of(json::get_string(item, "type").value_or(""));
    rule.of = latency_of(json::get_string(item, "of").value_or("run"));
    const std::set<std::string> allowed = keys_for(rule);
    static const std::set<std::string> common = {"name",   "type",       "for", "keep_firing_for",
                                                 "labels", "annotations"};
    for (const auto &member : item.GetObject()) {
        const std::string key = member.name.GetString();
        if (common.count(key) != 0 || allowed.count(key) != 0) continue;
        std::string what = std::string(to_string(rule.type));
        if (rule.type == AlertType::latency) what += " of " + std::string(to_string(rule.of));
        throw Error(ErrorCode::config,
                    file.at().describe(pointer + "/" + key,
                                       "a rule of type " + what + " does not use " + key, true));
    }
    rule.graph = json::get_string(item, "graph").value_or("");
    rule.node = json::get_string(item, "node").value_or("");
    rule.model = json::get_string(item, "model").value_or("");
    rule.quantile = json::get_number(item, "quantile").value_or(0.95);
    const std::optional<double> above = json::get_number(item, "above");
    if (rule.type == AlertType::queue_full) {
        rule.above = above.value_or(1.0);
    } else if (rule.type != AlertType::backend_down) {
        if (!above) {
            throw Error(ErrorCode::config,
                        file.at().describe(pointer, "a rule of type " +
                                                        std::string(to_string(rule.type)) +
                                                        " needs `above`, its threshold"));
        }
        rule.above = *above;
    }
    const bool share = rule.type == AlertType::node_failure_rate ||
                       rule.type == AlertType::run_failure_rate ||
                       rule.type == AlertType::queue_full;
    if (share && rule.above > 1) {
        throw Error(ErrorCode::config,
                    file.at().describe(pointer + "/above", "is a share from 0 to 1 for " +
                                                               std::string(to_string(rule.type)) +
                                                               ", not " +
                                                               json::to_string(item["above"])));
    }
    rule.window_ms = duration_at(file, item, "window", pointer, "5m");
    if (rule.window_ms == 0 && allowed.count("window") != 0) {
        throw Error(ErrorCode::config,
                    file.at().describe(pointer + "/window", "must be longer than 0s"));
    }
    rule.min_count = json::get_int(item, "min_count").value_or(10);
    rule.for_ms = duration_at(file, item, "for", pointer);
    rule.keep_firing_for_ms = duration_at(file, item, "keep_firing_for", pointer);
    rule.labels = string_map(item, "labels");
    for (const auto &[name, value] : rule.labels) {
        static const std::set<std::string> own = {"alertname", "graph", "node", "model"};
        if (own.count(name) != 0) {
            throw Error(ErrorCode::config,
                        file.at().describe(pointer + "/labels/" + name,
                                           "label " + name + " is set by the rule itself", true));
        }
    }
    rule.annotations = string_map(item, "annotations");
    for (const auto &[name, text] : rule.annotations) {
        const std::string at = pointer + "/annotations/" + name;
        try {
            const PromptTemplate parsed(text, "annotation " + name);
            for (const std::string &used : parsed.names()) {
                if (used != "value" && used != "above" && used != "labels" && used != "detail") {
                    throw Error(ErrorCode::config,
                                file.at().describe(at, "{{" + used +
                                                           "}} is not known here (value, above, "
                                                           "labels.NAME, detail)"));
                }
            }
        } catch (const Error &e) {
            if (e.code() == ErrorCode::config) throw;
            throw Error(ErrorCode::config, file.at().describe(at, e.what()));
        }
    }
    return rule;
}

} // namespace

std::string_view to_string(AlertType type) noexcept {
    switch (type) {
    case AlertType::node_failure_rate: return "node_failure_rate";
    case AlertType::run_failure_rate: return "run_failure_rate";
    case AlertType::latency: return "latency";
    case AlertType::backend_down: return "backend_down";
    case AlertType::queue_full: return "queue_full";
    }
    return "unknown";
}

std::string_view to_string(LatencyOf of) noexcept {
    switch (of) {
    case LatencyOf::run: return "run";
    case LatencyOf::node: return "node";
    case LatencyOf::model_call: return "model_call";
    }
    return "unknown";
}

std::string_view alerts_schema_text() {
    return schema_text();
}

AlertsConfig load_alerts_config(const std::filesystem::path &path) {
    AlertsConfig config;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return config;
    const ConfigFile file =
        load_config_file(path, alerts_schema(), [](const std::string &) { return std::nullopt; });
    config.source = path;
    const json::Value &root = file.root();
    config.evaluate_every_ms = duration_at(file, root, "evaluate_every", "");
    if (config.evaluate_every_ms < 100) {
        throw Error(ErrorCode::config,
                    file.at().describe("/evaluate_every", "must be at least 100ms"));
    }
    if (const json::Value *hook = json::find(root, "webhook"); hook != nullptr) {
        AlertWebhook webhook;
        webhook.url = json::get_string(*hook, "url").value_or("");
        webhook.format = json::get_string(*hook, "format").value_or("") == "webhook"
                             ? WebhookFormat::webhook
                             : WebhookFormat::alertmanager;
        webhook.timeout_ms = duration_at(file, *hook, "timeout", "/webhook");
        if (webhook.timeout_ms < 100) {
            throw Error(ErrorCode::config,
                        file.at().describe("/webhook/timeout", "must be at least 100ms"));
        }
        webhook.headers = string_map(*hook, "headers");
        config.webhook = std::move(webhook);
    }
    const json::Value &rules = root["rules"];
    std::set<std::string> names;
    for (rapidjson::SizeType i = 0; i < rules.Size(); ++i) {
        const std::string pointer = "/rules/" + std::to_string(i);
        AlertRule rule = parse_rule(file, rules[i], pointer);
        if (!names.insert(rule.name).second) {
            throw Error(ErrorCode::config,
                        file.at().describe(pointer + "/name",
                                           "another rule is already named " + rule.name));
        }
        config.rules.push_back(std::move(rule));
    }
    return config;
}

} // namespace tinyllm::config
