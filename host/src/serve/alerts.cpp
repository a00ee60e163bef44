#include "serve/alerts.hpp"

#include "tinyllm/json.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

namespace tinyllm::serve {

namespace {

using Labels = std::map<std::string, std::string>;

std::string short_number(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", value);
    return buf;
}

// One key per alert: its rule and every label, in order.
std::string key_of(const std::string &rule, const Labels &labels) {
    std::string key = rule;
    for (const auto &[name, value] : labels)
        key.append("\x1f").append(name).append("=").append(value);
    return key;
}

bool matches(const std::string &filter, const std::string &value) {
    return filter.empty() || filter == value;
}

// A histogram as one sample: the count per bucket (+Inf last), then the total count.
std::vector<double> histogram_sample(const Metrics::Histogram &h) {
    std::vector<double> sample(h.buckets.begin(), h.buckets.end());
    uint64_t finite = 0;
    for (const uint64_t n : h.buckets)
        finite += n;
    sample.push_back(static_cast<double>(h.count - finite));
    sample.push_back(static_cast<double>(h.count));
    return sample;
}

} // namespace

std::string_view to_string(AlertState state) noexcept {
    switch (state) {
    case AlertState::pending: return "pending";
    case AlertState::firing: return "firing";
    case AlertState::resolved: return "resolved";
    }
    return "unknown";
}

json::Value string_object(const std::map<std::string, std::string> &map, json::Allocator &a) {
    json::Value out(rapidjson::kObjectType);
    for (const auto &[name, value] : map)
        out.AddMember(json::string_value(name, a), json::string_value(value, a), a);
    return out;
}

double histogram_quantile(double q, std::span<const double> bounds,
                          const std::vector<double> &per_bucket) {
    double total = 0;
    for (const double n : per_bucket)
        total += n;
    if (total <= 0 || bounds.empty()) return 0;
    const double rank = q * total;
    double below = 0;
    for (size_t i = 0; i < per_bucket.size(); ++i) {
        if (below + per_bucket[i] >= rank && per_bucket[i] > 0) {
            if (i >= bounds.size()) return bounds.back(); // in +Inf: the last bound we know
            const double lower = i == 0 ? 0.0 : bounds[i - 1];
            return lower + (bounds[i] - lower) * (rank - below) / per_bucket[i];
        }
        below += per_bucket[i];
    }
    return bounds.back();
}

AlertEvaluator::AlertEvaluator(std::vector<config::AlertRule> rules) : rules_(std::move(rules)) {
    for (const config::AlertRule &rule : rules_) {
        auto &templates = annotations_.emplace_back();
        for (const auto &[name, text] : rule.annotations)
            templates.emplace_back(name, PromptTemplate(text, "annotation " + name));
    }
}

AlertEvaluator::Sample AlertEvaluator::increase(size_t rule, const std::string &series,
                                                Sample current, int64_t now_ms) {
    Window &window = windows_[{rule, series}];
    const int64_t start = now_ms - rules_[rule].window_ms;
    // The newest sample at or before the window's start is the baseline; older ones go.
    while (window.samples.size() >= 2 && window.samples[1].first <= start)
        window.samples.pop_front();
    Sample delta = current;
    if (!window.samples.empty() && window.samples.front().first <= start) {
        const Sample &base = window.samples.front().second;
        for (size_t i = 0; i < delta.size() && i < base.size(); ++i)
            delta[i] = std::max(0.0, delta[i] - base[i]);
    }
    window.samples.emplace_back(now_ms, std::move(current));
    return delta;
}

std::vector<AlertEvaluator::Reading> AlertEvaluator::read(size_t index, const AlertInputs &inputs,
                                                          int64_t now_ms) {
    const config::AlertRule &rule = rules_[index];
    const Metrics::Snapshot &m = inputs.metrics;
    std::vector<Reading> out;
    // Series labels -> cumulative sample, gathered before the windows see them.
    std::map<Labels, Sample> series;
    switch (rule.type) {
    case config::AlertType::node_failure_rate:
        for (const auto &[labels, n] : m.nodes) { // graph, node, status
            if (!matches(rule.graph, labels[0]) || !matches(rule.node, labels[1])) continue;
            Sample &s = series[{{"graph", labels[0]}, {"node", labels[1]}}];
            s.resize(2);
            if (labels[2] == "cancelled") continue;
            s[0] += n;
            if (labels[2] != "succeeded") s[1] += n;
        }
        break;
    case config::AlertType::run_failure_rate:
        for (const auto &[labels, n] : m.runs) { // graph, version, status
            if (!matches(rule.graph, labels[0])) continue;
            Sample &s = series[{{"graph", labels[0]}}];
            s.resize(2);
            if (labels[2] != "succeeded" && labels[2] != "failed") continue;
            s[0] += n;
            if (labels[2] == "failed") s[1] += n;
        }
        break;
    case config::AlertType::latency: {
        const auto &family = rule.of == config::LatencyOf::run    ? m.run_seconds
                             : rule.of == config::LatencyOf::node ? m.node_seconds
                                                                  : m.model_seconds;
        for (const auto &[labels, h] : family) {
            Labels named;
            if (rule.of == config::LatencyOf::model_call) {
                if (!matches(rule.model, labels[0])) continue;
                named = {{"model", labels[0]}};
            } else {
                if (!matches(rule.graph, labels[0])) continue;
                named = {{"graph", labels[0]}};
                if (rule.of == config::LatencyOf::node) {
                    if (!matches(rule.node, labels[1])) continue;
                    named.emplace("node", labels[1]);
                }
            }
            series[named] = histogram_sample(h);
        }
        break;
    }
    case config::AlertType::queue_full: {
        double refused = 0;
        for (const auto &[labels, n] : m.rejected)
            refused += n;
        series[{}] = {refused};
        break;
    }
    case config::AlertType::backend_down: {
        Reading r;
        r.holds = inputs.backends_checked && !inputs.backends_up;
        r.value = r.holds ? static_cast<double>(now_ms - inputs.backends_down_since_ms) / 1e3 : 0;
        r.detail = inputs.backends_error;
        out.push_back(std::move(r));
        return out;
    }
    }
    for (auto &[labels, sample] : series) {
        const Sample d = increase(index, key_of("", labels), std::move(sample), now_ms);
        Reading r;
        r.labels = labels;
        switch (rule.type) {
        case config::AlertType::node_failure_rate:
        case config::AlertType::run_failure_rate:
            r.value = d[0] > 0 ? d[1] / d[0] : 0;
            r.holds = d[0] >= static_cast<double>(rule.min_count) && r.value > rule.above;
            r.detail = short_number(d[1]) + " of " + short_number(d[0]) + " failed";
            break;
        case config::AlertType::latency: {
            const double count = d.back();
            const std::vector<double> buckets(d.begin(), d.end() - 1);
            r.value = histogram_quantile(rule.quantile, Metrics::bucket_bounds(), buckets);
            r.holds = count >= static_cast<double>(rule.min_count) && r.value > rule.above;
            r.detail = short_number(count) + " observed";
            break;
        }
        case config::AlertType::queue_full: {
            const double limit = static_cast<double>(inputs.max_queued_runs);
            r.value = limit > 0 ? static_cast<double>(inputs.runs_queued) / limit : 0;
            r.holds = (limit > 0 && r.value >= rule.above) || d[0] > 0;
            r.detail = std::to_string(inputs.runs_queued) + " of " +
                       std::to_string(inputs.max_queued_runs) + " queued, " + short_number(d[0]) +
                       " refused in the window";
            break;
        }
        case config::AlertType::backend_down: break;
        }
        out.push_back(std::move(r));
    }
    return out;
}

void AlertEvaluator::render(size_t rule, Alert &alert, const std::string &detail) const {
    json::Document data(rapidjson::kObjectType);
    auto &a = data.GetAllocator();
    data.AddMember("value", json::string_value(short_number(alert.value), a), a);
    data.AddMember("above", json::string_value(short_number(rules_[rule].above), a), a);
    data.AddMember("detail", json::string_value(detail, a), a);
    data.AddMember("labels", string_object(alert.labels, a), a);
    for (const auto &[name, tmpl] : annotations_[rule])
        alert.annotations[name] = tmpl.render(data);
}

std::vector<Alert> AlertEvaluator::evaluate(const AlertInputs &inputs, int64_t now_ms) {
    std::vector<Alert> fired;
    std::vector<Alert> resolved;
    std::vector<std::pair<size_t, std::vector<Reading>>> readings;
    for (size_t i = 0; i < rules_.size(); ++i)
        readings.emplace_back(i, read(i, inputs, now_ms));

    const std::lock_guard lock(mutex_);
    evaluated_at_ms_ = now_ms;
    for (auto &[index, list] : readings) {
        const config::AlertRule &rule = rules_[index];
        std::set<std::string> held;
        for (Reading &r : list) {
            if (!r.holds) continue;
            Labels labels = r.labels;
            labels.insert(rule.labels.begin(), rule.labels.end());
            labels["alertname"] = rule.name;
            const std::string key = key_of(rule.name, labels);
            held.insert(key);
            auto [it, added] = alerts_.try_emplace(key);
            Alert &alert = it->second;
            if (added) {
                alert.rule = rule.name;
                alert.labels = std::move(labels);
                alert.active_since_ms = now_ms;
            }
            alert.value = r.value;
            alert.clear_since_ms = 0;
            render(index, alert, r.detail);
            if (alert.state == AlertState::pending &&
                now_ms - alert.active_since_ms >= rule.for_ms) {
                alert.state = AlertState::firing;
                alert.fired_at_ms = now_ms;
                fired.push_back(alert);
            }
        }
        // This rule's alerts whose condition did not hold.
        for (auto it = alerts_.begin(); it != alerts_.end();) {
            Alert &alert = it->second;
            if (alert.rule != rule.name || held.count(it->first) != 0) {
                ++it;
                continue;
            }
            if (alert.state == AlertState::pending) {
                it = alerts_.erase(it);
                continue;
            }
            if (alert.clear_since_ms == 0) alert.clear_since_ms = now_ms;
            if (now_ms - alert.clear_since_ms >= rule.keep_firing_for_ms) {
                alert.state = AlertState::resolved;
                alert.resolved_at_ms = now_ms;
                resolved.push_back(std::move(alert));
                it = alerts_.erase(it);
                continue;
            }
            ++it;
        }
    }
    fired.insert(fired.end(), std::make_move_iterator(resolved.begin()),
                 std::make_move_iterator(resolved.end()));
    return fired;
}

std::vector<Alert> AlertEvaluator::active() const {
    std::vector<Alert> out;
    {
        const std::lock_guard lock(mutex_);
        for (const auto &[key, alert] : alerts_)
            out.push_back(alert);
    }
    std::stable_sort(out.begin(), out.end(), [](const Alert &a, const Alert &b) {
        return (a.state == AlertState::firing) > (b.state == AlertState::firing);
    });
    return out;
}

AlertEvaluator::Counts AlertEvaluator::counts() const {
    Counts c;
    const std::lock_guard lock(mutex_);
    for (const auto &[key, alert] : alerts_)
        ++(alert.state == AlertState::firing ? c.firing : c.pending);
    return c;
}

std::vector<Alert> AlertEvaluator::firing() const {
    std::vector<Alert> out = active();
    std::erase_if(out, [](const Alert &a) { return a.state != AlertState::firing; });
    return out;
}

int64_t AlertEvaluator::evaluated_at_ms() const {
    const std::lock_guard lock(mutex_);
    return evaluated_at_ms_;
}

} // namespace tinyllm::serve
