// What the API handlers of `tinyllm serve` share: the graphs, the queues that run work off the
// I/O threads, the token that cancels every run at shutdown, and the functions the command line
// provides (running a graph with the run store recording it, asking the backends for their
// models).
#pragma once

#include "graph/executor.hpp"
#include "serve/backend_proxy.hpp"
#include "serve/graph_catalog.hpp"
#include "serve/metrics.hpp"
#include "serve/run_events.hpp"
#include "serve/run_queue.hpp"
#include "store/run_store.hpp"
#include "trace/trace.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::serve {

// Runs `graph` for `input` and returns the recorded run. `options` come with the run id, the
// cancellation token, the events' callback, the live events' observer and the first message's
// data; the callee adds the recording (told before that observer: graph/observer_pair.hpp), the
// time budget and the fan-out limit. Never throws for a failed run.
using RunGraph = std::function<trace::Run(const ServedGraph &graph, const std::string &input,
                                          graph::RunOptions options)>;

// Every backend's models as Ollama's /api/tags lists them (one JSON object text each). Blocks on
// the network: called on the control queue. Throws Error when a backend cannot be asked.
using ListBackendModels = std::function<std::vector<std::string>()>;

// What the command line gives the server: running a graph (recorded), the backends' models,
// the run store (for /tinyllm/v1; null: those endpoints say it is absent) and the loaded plugins.
struct ServerHooks {
    RunGraph run_graph;
    ListBackendModels backend_models;
    store::RunStore *store = nullptr;
    // The loaded plugins, {"plugins": [...], "failures": [...]} as `tinyllm plugins list --json`
    // prints it; may be empty.
    std::function<std::string()> plugins_json;
    // The Ollama server requests for what is not a graph are passed to; none: they are refused.
    std::optional<ProxyTarget> passthrough;
    // Model management (pull, push, create, copy, delete, blobs) passes through too; false: 403.
    bool passthrough_management = true;
    std::chrono::milliseconds passthrough_timeout{300000};
};

// Runs in flight per graph name (/api/ps).
class RunsInFlight {
public:
    void started(const std::string &graph);
    void ended(const std::string &graph);
    std::map<std::string, int> snapshot() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, int> counts_;
};

struct Services {
    const GraphCatalog &graphs;
    RunQueue &runs;    // graph runs: limits.max_concurrent_runs at once, max_queued_runs waiting
    RunQueue &control; // calls that block on a backend but are not runs (model lists)
    runtime::CancelToken shutdown; // every run's token is a child of it
    RunGraph run_graph;
    ListBackendModels backend_models;
    store::RunStore *store = nullptr;
    std::function<std::string()> plugins_json;
    BackendProxy *proxy = nullptr;    // null: nothing is passed through
    bool proxy_management = true;     // ServerHooks::passthrough_management
    size_t max_input_bytes = 1 << 20; // limits.max_input_bytes: the input a request may give
    std::chrono::milliseconds request_timeout{0}; // ServerOptions::request_timeout
    int64_t started_at_ms = 0;
    RunsInFlight in_flight;
    Metrics metrics;
    RunEvents events; // live run events (/tinyllm/v1/events)
};

} // namespace tinyllm::serve
