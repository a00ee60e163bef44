#include "expansion/trigger_check.hpp"

#include "expansion/node_health.hpp"

#include <cstdio>

namespace tinyllm::expansion {

bool TriggerCheck::on_graded(const std::string &graph_id, const std::string &graph_version,
                             const std::string &node_id, int64_t now_ms) {
    if (node_id.empty()) return false;
    auto key = std::make_tuple(graph_id, graph_version, node_id);
    {
        const std::lock_guard lock(mutex_);
        if (settled_.count(key) != 0) return false;
    }
    const store::GraphStore::Graded g =
        graphs_.graded_since(graph_id, graph_version, node_id, now_ms - trigger_.window_ms);
    const NodeHealth health =
        assess(graph_id, graph_version, node_id, g.graded, g.failures, trigger_);
    if (!health.over_threshold) return false;
    const store::GraphStore::NodeExpansionState state = graphs_.node_state(graph_id, node_id);
    const bool cooling =
        state.last_decided_at_ms && now_ms - *state.last_decided_at_ms < trigger_.cooldown_ms;
    if (state.pending || state.in_progress || cooling) {
        const std::lock_guard lock(mutex_);
        settled_.insert(std::move(key));
        return false;
    }
    store::ExpansionEvent event;
    event.graph_id = graph_id;
    event.graph_version = graph_version;
    event.node_id = node_id;
    event.at_ms = now_ms;
    event.kind = store::ExpansionEventKind::pending;
    char detail[160];
    std::snprintf(detail, sizeof detail, "%lld of %lld graded requests failed (%.1f%% > %.1f%%)",
                  static_cast<long long>(g.failures), static_cast<long long>(g.graded),
                  100.0 * health.failure_rate(), 100.0 * trigger_.max_failure_rate);
    event.detail = detail;
    graphs_.record_event(event);
    const std::lock_guard lock(mutex_);
    settled_.insert(std::move(key));
    return true;
}

} // namespace tinyllm::expansion
