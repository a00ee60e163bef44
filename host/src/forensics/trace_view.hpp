// One run's trace with the questions forensics asks of it: what each execution's output says
// (read once, when first asked), which executions were gate decisions, and the walks that find
// the failure that ended the run and the node whose output went wrong.
//
// run.nodes must be in seq order, as the executor records them and the store returns them.
#pragma once

#include "forensics/message_facts.hpp"
#include "trace/trace.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::forensics {

class TraceView {
public:
    // Keeps a reference: `run` must outlive the view.
    explicit TraceView(const trace::Run &run);

    const trace::Run &run() const noexcept { return run_; }
    size_t size() const noexcept { return run_.nodes.size(); }
    const trace::NodeExecution &node(size_t i) const { return run_.nodes[i]; }

    // The facts of execution i's output (none for an execution that did not succeed).
    const MessageFacts &output(size_t i) const;

    // The gate decision execution i made, or null. A gate writes data.gate and routes by its
    // action; the nodes after it carry data.gate along unchanged but do not route by it.
    const GateDecision *decision(size_t i) const;

    // Whether node `node_id` is a gate: its component is "gate", or one of its executions in
    // this run decided like one (a third-party gate writing data.gate).
    bool is_gate(const std::string &node_id) const;

    // The execution whose failure ended the run: the last execution of run.error_node, when
    // it failed or timed out. None when the run ended otherwise: its time budget, a limit
    // (max_steps, max_visits) checked before the node ran, a dead end after it succeeded.
    std::optional<size_t> decisive_failure() const;

    // The execution whose output execution i received: the last one before it that succeeded
    // in its branch or in a branch it forked from. None for the entry node.
    std::optional<size_t> previous_in_branch(size_t i) const;

    // The content execution i received: the previous execution's output content, or the
    // request for the entry node.
    std::optional<std::string> content_received(size_t i) const;

    // The execution that wrote the final answer: the last that succeeded with a content other
    // than the one it received (gates and pass-throughs hand the answer on unchanged).
    std::optional<size_t> answer_producer() const;

    // The first execution whose output holds data.router.route: the router's decision (later
    // messages carry it along).
    std::optional<size_t> router_decision() const;

    // The last gate decision among the executions before `end` (all of them: size()).
    std::optional<size_t> last_decision_before(size_t end) const;

private:
    const trace::Run &run_;
    mutable std::vector<std::optional<MessageFacts>> outputs_;
};

// Whether an execution ended in failure (a cancelled one was stopped, it did not fail).
bool failed(const trace::NodeExecution &node) noexcept;

} // namespace tinyllm::forensics
