#include "serve/alert_webhook.hpp"

#include "tinyllm/digest.hpp"
#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"
#include "tinyllm/wall_clock.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <memory>

namespace tinyllm::serve {

namespace {

constexpr size_t kMaxQueued = 32;
constexpr int kAttempts = 3;
// Prometheus' resend delay and how far ahead it sets a firing alert's endsAt.
constexpr int64_t kResendMs = 60'000;
constexpr int64_t kValidForMs = 4 * kResendMs;
// What Alertmanager writes as the endsAt of an alert still firing.
constexpr const char *kNoEnd = "0001-01-01T00:00:00Z";

// The entries every alert in `alerts` has with the same value.
std::map<std::string, std::string> common(const std::vector<Alert> &alerts,
                                          const std::map<std::string, std::string> Alert::*member) {
    if (alerts.empty()) return {};
    std::map<std::string, std::string> out = alerts.front().*member;
    for (const Alert &alert : alerts) {
        for (auto it = out.begin(); it != out.end();) {
            const auto found = (alert.*member).find(it->first);
            if (found == (alert.*member).end() || found->second != it->second) {
                it = out.erase(it);
            } else {
                ++it;
            }
        }
    }
    return out;
}

std::string fingerprint(const Alert &alert) {
    std::string key;
    for (const auto &[name, value] : alert.labels)
        key.append(name).append("\x1f").append(value).append("\x1e");
    return sha256_hex(key).substr(0, 16);
}

size_t keep_some(char *data, size_t size, size_t count, void *out) {
    auto &text = *static_cast<std::string *>(out);
    if (text.size() < 200) text.append(data, std::min(size * count, 200 - text.size()));
    return size * count;
}

// What both shapes say of an alert; each adds its endsAt (and the webhook's status and
// fingerprint).
json::Value alert_item(const Alert &alert, const std::string &external_url, json::Allocator &a) {
    json::Value item(rapidjson::kObjectType);
    item.AddMember("labels", string_object(alert.labels, a), a);
    item.AddMember("annotations", string_object(alert.annotations, a), a);
    item.AddMember("startsAt", json::string_value(rfc3339_utc(alert.active_since_ms), a), a);
    item.AddMember("generatorURL", json::string_value(external_url + "#alerts", a), a);
    return item;
}

} // namespace

std::string shown_url(std::string_view url) {
    url = url.substr(0, url.find_first_of("?#"));
    const size_t scheme = url.find("://");
    const size_t at = url.find('@');
    const size_t path = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
    if (scheme != std::string_view::npos && at != std::string_view::npos && at < path)
        return std::string(url.substr(0, scheme + 3)) + std::string(url.substr(at + 1));
    return std::string(url);
}

AlertWebhook::AlertWebhook(config::AlertWebhook settings, std::string external_url)
    : settings_(std::move(settings)), external_url_(std::move(external_url)) {
    for (const auto &[name, value] : settings_.headers) {
        std::string resolved = value;
        if (value.starts_with("env:")) {
            const char *set = std::getenv(value.substr(4).c_str());
            if (set == nullptr || *set == '\0') {
                throw Error(ErrorCode::config, "alerts.yaml: webhook.headers." + name + ": " +
                                                   value + ": the environment variable " +
                                                   value.substr(4) + " is not set (or empty)");
            }
            resolved = set;
        }
        header_lines_.push_back(name + ": " + resolved);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    thread_ = std::thread([this] { run(); });
}

AlertWebhook::~AlertWebhook() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
        stats_.dropped += queue_.size();
        if (!queue_.empty()) {
            spdlog::warn("alerts: {} webhook POST(s) not sent: the server is stopping",
                         queue_.size());
        }
        queue_.clear();
    }
    wake_.notify_all();
    thread_.join();
}

std::string AlertWebhook::alertmanager_payload(const std::vector<Alert> &alerts, int64_t now_ms,
                                               const std::string &external_url) {
    json::Document doc(rapidjson::kArrayType);
    auto &a = doc.GetAllocator();
    for (const Alert &alert : alerts) {
        json::Value item = alert_item(alert, external_url, a);
        const int64_t ends =
            alert.state == AlertState::resolved ? alert.resolved_at_ms : now_ms + kValidForMs;
        item.AddMember("endsAt", json::string_value(rfc3339_utc(ends), a), a);
        doc.PushBack(item, a);
    }
    return json::to_string(doc);
}

