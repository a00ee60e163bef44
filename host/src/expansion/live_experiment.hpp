// A live experiment: a candidate that passed screening runs for a share of the graph's graded
// requests (expansion.yaml experiment.live_share), chosen per input (arm.hpp), while the base
// version serves the rest. Both arms are graded by the experiment's judge; as each grade comes
// in, its outcome is recorded and the i-th graded outcome of each arm, in arrival order, form
// the i-th pair of the sequential test (sequential_test.hpp: for independent arms a discordant
// pair favours either side with probability 1/2 exactly when their pass rates are equal). The
// test's first verdict ends the experiment: better promotes the candidate (it becomes the
// active version in the same transaction), worse or no evidence after max_pairs rejects it.
//
// A grade without a verdict (the judge failed) is never counted: the experiment is paused, the
// split stops, and `tinyllm expansion resume ID` takes it up again; nothing is decided on a
// missing grade.
#pragma once

#include "config/expansion_config.hpp"
#include "store/graph_store.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::expansion {

// The live experiment of a graph whose base is `version` (the version about to run), if any.
std::optional<store::ExperimentRecord> live_experiment_for(store::GraphStore &graphs,
                                                           const std::string &graph_id,
                                                           const std::string &version);

class LiveExperiment {
public:
    LiveExperiment(store::RunStore &runs, store::ExperimentRecord experiment,
                   config::ExperimentSettings settings);

    const std::string &id() const { return id_; }
    const std::string &judge() const { return judge_; }

    // The arm that serves this request: none once the experiment has ended or paused here
    // (the request is then not part of it). One hash of the input (bench/expansion_bench.cpp).
    // [any-thread]
    enum class Arm { none, base, candidate };
    Arm route(std::string_view input) const noexcept;

    struct Graded {
        bool candidate = false;
        std::string input;
        std::string run_id;
        std::optional<bool> pass; // nullopt: the judge gave no verdict
        std::optional<double> score;
        std::string judge_error; // why, when there is no verdict
    };
    struct Update {
        bool ended = false;  // decided now (promoted or rejected)
        bool paused = false; // paused now
        store::ExperimentStatus status = store::ExperimentStatus::live;
        std::string detail; // one line
    };
    // After the grade of a request the split sent to an arm: the outcome recorded, then the
    // test brought up to date and the experiment decided or paused when it must be. [any-thread]
    Update on_graded(const Graded &graded);

private:
    Update test_outcomes();

    store::GraphStore graphs_;
    store::ExperimentRecord experiment_;
    config::ExperimentSettings settings_;
    const std::string id_;
    const std::string judge_;
    uint64_t seed_ = 0;
    double share_ = 0; // read by route() while on_graded updates experiment_
    std::atomic<bool> open_{true};
    std::mutex mutex_; // one test update at a time; guards experiment_
};

} // namespace tinyllm::expansion
