// Two observers of one run, told in order: `first` (the run store), then `second` (live
// events), so that what the second announces is already recorded.
#pragma once

#include "graph/executor.hpp"

namespace tinyllm::graph {

class ObserverPair final : public RunObserver {
public:
    ObserverPair(RunObserver &first, RunObserver &second) : first_(first), second_(second) {}

    void on_run_start(const trace::Run &run) override {
        first_.on_run_start(run);
        second_.on_run_start(run);
    }
    void on_node_start(const trace::Run &run, const trace::NodeExecution &node,
                       std::optional<runtime::Clock::time_point> deadline) override {
        first_.on_node_start(run, node, deadline);
        second_.on_node_start(run, node, deadline);
    }
    void on_node(const trace::Run &run, const trace::NodeExecution &node) override {
        first_.on_node(run, node);
        second_.on_node(run, node);
    }
    void on_run_end(const trace::Run &run) override {
        first_.on_run_end(run);
        second_.on_run_end(run);
    }

private:
    RunObserver &first_;
    RunObserver &second_;
};

} // namespace tinyllm::graph