std::string AlertWebhook::webhook_payload(const std::vector<Alert> &changes,
                                          const std::string &external_url) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    const bool any_firing = std::any_of(changes.begin(), changes.end(), [](const Alert &alert) {
        return alert.state == AlertState::firing;
    });
    const auto labels = common(changes, &Alert::labels);
    std::string group_key = "{}:{";
    for (const auto &[name, value] : labels) {
        if (group_key.back() != '{') group_key += ',';
        group_key += name + "=\"" + value + "\"";
    }
    group_key += "}";
    doc.AddMember("version", "4", a);
    doc.AddMember("groupKey", json::string_value(group_key, a), a);
    doc.AddMember("truncatedAlerts", 0, a);
    doc.AddMember("status", json::string_value(any_firing ? "firing" : "resolved", a), a);
    doc.AddMember("receiver", "tinyllm", a);
    doc.AddMember("groupLabels", json::Value(rapidjson::kObjectType), a);
    doc.AddMember("commonLabels", string_object(labels, a), a);
    doc.AddMember("commonAnnotations", string_object(common(changes, &Alert::annotations), a), a);
    doc.AddMember("externalURL", json::string_value(external_url, a), a);
    json::Value list(rapidjson::kArrayType);
    for (const Alert &alert : changes) {
        json::Value item = alert_item(alert, external_url, a);
        item.AddMember(
            "status",
            json::string_value(alert.state == AlertState::resolved ? "resolved" : "firing", a), a);
        item.AddMember("endsAt",
                       json::string_value(alert.state == AlertState::resolved
                                              ? rfc3339_utc(alert.resolved_at_ms)
                                              : std::string(kNoEnd),
                                          a),
                       a);
        item.AddMember("fingerprint", json::string_value(fingerprint(alert), a), a);
        list.PushBack(item, a);
    }
    doc.AddMember("alerts", list, a);
    return json::to_string(doc);
}

void AlertWebhook::notify(const std::vector<Alert> &changes, const std::vector<Alert> &firing,
                          int64_t now_ms) {
    std::string payload;
    if (settings_.format == config::WebhookFormat::webhook) {
        if (changes.empty()) return;
        payload = webhook_payload(changes, external_url_);
    } else {
        const bool resend = !firing.empty() && now_ms - last_resend_ms_ >= kResendMs;
        if (changes.empty() && !resend) return;
        std::vector<Alert> alerts = firing;
        for (const Alert &alert : changes) {
            if (alert.state == AlertState::resolved) alerts.push_back(alert);
        }
        payload = alertmanager_payload(alerts, now_ms, external_url_);
        last_resend_ms_ = now_ms;
    }
    {
        const std::lock_guard lock(mutex_);
        if (queue_.size() >= kMaxQueued) {
            queue_.pop_front();
            ++stats_.dropped;
            spdlog::warn("alerts: the webhook at {} is behind; the oldest unsent POST dropped",
                         shown_url(settings_.url));
        }
        queue_.push_back(std::move(payload));
    }
    wake_.notify_one();
}

AlertWebhook::Stats AlertWebhook::stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
}

std::string AlertWebhook::post(const std::string &body) const {
    const std::unique_ptr<CURL, void (*)(CURL *)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return "libcurl could not start a request";
    curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
    for (const std::string &line : header_lines_)
        headers = curl_slist_append(headers, line.c_str());
    const std::unique_ptr<curl_slist, void (*)(curl_slist *)> owned(headers, curl_slist_free_all);
    std::string answer;
    CURL *c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout_ms));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_some);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    const CURLcode code = curl_easy_perform(c);
    if (code != CURLE_OK) return curl_easy_strerror(code);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) {
        for (char &ch : answer)
            if (ch == '\n' || ch == '\r') ch = ' ';
        return "HTTP " + std::to_string(status) + (answer.empty() ? "" : ": " + answer);
    }
    return "";
}

void AlertWebhook::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        const std::string body = std::move(queue_.front());
        queue_.pop_front();
        std::string error;
        for (int attempt = 1; attempt <= kAttempts; ++attempt) {
            lock.unlock();
            error = post(body);
            lock.lock();
            if (error.empty() || stopping_) break;
            if (attempt < kAttempts) {
                // 1 s, then 2 s: a receiver that restarts gets a moment.
                wake_.wait_for(lock, std::chrono::seconds(attempt), [this] { return stopping_; });
                if (stopping_) break;
            }
        }
        if (error.empty()) {
            ++stats_.sent;
            stats_.last_sent_at_ms = now_ms();
        } else {
            ++stats_.failed;
            stats_.last_error = error;
            spdlog::warn("alerts: POST to {} failed: {}", shown_url(settings_.url), error);
        }
    }
}

} // namespace tinyllm::serve
