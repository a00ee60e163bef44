// Writes a run to the run store as it progresses (begin, each node, end). A storage failure must
// not abort the run: the first one is kept, logged, and reported by the command once the run is
// over. Thread-safe: one recorder may serve several concurrent runs (an evaluation).
#pragma once

#include "graph/executor.hpp"
#include "store/run_store.hpp"

#include <mutex>
#include <optional>

namespace tinyllm::cli {

class StoreRecorder final : public graph::RunObserver {
public:
    explicit StoreRecorder(store::RunStore &store) : store_(store) {}
    void on_run_start(const trace::Run &run) override;
    void on_node(const trace::Run &run, const trace::NodeExecution &node) override;
    void on_run_end(const trace::Run &run) override;
    std::optional<Error> error() const;

private:
    template <class Fn> void guard(Fn &&fn);
    store::RunStore &store_;
    mutable std::mutex mutex_;
    std::optional<Error> error_;
};

} // namespace tinyllm::cli
