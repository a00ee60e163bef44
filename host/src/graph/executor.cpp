#include "graph/executor.hpp"
#include "graph/streamed_answer.hpp"

#include "graph/message.hpp"

#include "tinyllm/json.hpp"
#include "tinyllm/wall_clock.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <thread>

#include <spdlog/spdlog.h>

namespace tinyllm::graph {
namespace {

using runtime::CallContext;
using runtime::CancelToken;
using runtime::Clock;

int64_t micros_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

// A failure inside the graph, with the node it happened in (empty for run-level limits).
class RunFailure : public Error {
public:
    RunFailure(ErrorCode code, const std::string &message, std::string node)
        : Error(code, message), node_(std::move(node)) {}
    const std::string &node() const noexcept { return node_; }

private:
    std::string node_;
};

bool retryable(ErrorCode code) {
    return code == ErrorCode::unavailable || code == ErrorCode::timeout ||
           code == ErrorCode::remote;
}

// Collects the model and tool calls a node makes into its trace entry.
class NodeRecorder final : public runtime::CallObserver {
public:
    explicit NodeRecorder(trace::NodeExecution &exec) : exec_(exec) {}

    void on_model_call(const runtime::ModelCallRecord &r) override {
        trace::ModelCall call;
        call.model = r.model;
        call.backend = r.backend;
        call.started_at_ms = r.started_at_ms;
        call.duration_us = r.duration_us;
        call.error = r.error;
        call.prompt_tokens = r.usage.prompt_eval_count;
        call.completion_tokens = r.usage.eval_count;
        call.load_duration_ns = r.usage.load_duration;
        call.prompt_eval_duration_ns = r.usage.prompt_eval_duration;
        call.eval_duration_ns = r.usage.eval_duration;
        call.total_duration_ns = r.usage.total_duration;
        std::lock_guard lock(mutex_);
        exec_.model_calls.push_back(std::move(call));
    }

    void on_tool_call(const runtime::ToolCallRecord &r) override {
        std::lock_guard lock(mutex_);
        exec_.tool_calls.push_back(
            {r.tool, r.arguments, r.result, r.started_at_ms, r.duration_us, r.error});
    }

private:
    trace::NodeExecution &exec_;
    std::mutex mutex_;
};

// The state of one run, shared by its branches.
struct RunState {
    const Graph &graph;
    const RunOptions &options;
    trace::Run &run;
    std::optional<Clock::time_point> deadline;
    std::string deadline_name; // what set `deadline`, for the error when it passes
    std::mutex mutex;          // guards run.nodes, visits, next_seq
    std::vector<int> visits;
    int64_t next_seq = 0;
    int steps = 0;
    bool has_first_success_join = false;
    StreamedAnswer streamed; // kept as the answer of a run that ends badly

    void check_alive(const CancelToken &token) const {
        if (token.cancelled()) throw RunFailure(ErrorCode::cancelled, "cancelled", "");
        if (deadline && Clock::now() >= *deadline) {
            throw RunFailure(ErrorCode::timeout, budget_ran_out(), "");
        }
    }

    std::string budget_ran_out() const {
        return "the run's time budget ran out" +
               (deadline_name.empty() ? std::string() : " (" + deadline_name + ")");
    }

