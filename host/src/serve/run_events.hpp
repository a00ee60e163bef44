// Live events of the runs `tinyllm serve` executes, for /tinyllm/v1/events (server-sent events)
// and the dashboard. Every event's data is a JSON object with the run's "run_id":
//   run_started    the run's summary (trace_json's fields without nodes)
//   node_started   {"run_id", "node": {seq, node, type, attempt, visit, branch, started_at_ms}}
//   node_finished  {"run_id", "node": the node execution as in the trace, with its model and
//                  tool calls, route (a router's or a gate's decision) and error}
//   node_event     {"run_id", "seq", "node", "event": what the node emitted (a token, ...)}
//                  only to a client that follows that one run
//   run_finished   the run's summary, with its status and error
// Publishing costs one atomic load while nobody listens.
#pragma once

#include "graph/executor.hpp"
#include "serve/http_exchange.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::serve {

class RunEvents {
public:
    explicit RunEvents(size_t max_subscribers = 64) : max_subscribers_(max_subscribers) {}

    // Starts `exchange`'s event stream and adds it: every run's events but node_event, or with
    // `run_id` that run's only, node_event included. False (nothing written) when
    // max_subscribers already listen. [any thread]
    bool subscribe(const std::shared_ptr<Exchange> &exchange, std::string run_id);

    // Whether anyone would receive an event of `run_id` (a node_event when `node_event`).
    bool wanted(std::string_view run_id, bool node_event) const;
    // Sends `data` (one JSON object's text) as event `type` to those who follow it. [any thread]
    void publish(std::string_view run_id, std::string_view type, std::string_view data,
                 bool node_event = false);
    // A comment line to every stream, so that proxies keep it open and a client that went away
    // is noticed; called every few seconds.
    void heartbeat();
    // Ends every stream (shutdown).
    void close_all();
    size_t subscribers() const;

private:
    struct Subscriber {
        std::shared_ptr<Exchange> exchange;
        std::string run_id; // "" = every run
        std::shared_ptr<std::atomic<bool>> gone;
    };
    void drop_gone(); // [mutex_ held]

    const size_t max_subscribers_;
    mutable std::mutex mutex_;
    std::vector<Subscriber> subscribers_;
    std::atomic<size_t> count_{0};
    bool closed_ = false;
};

// Publishes a run's progress to `events` (run_started, node_started, node_finished,
// run_finished). One per run. [the threads running the run]
class RunEventObserver final : public graph::RunObserver {
public:
    explicit RunEventObserver(RunEvents &events) : events_(events) {}
    void on_run_start(const trace::Run &run) override;
    void on_node_start(const trace::Run &run, const trace::NodeExecution &node,
                       std::optional<runtime::Clock::time_point> deadline) override;
    void on_node(const trace::Run &run, const trace::NodeExecution &node) override;
    void on_run_end(const trace::Run &run) override;

private:
    RunEvents &events_;
};

// A node's event (graph::NodeEvent) as a node_event to whoever follows its run.
void publish_node_event(RunEvents &events, std::string_view run_id, const graph::NodeEvent &ev);

} // namespace tinyllm::serve
