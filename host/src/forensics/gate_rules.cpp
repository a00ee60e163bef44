#include "forensics/gate_rules.hpp"

#include <algorithm>

namespace tinyllm::forensics {
namespace {

constexpr std::string_view kSeparator = "; ";

// The gate's message up to the reasons: "quality gate failed after N attempt(s): ".
constexpr std::string_view kStopped = "quality gate failed after ";

std::vector<std::string_view> pieces_of(std::string_view text) {
    std::vector<std::string_view> pieces;
    for (size_t at = 0;;) {
        const size_t next = text.find(kSeparator, at);
        if (next == std::string_view::npos) {
            pieces.push_back(text.substr(at));
            return pieces;
        }
        pieces.push_back(text.substr(at, next - at));
        at = next + kSeparator.size();
    }
}

std::string reasons_of(const std::string &error) {
    const size_t stopped = error.find(kStopped);
    if (stopped == std::string::npos) return error; // another gate's own wording
    const size_t colon = error.find(": ", stopped + kStopped.size());
    if (colon == std::string::npos) return error;
    return error.substr(colon + 2);
}

void add_once(std::vector<std::string> &list, const std::string &item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

} // namespace

void GateRuleBook::learn(const TraceView &view) {
    for (size_t i = 0; i < view.size(); ++i) {
        const GateDecision *d = view.decision(i);
        if (d == nullptr) continue;
        auto &known = rules_[{view.run().graph_id, view.node(i).node_id}];
        for (const GateCheck &c : d->checks) {
            if (!c.pass && !c.reason.empty()) known.emplace(c.reason, c.rule);
        }
    }
}

std::vector<std::string> GateRuleBook::match(const std::string &graph_id,
                                             const std::string &node_id,
                                             std::string_view reasons) const {
    std::vector<std::string> rules;
    const auto known = rules_.find({graph_id, node_id});
    if (known == rules_.end() || reasons.empty()) return rules;
    const std::vector<std::string_view> pieces = pieces_of(reasons);
    // From each piece, the longest run of pieces that is one known reason.
    for (size_t first = 0; first < pieces.size();) {
        size_t matched = 0;
        for (size_t last = pieces.size(); last-- > first && matched == 0;) {
            const char *begin = pieces[first].data();
            const char *end = pieces[last].data() + pieces[last].size();
            const auto rule = known->second.find(std::string(begin, end));
            if (rule == known->second.end()) continue;
            add_once(rules, rule->second);
            matched = last - first + 1;
        }
        first += std::max<size_t>(matched, 1);
    }
    return rules;
}

StoppedGate stopped_gate(const TraceView &view, size_t i, const GateRuleBook &book) {
    const trace::NodeExecution &gate = view.node(i);
    StoppedGate stopped;
    stopped.reasons = reasons_of(gate.error);
    stopped.rules = book.match(view.run().graph_id, gate.node_id, stopped.reasons);
    if (!stopped.rules.empty()) return stopped;
    for (size_t j = i; j-- > 0;) {
        if (view.node(j).node_id != gate.node_id) continue;
        if (const GateDecision *d = view.decision(j)) {
            stopped.rules = d->failed_rules();
            stopped.inferred = !stopped.rules.empty();
            break;
        }
    }
    return stopped;
}

} // namespace tinyllm::forensics
