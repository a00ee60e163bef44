#include "cli/run_guard.hpp"

#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "graph/streamed_answer.hpp"
#include "runtime/component_instance.hpp"
#include "tinyllm/wall_clock.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace tinyllm::cli {

namespace {

using runtime::Clock;

// Shared by the command's thread and the worker, which may outlive the command's stack when it
// is abandoned: everything it touches after that lives here.
struct Shared {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    bool abandoned = false;         // from then on the worker's events reach no one
    trace::Run started;             // the run as on_run_start saw it
    trace::Run finished;            // set when the executor returned
    graph::StreamedAnswer streamed; // the answer nodes' text, for a run the guard ends itself

    struct InFlight {
        trace::NodeExecution exec;
        std::optional<Clock::time_point> deadline;
    };
    std::map<int64_t, InFlight> in_flight; // by seq
};

// Forwards to the caller's observer, keeps what the guard needs to end the run itself, and
// goes quiet once the run is abandoned (so the stuck worker, should it wake up, records
// nothing over what the guard recorded).
class GuardObserver final : public graph::RunObserver {
public:
    GuardObserver(std::shared_ptr<Shared> shared, graph::RunObserver *next)
        : shared_(std::move(shared)), next_(next) {}

    void on_run_start(const trace::Run &run) override {
        {
            std::lock_guard lock(shared_->mutex);
            shared_->started = run;
        }
        if (next_ != nullptr) next_->on_run_start(run);
    }
    void on_node_start(const trace::Run &run, const trace::NodeExecution &node,
                       std::optional<Clock::time_point> deadline) override {
        {
            std::lock_guard lock(shared_->mutex);
            if (shared_->abandoned) return;
            shared_->in_flight[node.seq] = {node, deadline};
        }
        spdlog::debug("run {}: node {} ({}) starts", run.id, node.node_id, node.node_type);
        if (next_ != nullptr) next_->on_node_start(run, node, deadline);
    }
    void on_node(const trace::Run &run, const trace::NodeExecution &node) override {
        {
            std::lock_guard lock(shared_->mutex);
            if (shared_->abandoned) return;
            shared_->in_flight.erase(node.seq);
        }
        if (next_ != nullptr) next_->on_node(run, node);
    }
    void on_run_end(const trace::Run &run) override {
        {
            std::lock_guard lock(shared_->mutex);
            if (shared_->abandoned) return;
        }
        if (next_ != nullptr) next_->on_run_end(run);
    }

private:
    std::shared_ptr<Shared> shared_;
    graph::RunObserver *next_;
};

// When the run was asked to stop: the first of the cancel token, the run's deadline and the
// in-flight nodes' own deadlines; nullopt while none has come.
std::optional<Clock::time_point> asked_to_stop_at(Shared &shared, const graph::RunOptions &options,
                                                  std::optional<Clock::time_point> cancelled_at) {
    std::optional<Clock::time_point> at = cancelled_at;
    const auto earlier = [&at](Clock::time_point t) { at = at ? std::min(*at, t) : t; };
    if (options.deadline) earlier(*options.deadline);
    std::lock_guard lock(shared.mutex);
    for (const auto &[seq, node] : shared.in_flight) {
        if (node.deadline) earlier(*node.deadline);
    }
    return at && *at <= Clock::now() ? at : std::nullopt;
}

} // namespace

