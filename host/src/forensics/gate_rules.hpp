// The rules a stopped gate failed on.
//
// A gate with nothing left to try fails its node (TLLM_ERR_PROTOCOL) with the reasons of its
// failed checks, "quality gate failed after 3 attempts: reason; reason" (report.cpp in
// plugins/node/gate), and, failing, writes no output: the trace keeps the reasons but not the
// checks. The rule behind each reason is found where the trace does keep checks: the decisions
// (data.gate.checks) of the same gate node in the window's runs, by the exact reason. A reason
// no decision ever gave (one naming a number of this answer) leaves the rules of the gate's
// previous decision in the same run, marked as inferred; with none, the rule is unknown.
#pragma once

#include "forensics/trace_view.hpp"

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tinyllm::forensics {

class GateRuleBook {
public:
    // Learns the failed checks of every gate decision in `view`'s run.
    void learn(const TraceView &view);

    // The rules of (graph, node) whose recorded reasons make up parts of `reasons` (the gate's
    // "; "-joined list; a reason may itself hold "; "), in the order found, each once.
    std::vector<std::string> match(const std::string &graph_id, const std::string &node_id,
                                   std::string_view reasons) const;

private:
    // (graph, node) -> reason -> rule
    std::map<std::pair<std::string, std::string>, std::unordered_map<std::string, std::string>>
        rules_;
};

struct StoppedGate {
    std::string reasons;            // the reasons part of the gate's error
    std::vector<std::string> rules; // the rules that failed; empty when unknown
    bool inferred = false;          // the rules are those of the gate's previous decision
};

// What the failed gate execution `i` of `view` rejected.
StoppedGate stopped_gate(const TraceView &view, size_t i, const GateRuleBook &book);

} // namespace tinyllm::forensics