    // Tells the observer (which does not look at run.nodes), then keeps the execution.
    void record(trace::NodeExecution &&exec) {
        if (options.observer != nullptr) options.observer->on_node(run, exec);
        std::lock_guard lock(mutex);
        run.nodes.push_back(std::move(exec));
    }
};

// Runs one node, retrying per its policy. Records every attempt.
Message execute(RunState &st, const Node &node, const Message &input, const CancelToken &token,
                const std::string &branch) {
    const NodeDef &def = *node.def;
    int visit = 0;
    {
        std::lock_guard lock(st.mutex);
        visit = ++st.visits[node.index];
    }
    if (def.max_visits > 0 && visit > def.max_visits) {
        throw RunFailure(ErrorCode::limit_exceeded,
                         "node " + def.id + " was entered more than " +
                             std::to_string(def.max_visits) + " times (max_visits)",
                         def.id);
    }
    for (int attempt = 1;; ++attempt) {
        st.check_alive(token);
        trace::NodeExecution exec;
        {
            std::lock_guard lock(st.mutex);
            if (++st.steps > st.graph.def.limits.max_steps) {
                throw RunFailure(ErrorCode::limit_exceeded,
                                 "the run exceeded max_steps (" +
                                     std::to_string(st.graph.def.limits.max_steps) +
                                     " node executions) at node " + def.id,
                                 def.id);
            }
            exec.seq = st.next_seq++;
        }
        exec.node_id = def.id;
        exec.node_type = def.type;
        exec.attempt = attempt;
        exec.visit = visit;
        exec.branch = branch;
        exec.started_at_ms = now_ms();
        exec.input = input.text();
        const auto start = Clock::now();

        std::optional<Clock::time_point> deadline = st.deadline;
        if (def.timeout_ms > 0) {
            const auto own = start + std::chrono::milliseconds(def.timeout_ms);
            deadline = deadline ? std::min(*deadline, own) : own;
        }
        if (st.options.observer != nullptr) {
            st.options.observer->on_node_start(st.run, exec, deadline);
        }
        runtime::EventSink sink;
        if (st.options.on_event || node.writes_answer) {
            sink = [&st, &node, seq = exec.seq](std::string_view event) {
                if (node.writes_answer) st.streamed.add(seq, event);
                if (st.options.on_event) {
                    st.options.on_event(NodeEvent{node.def->id, node.writes_answer, seq, event});
                }
            };
        }
        CallContext call(token, deadline, std::move(sink));
        NodeRecorder recorder(exec);
        call.set_observer(&recorder);
        if (!st.options.model_options.empty()) call.set_model_options(&st.options.model_options);
        try {
            NodeOutput out =
                parse_node_output(node.instance->process(call, input.text()), input, def, visit);
            exec.duration_us = micros_since(start);
            exec.status = trace::NodeStatus::succeeded;
            exec.output = out.message.text();
            exec.route = std::move(out.route);
            st.record(std::move(exec));
            return std::move(out.message);
        } catch (const Error &e) {
            exec.duration_us = micros_since(start);
            ErrorCode code = e.code();
            std::string message = e.what();
            if (code == ErrorCode::cancelled && !token.cancelled()) {
                code = ErrorCode::timeout; // stopped by its deadline, not by the user
            }
            const bool run_out_of_time = st.deadline && Clock::now() >= *st.deadline;
            if (code == ErrorCode::timeout && run_out_of_time) {
                // Name the budget: the plugin only knows its caller's deadline.
                message = st.budget_ran_out() + ": " + message;
            } else if (code == ErrorCode::timeout && def.timeout_ms > 0) {
                message = "timed out after " + std::to_string(def.timeout_ms) +
                          " ms (timeout_ms): " + message;
            }
            exec.status = code == ErrorCode::cancelled ? trace::NodeStatus::cancelled
                          : code == ErrorCode::timeout ? trace::NodeStatus::timed_out
                                                       : trace::NodeStatus::failed;
            exec.error = message;
            exec.error_code = std::string(to_string(code));
            st.record(std::move(exec));
            if (code == ErrorCode::cancelled) throw RunFailure(code, "cancelled", def.id);
            if (retryable(code) && attempt < def.retry.max_attempts && !run_out_of_time) {
                // Exponential backoff, waited in small steps so cancellation stays prompt.
                int64_t wait = def.retry.backoff_ms;
                for (int i = 1; i < attempt; ++i)
                    wait = std::min(wait * 2, def.retry.max_backoff_ms);
                const auto until = Clock::now() + std::chrono::milliseconds(wait);
                while (Clock::now() < until) {
                    st.check_alive(token);
                    std::this_thread::sleep_for(std::min<Clock::duration>(
                        until - Clock::now(), std::chrono::milliseconds(10)));
                }
                continue;
            }
            const std::string attempts =
                attempt > 1 ? " after " + std::to_string(attempt) + " attempts" : "";
            throw RunFailure(
                code, "node " + def.id + " (" + def.type + ") failed" + attempts + ": " + message,
                def.id);
        }
    }
}

// The edges to follow from `node` for `message`: every matching conditional or unconditional
// edge, or the "else" edge when none matched.
std::vector<size_t> choose(const Node &node, const Message &message) {
    std::vector<size_t> next;
    const Edge *otherwise = nullptr;
    for (const Edge &e : node.out) {
        if (e.is_else) {
            otherwise = &e;
        } else if (!e.when || e.when->evaluate(message.doc())) {
            next.push_back(e.to);
        }
    }
    if (next.empty() && otherwise != nullptr) next.push_back(otherwise->to);
    return next;
}

struct Arrival {
    Message message;
    size_t node = 0;
    bool at_join = false;
};

Arrival walk(RunState &st, size_t start, Message message, const CancelToken &token,
             const std::string &branch, bool in_branch);

// The branches of one fan-out and what became of them, shared by the threads that run them.
struct Branches {
    size_t n;
    std::vector<std::optional<Arrival>> results;
    std::vector<std::exception_ptr> errors;
    std::vector<CancelToken> tokens;
    std::mutex mutex;
    std::condition_variable done_cv;
    size_t next = 0;     // the next branch a worker takes
    size_t finished = 0; // branches run (or skipped once the fan-out was decided)
    bool decided = false;
    std::optional<size_t> winner;

