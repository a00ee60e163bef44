// Alerts as JSON: one alert as the live "alert" event and /tinyllm/v1/alerts show it, and the
// whole report of that endpoint (the rules, the alerts pending and firing, the webhook's
// counts).
#pragma once

#include "serve/alert_webhook.hpp"
#include "serve/alerts.hpp"

#include <string>

namespace tinyllm::serve {

// {"name", "state", "labels", "annotations", "value", "active_since_ms", "fired_at_ms",
//  "resolved_at_ms"}
std::string alert_json(const Alert &alert);

// {"evaluate_every_ms", "evaluated_at_ms", "source", "rules": [...], "alerts": [...],
//  "webhook": {"url", "format", "sent", "failed", "dropped", "last_error"} or null}
std::string alerts_report_json(const AlertEvaluator &alerts, const config::AlertsConfig &config,
                               const AlertWebhook *webhook);

} // namespace tinyllm::serve
