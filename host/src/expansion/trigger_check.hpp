// What is checked as each graded run is recorded (never by a loop over the whole store):
//   - the trigger: when the node a grade names goes over its threshold (node_health.hpp), one
//     "pending" expansion event is recorded for it, unless it already has one, an experiment in
//     progress, or its cooldown since the last experiment has not passed;
//   - the watch: when the grade is of a version an experiment promoted, on the node it was
//     about, for its first watch_outcomes graded outcomes, the node's pass rate against its
//     predecessor's (a one-sided sequential test, stats::RateDropWatch); a significant drop
//     makes the predecessor the active version again (an "auto_rollback" with the evidence).
// `tinyllm expansion status` lists what is pending and the rollbacks.
#pragma once

#include "config/expansion_config.hpp"
#include "store/graph_store.hpp"
#include "tinyllm/sequential_test.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>

namespace tinyllm::expansion {

struct GradedCheck {
    bool pending = false;     // a pending expansion was recorded for the node
    bool rolled_back = false; // the version was rolled back to its predecessor
    std::string detail;       // why, one line
};

class TriggerCheck {
public:
    TriggerCheck(store::RunStore &runs, config::ExpansionTrigger trigger,
                 config::ExperimentSettings experiment = {})
        : graphs_(runs), trigger_(trigger), experiment_(std::move(experiment)) {}

    // After a grade (with a verdict) of a run of graph_id@graph_version that names node_id.
    // [any-thread]
    GradedCheck on_graded(const std::string &graph_id, const std::string &graph_version,
                          const std::string &node_id, int64_t now_ms);

private:
    using Key = std::tuple<std::string, std::string, std::string>;
    struct Watch {
        std::optional<store::GraphStore::Promotion> promotion;
        std::unique_ptr<stats::RateDropWatch> test;
        int64_t graded = 0; // outcomes already added
        int64_t failures = 0;
        bool done = false;
    };
    GradedCheck watch(const Key &key);
    GradedCheck trigger(const Key &key, int64_t now_ms);

    store::GraphStore graphs_;
    config::ExpansionTrigger trigger_;
    config::ExperimentSettings experiment_;
    std::mutex mutex_;
    // Nodes this process found pending or busy already: no more queries for them.
    std::set<Key> settled_;
    std::map<std::pair<std::string, std::string>, std::optional<store::GraphStore::Promotion>>
        promotions_; // by (graph, version), read once per process
    std::map<Key, Watch> watches_;
};

} // namespace tinyllm::expansion
