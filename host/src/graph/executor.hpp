// The executor: runs a built Graph for one request, from the entry node to an exit, following
// conditional edges, retrying failed nodes, bounding loops, running fan-outs in parallel and
// joining them. It keeps no per-run state in itself, so one Executor serves any number of
// concurrent runs (each on its caller's thread, plus up to max_parallel_branches - 1 workers per
// fan-out).
#pragma once

#include "graph/graph.hpp"
#include "graph/message.hpp"
#include "runtime/call_context.hpp"
#include "trace/trace.hpp"

#include <functional>
#include <optional>
#include <string>

namespace tinyllm::graph {

// Told as a run progresses, so a crash loses at most the node in flight (the run store).
// Called from the threads running the run; implementations must be thread-safe.
class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void on_run_start(const trace::Run &run) = 0;
    // A node is about to be called (`node` has its id, type, seq, attempt, start and input),
    // with the deadline its call gets (the run's or its own timeout_ms, whichever is first).
    // [the thread that runs the node] Does nothing unless overridden.
    virtual void on_node_start(const trace::Run &, const trace::NodeExecution &,
                               std::optional<runtime::Clock::time_point> /*deadline*/) {}
    // Before `node` joins run.nodes (it is then moved there): read `node`, not run.nodes.
    virtual void on_node(const trace::Run &run, const trace::NodeExecution &node) = 0;
    virtual void on_run_end(const trace::Run &run) = 0;
};

// An event a node emitted (a token, progress, a decision), with the node execution it came
// from. `final_answer` is true for nodes that write the answer (exits, and nodes with
// `answer: true`): their tokens are the answer the user is waiting for. A later execution's
// tokens (another attempt, or a gate sending the request back) replace an earlier one's.
struct NodeEvent {
    const std::string &node_id;
    bool final_answer;
    int64_t seq; // the node execution's number in the run (trace::NodeExecution::seq)
    std::string_view event_json;
};

struct RunOptions {
    std::string run_id; // recorded as trace::Run::id
    runtime::CancelToken cancel;
    std::optional<runtime::Clock::time_point> deadline; // the caller's budget
    // What sets `deadline`, named in the run's error when it passes ("limits.request_timeout_ms
    // = 300000 ms", "--timeout 5000 ms"); empty: just "the run's time budget ran out".
    std::string deadline_name;
    // The first message's "data": a JSON object's text (initial_message).
    std::string initial_data = "{}";
    // Model options for every model call of the run (a served request's `options`, a JSON
    // object's text; empty: none): over models.yaml's options, under those a node sets itself.
    std::string model_options;
    std::function<void(const NodeEvent &)> on_event; // may be empty
    RunObserver *observer = nullptr;                 // may be null
    // How many branches of one fan-out run at once (limits.max_parallel_branches): the run's
    // thread and up to this many minus one workers; the other branches wait for a free worker.
    size_t max_parallel_branches = 8;
};

class Executor {
public:
    explicit Executor(const Graph &graph) : graph_(graph) {}

    // Runs the graph for `input`. Always returns the recorded run: status succeeded (output is
    // the final message, answer its content), failed (error_* say why and where) or
    // cancelled. Never throws for a failure inside the graph.
    trace::Run run(const std::string &input, const RunOptions &options) const;

private:
    const Graph &graph_;
};

} // namespace tinyllm::graph
