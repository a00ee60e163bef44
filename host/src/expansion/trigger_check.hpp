// What is checked as each graded run is recorded (never by a loop over the whole store):
//   - the trigger: when the node a grade names goes over its threshold (node_health.hpp), or
//     the grade's dataset label does (at least min_label_requests graded requests of that label,
//     more than max_failure_rate failing: a node weak on one kind of request), one "pending"
//     expansion event is recorded for it, unless it already has one, an experiment in progress,
//     or its cooldown since the last experiment has not passed;
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

// What a grade says about its request's kind: the dataset label (labels.category), its
// verdict and the id record_grade gave it.
struct GradeSeen {
    std::string label; // "" = none: only the node-level rule
    bool pass = false;
    int64_t id = 0;
};

class TriggerCheck {
public:
    TriggerCheck(store::RunStore &runs, config::ExpansionTrigger trigger,
                 config::ExperimentSettings experiment = {})
        : graphs_(runs), trigger_(trigger), experiment_(std::move(experiment)) {}

    // After a grade (with a verdict) of a run of graph_id@graph_version that names node_id.
    // [any-thread]
    GradedCheck on_graded(const std::string &graph_id, const std::string &graph_version,
                          const std::string &node_id, int64_t now_ms, const GradeSeen &grade = {});

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
    GradedCheck trigger(const Key &key, int64_t now_ms, const GradeSeen &grade);
    // The grade's label's counts in the window: read from the store the first time the node is
    // seen in this process, then counted as this process grades (grades the read included are
    // not counted twice). "" when the label is not over the threshold.
    std::string label_over_threshold(const Key &key, int64_t now_ms, const GradeSeen &grade);

    store::GraphStore graphs_;
    config::ExpansionTrigger trigger_;
    config::ExperimentSettings experiment_;
    std::mutex mutex_;
    // Nodes this process found pending or busy already: no more queries for them.
    std::set<Key> settled_;
    std::map<std::pair<std::string, std::string>, std::optional<store::GraphStore::Promotion>>
        promotions_; // by (graph, version), read once per process
    std::map<Key, Watch> watches_;
    struct Labels {
        std::map<std::string, store::GraphStore::Graded> counts;
        int64_t last_grade_id = 0; // counted by the read from the store
    };
    std::map<Key, Labels> labels_;
};

} // namespace tinyllm::expansion
