#include "cli/store_recorder.hpp"

#include <spdlog/spdlog.h>

namespace tinyllm::cli {

template <class Fn> void StoreRecorder::guard(Fn &&fn) {
    try {
        fn();
    } catch (const Error &e) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = e;
        spdlog::error("run store: {}", e.what());
    }
}

void StoreRecorder::on_run_start(const trace::Run &run) {
    guard([&] { store_.begin_run(run); });
}

void StoreRecorder::on_node(const trace::Run &run, const trace::NodeExecution &node) {
    guard([&] { store_.add_node(run.id, node); });
}

void StoreRecorder::on_run_end(const trace::Run &run) {
    guard([&] { store_.finish_run(run); });
}

std::optional<Error> StoreRecorder::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

} // namespace tinyllm::cli
