// Whether a node keeps failing: its graded requests and failures in the trigger's window, from
// the metrics the run store rolls up as grades are recorded (judges' verdicts; a judge that gave
// no verdict is not counted), against expansion.yaml's rule: at least min_requests graded, and
// more than max_failure_rate of them failing.
#pragma once

#include "config/expansion_config.hpp"
#include "store/run_store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tinyllm::expansion {

struct NodeHealth {
    std::string graph_id;
    std::string graph_version;
    std::string node_id;
    int64_t graded = 0;
    int64_t failures = 0;
    double failure_rate() const {
        return graded > 0 ? static_cast<double>(failures) / static_cast<double>(graded) : 0.0;
    }
    bool over_threshold = false;
};

NodeHealth assess(std::string graph_id, std::string graph_version, std::string node_id,
                  int64_t graded, int64_t failures, const config::ExpansionTrigger &trigger);

// Every node of one version of a graph that has graded requests in the window ending at now_ms
// (not the whole run, ""), most failing first.
std::vector<NodeHealth> health_of_graph(const store::RunStore &store, const std::string &graph_id,
                                        const std::string &graph_version,
                                        const config::ExpansionTrigger &trigger, int64_t now_ms);

} // namespace tinyllm::expansion
