// The trigger, evaluated as each graded run is recorded (never by a loop over the whole store):
// when the node a grade names goes over its threshold (node_health.hpp), one "pending" expansion
// event is recorded for it, unless it already has one, an experiment in progress, or its
// cooldown since the last experiment has not passed. `tinyllm expansion status` lists what is
// pending; `tinyllm expansion trigger` starts it.
#pragma once

#include "config/expansion_config.hpp"
#include "store/graph_store.hpp"

#include <mutex>
#include <set>
#include <string>
#include <tuple>

namespace tinyllm::expansion {

class TriggerCheck {
public:
    TriggerCheck(store::RunStore &runs, config::ExpansionTrigger trigger)
        : graphs_(runs), trigger_(trigger) {}

    // After a grade of a run of graph_id@graph_version that names node_id. Returns whether it
    // recorded a pending event. [any-thread]
    bool on_graded(const std::string &graph_id, const std::string &graph_version,
                   const std::string &node_id, int64_t now_ms);

private:
    store::GraphStore graphs_;
    config::ExpansionTrigger trigger_;
    std::mutex mutex_;
    // Nodes this process found pending or busy already: no more queries for them.
    std::set<std::tuple<std::string, std::string, std::string>> settled_;
};

} // namespace tinyllm::expansion
