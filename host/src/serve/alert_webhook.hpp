// Posts alerts to the webhook of alerts.yaml, off the server's threads: each evaluation hands
// over what changed and what fires, and a thread of its own POSTs them with libcurl (https
// included: receivers are often behind TLS), retrying a failed POST twice. Two shapes:
//   alertmanager  Alertmanager's API (POST /api/v2/alerts): an array of alerts with startsAt and
//                 endsAt. Firing alerts are resent every minute with endsAt four minutes ahead,
//                 as Prometheus does, so Alertmanager resolves them by itself if we go away.
//   webhook       what Alertmanager's webhook_config sends ({"version": "4", "status",
//                 "alerts": [...]}), once per change: receivers built for Alertmanager work.
// A receiver that is down never slows the server: at most 32 payloads wait, the oldest dropped.
#pragma once

#include "config/alerts_config.hpp"
#include "serve/alerts.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tinyllm::serve {

// `url` as logs and the API show it: without a query (receivers often take a token there) and
// without a user and password.
std::string shown_url(std::string_view url);

class AlertWebhook {
public:
    // `external_url` is where people find this server (generatorURL, externalURL). Header
    // values "env:NAME" are read now: Error(config) when the variable is not set.
    AlertWebhook(config::AlertWebhook settings, std::string external_url);
    ~AlertWebhook(); // the POST in progress ends (bounded by the timeout); the rest is dropped
    AlertWebhook(const AlertWebhook &) = delete;
    AlertWebhook &operator=(const AlertWebhook &) = delete;

    // After an evaluation: the alerts that fired or resolved in it and those firing now.
    // [one thread at a time]
    void notify(const std::vector<Alert> &changes, const std::vector<Alert> &firing,
                int64_t now_ms);

    struct Stats {
        uint64_t sent = 0;    // POSTs the receiver accepted (2xx)
        uint64_t failed = 0;  // given up after the retries
        uint64_t dropped = 0; // never tried: the queue was full, or the server stopped
        std::string last_error;
        int64_t last_sent_at_ms = 0;
    };
    Stats stats() const; // [any thread]
    const config::AlertWebhook &settings() const noexcept { return settings_; }

    // The JSON of each shape, for `changes` and `firing` at `now_ms` (what notify queues).
    static std::string alertmanager_payload(const std::vector<Alert> &alerts, int64_t now_ms,
                                            const std::string &external_url);
    static std::string webhook_payload(const std::vector<Alert> &changes,
                                       const std::string &external_url);

private:
    void run();
    // One POST; "" when the receiver answered 2xx, else why not.
    std::string post(const std::string &body) const;

    config::AlertWebhook settings_;
    std::string external_url_;
    std::vector<std::string> header_lines_; // "Name: value", env resolved
    int64_t last_resend_ms_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    bool stopping_ = false;
    Stats stats_;
    std::thread thread_;
};

} // namespace tinyllm::serve
