#include "expansion/node_health.hpp"

#include <algorithm>

namespace tinyllm::expansion {

NodeHealth assess(std::string graph_id, std::string graph_version, std::string node_id,
                  int64_t graded, int64_t failures, const config::ExpansionTrigger &trigger) {
    NodeHealth h;
    h.graph_id = std::move(graph_id);
    h.graph_version = std::move(graph_version);
    h.node_id = std::move(node_id);
    h.graded = graded;
    h.failures = failures;
    h.over_threshold =
        graded >= trigger.min_requests && h.failure_rate() > trigger.max_failure_rate;
    return h;
}

std::vector<NodeHealth> health_of_graph(const store::RunStore &store, const std::string &graph_id,
                                        const std::string &graph_version,
                                        const config::ExpansionTrigger &trigger, int64_t now_ms) {
    store::MetricsQuery query;
    query.graph_id = graph_id;
    query.graph_version = graph_version;
    query.since_ms = now_ms - trigger.window_ms;
    query.until_ms = now_ms;
    query.trend_buckets = 1;
    const store::MetricsReport report = store.metrics(query);
    std::vector<NodeHealth> out;
    for (const store::NodeMetrics &n : report.nodes) {
        if (n.node_id.empty()) continue;
        const int64_t graded = n.total.grades - n.total.grade_errors;
        if (graded <= 0) continue;
        out.push_back(assess(graph_id, graph_version, n.node_id, graded,
                             graded - n.total.grade_passes, trigger));
    }
    std::stable_sort(out.begin(), out.end(), [](const NodeHealth &a, const NodeHealth &b) {
        return a.failure_rate() > b.failure_rate();
    });
    return out;
}

} // namespace tinyllm::expansion
