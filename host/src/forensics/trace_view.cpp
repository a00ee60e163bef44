#include "forensics/trace_view.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace tinyllm::forensics {
namespace {

// The routes a gate returns (its actions but "stop", which fails the node instead).
bool gate_route(std::string_view route) {
    static constexpr std::array<std::string_view, 4> kRoutes = {"pass", "retry", "escalate",
                                                                "fail"};
    for (const std::string_view r : kRoutes) {
        if (r == route) return true;
    }
    return false;
}

// Branch "0.1" runs inside branch "0", which runs inside the main path "".
bool same_or_enclosing(const std::string &outer, const std::string &inner) {
    if (outer.empty() || outer == inner) return true;
    return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
           inner[outer.size()] == '.';
}

} // namespace

bool failed(const trace::NodeExecution &node) noexcept {
    return node.status == trace::NodeStatus::failed || node.status == trace::NodeStatus::timed_out;
}

TraceView::TraceView(const trace::Run &run) : run_(run), outputs_(run.nodes.size()) {}

const MessageFacts &TraceView::output(size_t i) const {
    if (!outputs_[i]) outputs_[i] = read_message(run_.nodes[i].output);
    return *outputs_[i];
}

const GateDecision *TraceView::decision(size_t i) const {
    const trace::NodeExecution &n = run_.nodes[i];
    // Most executions are ruled out by their route without reading their output.
    if (n.status != trace::NodeStatus::succeeded || !gate_route(n.route)) return nullptr;
    const MessageFacts &facts = output(i);
    if (!facts.gate || facts.gate->action != n.route) return nullptr;
    return &*facts.gate;
}

bool TraceView::is_gate(const std::string &node_id) const {
    for (size_t i = 0; i < size(); ++i) {
        const trace::NodeExecution &n = run_.nodes[i];
        if (n.node_id != node_id) continue;
        if (n.node_type == "gate" || decision(i) != nullptr) return true;
    }
    return false;
}

std::optional<size_t> TraceView::decisive_failure() const {
    if (run_.error_node.empty()) return std::nullopt;
    for (size_t i = size(); i-- > 0;) {
        if (run_.nodes[i].node_id != run_.error_node) continue;
        // Its last execution: an earlier one that failed was retried, and is not the cause.
        if (failed(run_.nodes[i])) return i;
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<size_t> TraceView::previous_in_branch(size_t i) const {
    const std::string &branch = run_.nodes[i].branch;
    for (size_t j = i; j-- > 0;) {
        const trace::NodeExecution &n = run_.nodes[j];
        if (n.status == trace::NodeStatus::succeeded && same_or_enclosing(n.branch, branch)) {
            return j;
        }
    }
    return std::nullopt;
}

std::optional<std::string> TraceView::content_received(size_t i) const {
    const auto previous = previous_in_branch(i);
    if (!previous) return run_.input;
    return output(*previous).content;
}

std::optional<size_t> TraceView::answer_producer() const {
    for (size_t i = size(); i-- > 0;) {
        if (run_.nodes[i].status != trace::NodeStatus::succeeded) continue;
        const auto &content = output(i).content;
        if (content && content != content_received(i)) return i;
    }
    return std::nullopt;
}

std::optional<size_t> TraceView::router_decision() const {
    for (size_t i = 0; i < size(); ++i) {
        if (run_.nodes[i].status == trace::NodeStatus::succeeded && output(i).route) return i;
    }
    return std::nullopt;
}

std::optional<size_t> TraceView::last_decision_before(size_t end) const {
    for (size_t i = std::min(end, size()); i-- > 0;) {
        if (decision(i) != nullptr) return i;
    }
    return std::nullopt;
}

} // namespace tinyllm::forensics
