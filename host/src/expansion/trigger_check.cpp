#include "expansion/trigger_check.hpp"

#include "expansion/node_health.hpp"

#include <cstdio>

namespace tinyllm::expansion {

GradedCheck TriggerCheck::on_graded(const std::string &graph_id, const std::string &graph_version,
                                    const std::string &node_id, int64_t now_ms,
                                    const GradeSeen &grade) {
    if (node_id.empty()) return {};
    const Key key(graph_id, graph_version, node_id);
    GradedCheck result = watch(key);
    if (result.rolled_back) return result;
    return trigger(key, now_ms, grade);
}

std::string TriggerCheck::label_over_threshold(const Key &key, int64_t now_ms,
                                               const GradeSeen &grade) {
    const auto &[graph_id, graph_version, node_id] = key;
    std::unique_lock lock(mutex_);
    auto found = labels_.find(key);
    if (found == labels_.end()) {
        lock.unlock();
        const store::GraphStore::LabelGraded read =
            graphs_.graded_by_label(graph_id, graph_version, node_id, now_ms - trigger_.window_ms);
        lock.lock();
        found = labels_.find(key);
        if (found == labels_.end()) {
            Labels l;
            l.last_grade_id = read.last_grade_id;
            for (const auto &[label, g] : read.labels)
                l.counts[label] = g;
            found = labels_.emplace(key, std::move(l)).first;
        }
    }
    Labels &l = found->second;
    store::GraphStore::Graded &c = l.counts[grade.label];
    if (grade.id == 0 || grade.id > l.last_grade_id) {
        ++c.graded;
        if (!grade.pass) ++c.failures;
    }
    if (c.graded < trigger_.min_label_requests) return "";
    const double rate = static_cast<double>(c.failures) / static_cast<double>(c.graded);
    if (rate <= trigger_.max_failure_rate) return "";
    char detail[200];
    std::snprintf(detail, sizeof detail,
                  "%lld of %lld graded requests labelled %s failed (%.1f%% > %.1f%%)",
                  static_cast<long long>(c.failures), static_cast<long long>(c.graded),
                  grade.label.c_str(), 100.0 * rate, 100.0 * trigger_.max_failure_rate);
    return detail;
}

GradedCheck TriggerCheck::watch(const Key &key) {
    const auto &[graph_id, graph_version, node_id] = key;
    if (experiment_.watch_outcomes <= 0) return {};
    std::optional<store::GraphStore::Promotion> promotion;
    {
        const std::lock_guard lock(mutex_);
        const auto found = promotions_.find({graph_id, graph_version});
        if (found != promotions_.end()) {
            promotion = found->second;
        }
    }
    if (!promotion) {
        // Not cached, or cached as "no promotion": read it once per process.
        const std::lock_guard lock(mutex_);
        if (promotions_.count({graph_id, graph_version}) != 0) return {};
    }
    if (!promotion) {
        promotion = graphs_.promotion_of(graph_id, graph_version);
        const std::lock_guard lock(mutex_);
        promotions_[{graph_id, graph_version}] = promotion;
        if (!promotion) return {};
    }
    if (promotion->node_id != node_id) return {};
    const store::GraphStore::Graded now =
        graphs_.graded_after(graph_id, graph_version, node_id, promotion->at_ms);
    const std::lock_guard lock(mutex_);
    Watch &w = watches_[key];
    if (w.done) return {};
    if (!w.test) {
        // The predecessor's pass rate on the node over the window before the promotion.
        const store::GraphStore::Graded base = graphs_.graded_since(
            graph_id, promotion->base_version, node_id, promotion->at_ms - trigger_.window_ms);
        if (base.graded <= 0) {
            w.done = true; // nothing to compare with
            return {};
        }
        stats::WatchSettings settings;
        settings.alpha = experiment_.alpha;
        settings.margin = experiment_.watch_margin;
        w.test =
            std::make_unique<stats::RateDropWatch>(static_cast<size_t>(base.graded - base.failures),
                                                   static_cast<size_t>(base.graded), settings);
    }
    // The outcomes recorded since the last look (one, unless other processes grade too).
    const int64_t limit = experiment_.watch_outcomes;
    for (; w.graded < std::min(now.graded, limit); ++w.graded) {
        const bool fail = w.failures < now.failures;
        if (fail) ++w.failures;
        w.test->add(!fail);
    }
    if (!w.test->fired()) {
        if (w.graded >= limit) w.done = true; // watched long enough
        return {};
    }
    w.done = true;
    GradedCheck result;
    result.detail = w.test->describe();
    result.rolled_back =
        graphs_.roll_back(graph_id, graph_version, promotion->base_version,
                          promotion->experiment_id, "node " + node_id + ": " + result.detail);
    return result;
}

GradedCheck TriggerCheck::trigger(const Key &key, int64_t now_ms, const GradeSeen &grade) {
    const auto &[graph_id, graph_version, node_id] = key;
    {
        const std::lock_guard lock(mutex_);
        if (settled_.count(key) != 0) return {};
    }
    const store::GraphStore::Graded g =
        graphs_.graded_since(graph_id, graph_version, node_id, now_ms - trigger_.window_ms);
    const NodeHealth health =
        assess(graph_id, graph_version, node_id, g.graded, g.failures, trigger_);
    char detail[200];
    if (health.over_threshold) {
        std::snprintf(detail, sizeof detail,
                      "%lld of %lld graded requests failed (%.1f%% > %.1f%%)",
                      static_cast<long long>(g.failures), static_cast<long long>(g.graded),
                      100.0 * health.failure_rate(), 100.0 * trigger_.max_failure_rate);
    } else if (!grade.label.empty() && trigger_.min_label_requests > 0) {
        const std::string label = label_over_threshold(key, now_ms, grade);
        if (label.empty()) return {};
        std::snprintf(detail, sizeof detail, "%s; %lld graded in all", label.c_str(),
                      static_cast<long long>(g.graded));
    } else {
        return {};
    }
    const store::GraphStore::NodeExpansionState state = graphs_.node_state(graph_id, node_id);
    const bool cooling =
        state.last_decided_at_ms && now_ms - *state.last_decided_at_ms < trigger_.cooldown_ms;
    if (state.pending || state.in_progress || cooling) {
        const std::lock_guard lock(mutex_);
        settled_.insert(key);
        return {};
    }
    store::ExpansionEvent event;
    event.graph_id = graph_id;
    event.graph_version = graph_version;
    event.node_id = node_id;
    event.at_ms = now_ms;
    event.kind = store::ExpansionEventKind::pending;
    event.detail = detail;
    graphs_.record_event(event);
    const std::lock_guard lock(mutex_);
    settled_.insert(key);
    return GradedCheck{true, false, detail};
}

} // namespace tinyllm::expansion