    Branches(size_t count, const CancelToken &token) : n(count), results(count), errors(count) {
        for (size_t i = 0; i < n; ++i)
            tokens.push_back(token.child());
    }
};

// Whether the fan-out is decided once branch `i` ended: it reached a first-success join (it
// wins), or it failed and no first-success join could still be reached by another branch.
// [holds b.mutex]
bool decides(const RunState &st, const Branches &b, size_t i) {
    if (b.results[i] && b.results[i]->at_join &&
        st.graph.nodes[b.results[i]->node].def->join == JoinMode::first_success) {
        return true;
    }
    return b.errors[i] && !st.has_first_success_join;
}

// Takes branches until none is left; once the fan-out is decided the branches not started are
// skipped as cancelled, and the running ones are cancelled (all but the winner).
void run_branches(RunState &st, Branches &b, const std::vector<size_t> &successors,
                  const Message &message, const std::string &branch) {
    for (;;) {
        size_t i = 0;
        bool skip = false;
        {
            std::lock_guard lock(b.mutex);
            if (b.next == b.n) return;
            i = b.next++;
            skip = b.decided;
        }
        std::optional<Arrival> result;
        std::exception_ptr error;
        if (skip) {
            error = std::make_exception_ptr(
                RunFailure(ErrorCode::cancelled, "cancelled: the fan-out was decided", ""));
        } else {
            const std::string label = (branch.empty() ? "" : branch + ".") + std::to_string(i);
            try {
                result = walk(st, successors[i], Message(message.text()), b.tokens[i], label, true);
            } catch (...) {
                error = std::current_exception();
            }
        }
        std::lock_guard lock(b.mutex);
        b.results[i] = std::move(result);
        b.errors[i] = error;
        ++b.finished;
        if (!skip && !b.decided && decides(st, b, i)) {
            b.decided = true;
            if (b.results[i] && b.results[i]->at_join) b.winner = i;
            for (size_t j = 0; j < b.n; ++j) {
                if (j != i || !b.winner) b.tokens[j].cancel();
            }
        }
        b.done_cv.notify_all();
    }
}

// Runs every successor as a branch until they reach their join, then merges them. At most
// limits.max_parallel_branches branches run at once: this thread and up to that many minus one
// workers, each taking the next branch when it is done with one. A worker the system cannot
// give (no memory or threads left) is not an error: the branches run on the workers there are,
// this thread at least.
Arrival fan_out(RunState &st, const Node &from, const std::vector<size_t> &successors,
                const Message &message, const CancelToken &token, const std::string &branch) {
    const size_t n = successors.size();
    Branches b(n, token);
    const size_t wanted = std::min(n, std::max<size_t>(st.options.max_parallel_branches, 1));
    std::vector<std::thread> workers;
    workers.reserve(wanted - 1);
    for (size_t w = 1; w < wanted; ++w) {
        try {
            workers.emplace_back([&] { run_branches(st, b, successors, message, branch); });
        } catch (const std::system_error &e) {
            spdlog::warn("fan-out from node {}: {} of {} branch workers could be started ({}); "
                         "the others wait for them",
                         from.def->id, workers.size() + 1, wanted, e.what());
            break;
        }
    }
    run_branches(st, b, successors, message, branch);
    {
        std::unique_lock lock(b.mutex);
        b.done_cv.wait(lock, [&] { return b.finished == n; });
    }
    for (auto &t : workers)
        t.join();
    std::vector<std::optional<Arrival>> &results = b.results;
    std::vector<std::exception_ptr> &errors = b.errors;
    std::optional<size_t> winner = b.winner;

    // The join every branch must have reached.
    std::optional<size_t> join;
    for (size_t i = 0; i < n; ++i) {
        if (results[i] && results[i]->at_join) {
            join = results[i]->node;
            break;
        }
    }
    const JoinMode mode = join ? st.graph.nodes[*join].def->join : JoinMode::all;
    if (mode == JoinMode::first_success) {
        if (!winner) {
            for (size_t i = 0; i < n; ++i) {
                if (results[i] && results[i]->at_join) winner = i;
            }
        }
        if (winner) return std::move(*results[*winner]);
    }
    // "all": the first failure (in branch order) is the run's failure; a user cancellation
    // is reported as such rather than as whichever branch noticed it first.
    if (token.cancelled()) throw RunFailure(ErrorCode::cancelled, "cancelled", "");
    // Branches cancelled because another failed report "cancelled": the real cause comes first.
    auto is_cancellation = [](const std::exception_ptr &p) {
        try {
            std::rethrow_exception(p);
        } catch (const Error &e) {
            return e.code() == ErrorCode::cancelled;
        } catch (...) {
            return false;
        }
    };
    for (size_t i = 0; i < n; ++i) {
        if (errors[i] && !is_cancellation(errors[i])) std::rethrow_exception(errors[i]);
    }
    for (size_t i = 0; i < n; ++i) {
        if (errors[i]) std::rethrow_exception(errors[i]);
    }
    for (size_t i = 0; i < n; ++i) {
        if (!results[i]->at_join || results[i]->node != *join) {
            throw RunFailure(ErrorCode::invalid_argument,
                             "fan-out from node " + from.def->id + ": branch " + std::to_string(i) +
                                 " ended at node " + st.graph.nodes[results[i]->node].def->id +
                                 " instead of the join node " + st.graph.nodes[*join].def->id,
                             from.def->id);
        }
    }
    // Merge: the fan-out source's message, with every branch's message under "branches" and
    // their contents joined (in edge order) as the new content.
    Arrival merged;
    merged.node = *join;
    merged.at_join = true;
    json::Document doc;
    doc.CopyFrom(message.doc(), doc.GetAllocator());
    auto &alloc = doc.GetAllocator();
    json::Value branches(rapidjson::kArrayType);
    std::string content;
    for (size_t i = 0; i < n; ++i) {
        const json::Document &b = results[i]->message.doc();
        if (auto c = json::get_string(b, "content")) content += (i ? "\n\n" : "") + *c;
        branches.PushBack(json::Value(b, alloc), alloc);
    }
    doc.RemoveMember("branches");
    doc.AddMember("branches", branches, alloc);
    doc.RemoveMember("content");
    doc.AddMember("content", json::string_value(content, alloc), alloc);
    merged.message = Message(std::move(doc));
    return merged;
}

// Runs nodes from `start` until an exit, or (inside a branch) until a join node is reached.
Arrival walk(RunState &st, size_t start, Message message, const CancelToken &token,
             const std::string &branch, bool in_branch) {
    size_t current = start;
    constexpr size_t kNone = static_cast<size_t>(-1);
    size_t joined = kNone; // a join this walk itself merged into: run it, don't stop there
    for (;;) {
        st.check_alive(token);
        const Node &node = st.graph.nodes[current];
        if (in_branch && node.def->join != JoinMode::none && joined != current) {
            return {std::move(message), current, true};
        }
        joined = kNone;
        message = execute(st, node, message, token, branch);
        if (node.is_exit) return {std::move(message), current, false};
        const std::vector<size_t> next = choose(node, message);
        if (next.empty()) {
            const std::string route = message.route();
            throw RunFailure(ErrorCode::invalid_argument,
                             "dead end at node " + node.def->id +
                                 ": no outgoing edge matched (route \"" + route + "\")",
                             node.def->id);
        }
        if (next.size() == 1) {
            current = next.front();
            continue;
        }
        Arrival merged = fan_out(st, node, next, message, token, branch);
        message = std::move(merged.message);
        current = merged.node;
        joined = current;
    }
}

} // namespace

trace::Run Executor::run(const std::string &input, const RunOptions &options) const {
    trace::Run run;
    run.id = options.run_id;
    run.graph_id = graph_.def.id;
    run.graph_version = graph_.def.version;
    run.input = input;
    run.started_at_ms = now_ms();

    RunState st{graph_, options, run, options.deadline, options.deadline_name, {}, {}, 0,
                0,      false,   {}};
    st.visits.assign(graph_.nodes.size(), 0);
    st.has_first_success_join =
        std::any_of(graph_.nodes.begin(), graph_.nodes.end(),
                    [](const Node &n) { return n.def->join == JoinMode::first_success; });
    if (graph_.def.limits.timeout_ms > 0) {
        const auto own = Clock::now() + std::chrono::milliseconds(graph_.def.limits.timeout_ms);
        if (!st.deadline || own < *st.deadline) {
            st.deadline = own;
            st.deadline_name =
                "the graph's limits.timeout_ms = " + std::to_string(graph_.def.limits.timeout_ms) +
                " ms";
        }
    }
    if (options.observer != nullptr) options.observer->on_run_start(run);

    try {
        Arrival end =
            walk(st, graph_.entry, Message(initial_message(input, options.initial_data), input, ""),
                 options.cancel, "", false);
        run.status = trace::RunStatus::succeeded;
        run.answer = end.message.take_content();
        run.output = end.message.take_text();
    } catch (const RunFailure &f) {
        run.status = f.code() == ErrorCode::cancelled ? trace::RunStatus::cancelled
                                                      : trace::RunStatus::failed;
        run.error_code = std::string(to_string(f.code()));
        run.error_message = f.what();
        run.error_node = f.node();
    } catch (const Error &e) {
        run.status = trace::RunStatus::failed;
        run.error_code = std::string(to_string(e.code()));
        run.error_message = e.what();
    } catch (const std::exception &e) {
        run.status = trace::RunStatus::failed;
        run.error_code = "internal";
        run.error_message = std::string("unexpected: ") + e.what();
    }
    if (run.status != trace::RunStatus::succeeded) run.answer = st.streamed.take();
    run.finished_at_ms = now_ms();
    std::sort(run.nodes.begin(), run.nodes.end(),
              [](const auto &a, const auto &b) { return a.seq < b.seq; });
    if (options.observer != nullptr) options.observer->on_run_end(run);
    return run;
}

} // namespace tinyllm::graph