trace::Run run_guarded(Context &ctx, const graph::Graph &graph, const std::string &input,
                       graph::RunOptions options, std::chrono::milliseconds grace) {
    auto shared = std::make_shared<Shared>();
    graph::RunObserver *next = options.observer;
    auto observer = std::make_shared<GuardObserver>(shared, next);
    options.observer = observer.get();
    const runtime::CancelToken cancel = options.cancel;
    // Events: the answer's text is kept here too, and nothing reaches the caller once the run
    // is abandoned (its printer may be gone).
    options.on_event = [shared, forward = std::move(options.on_event)](const graph::NodeEvent &ev) {
        if (ev.final_answer) shared->streamed.add(ev.seq, ev.event_json);
        if (!forward) return;
        std::lock_guard lock(shared->mutex); // held while forwarding: abandonment waits
        if (!shared->abandoned) forward(ev);
    };
    const graph::RunOptions watched = options;

    // The worker owns copies of what it reads; the graph and the caller's observer outlive it
    // unless it is abandoned, and then the process exits without tearing them down.
    std::thread worker([shared, observer, &graph, input, options = std::move(options)] {
        trace::Run run = graph::Executor(graph).run(input, options);
        std::lock_guard lock(shared->mutex);
        shared->finished = std::move(run);
        shared->done = true;
        shared->done_cv.notify_all();
    });

    std::optional<Clock::time_point> cancelled_at;
    for (;;) {
        {
            std::unique_lock lock(shared->mutex);
            if (shared->done_cv.wait_for(lock, std::chrono::milliseconds(20),
                                         [&] { return shared->done; })) {
                break;
            }
        }
        if (!cancelled_at && cancel.cancelled()) {
            cancelled_at = Clock::now();
            spdlog::debug("run cancelled; waiting up to {} ms for its nodes to stop",
                          grace.count());
        }
        const auto asked = asked_to_stop_at(*shared, watched, cancelled_at);
        if (!asked || Clock::now() - *asked < grace) continue;

        // Asked to stop `grace` ago and still running: end the run without the stuck node(s).
        std::unique_lock lock(shared->mutex);
        if (shared->done) break; // it made it after all
        shared->abandoned = true;
        ctx.abandon_work();
        worker.detach();
        const bool by_user = cancelled_at.has_value() && *cancelled_at <= *asked;
        const ErrorCode code = by_user ? ErrorCode::cancelled : ErrorCode::timeout;
        trace::Run run = shared->started;
        std::string stuck;
        for (auto &[seq, node] : shared->in_flight) {
            trace::NodeExecution &exec = node.exec;
            exec.status = by_user ? trace::NodeStatus::cancelled : trace::NodeStatus::timed_out;
            exec.duration_us = (now_ms() - exec.started_at_ms) * 1000;
            exec.error = "node " + exec.node_id + " (" + exec.node_type + ") did not stop when " +
                         (by_user ? "the run was cancelled" : "its deadline passed") + " (" +
                         std::to_string(grace.count()) +
                         " ms later it was still running); the run ended without it";
            exec.error_code = std::string(to_string(code));
            if (stuck.empty()) {
                stuck = exec.error;
                run.error_node = exec.node_id;
            }
            if (next != nullptr) next->on_node(run, exec);
            run.nodes.push_back(exec);
        }
        lock.unlock();
        run.status = by_user ? trace::RunStatus::cancelled : trace::RunStatus::failed;
        run.error_code = std::string(to_string(code));
        run.error_message =
            stuck.empty() ? (by_user ? "cancelled" : "the run's time budget ran out") : stuck;
        run.answer = shared->streamed.take();
        run.finished_at_ms = now_ms();
        spdlog::debug("run {}: abandoned a node that did not stop: {}", run.id, run.error_message);
        if (next != nullptr) next->on_run_end(run);
        return run;
    }
    worker.join();
    std::lock_guard lock(shared->mutex);
    return std::move(shared->finished);
}

struct SetupWatchdog::State {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
};

SetupWatchdog::SetupWatchdog(std::chrono::milliseconds budget) {
    if (budget.count() <= 0) return;
    state_ = std::make_shared<State>();
    thread_ = std::thread([state = state_, limit = budget + kStopGrace] {
        std::unique_lock lock(state->mutex);
        if (state->cv.wait_for(lock, limit, [&] { return state->done; })) return;
        const std::string *who = runtime::activating_now();
        const std::string line =
            "tinyllm: error: " + (who != nullptr ? *who : std::string("a plugin")) +
            " did not return from activate within " + std::to_string(limit.count()) +
            " ms (limits.request_timeout_ms, and " + std::to_string(kStopGrace.count()) +
            " ms more after its deadline)\n";
        std::fputs(line.c_str(), stderr);
        std::fflush(stderr);
        std::_Exit(kExitTimeout);
    });
}

SetupWatchdog::~SetupWatchdog() {
    if (!state_) return;
    {
        std::lock_guard lock(state_->mutex);
        state_->done = true;
    }
    state_->cv.notify_all();
    thread_.join();
}

} // namespace tinyllm::cli
