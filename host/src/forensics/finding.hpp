// What failure forensics concludes about one run: the category of its failure, what refines it
// (the gate rule, the judge's label, the error code...), the node blamed for it and the excerpt
// of the trace that shows it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::forensics {

// In the order of the checks that assign them (classify.hpp): infrastructure first, then what
// the router decided, then what was wrong with the answer.
enum class Category {
    backend_unavailable, // a model server did not answer, or answered an error (unavailable,
                         // remote)
    timeout,             // a node's timeout_ms or the run's budget ran out
    tool_error,          // a tool call failed (or its result is_error) and the node failed with it
    wrong_route,         // the router chose another route than the dataset label or a judge says
    tool_loop,           // the model still asked for tools after max_tool_rounds
    format,              // a protocol error (malformed output); a gate's json/json_schema rule
    empty_answer,        // the gate's non_empty rule, or an empty final answer
    gate_rule,           // a gate rejected the answer until nothing was left to try
    judge_verdict,       // a judge's verdict: pass false, or a score below --min-score
    uncategorised,       // none of the above says why (the key is the run's error code)
};

// "backend_unavailable", ... (stable: the JSON report's "category").
std::string_view to_string(Category category) noexcept;
// "backend unavailable", ... (for people).
std::string_view describe(Category category) noexcept;

struct NodeHelp {
    std::vector<std::string> tools_called;
    std::vector<std::string> gate_rules_passed;
};

struct Finding {
    std::string run_id;
    Category category = Category::uncategorised;
    // Refines the category: the gate rule, "failure=wrong_number", "expected math, routed
    // general", the tool, the error code ("" when there is nothing to add).
    std::string key;
    std::string node;       // the node blamed ("" when no node is to blame: the run's budget)
    std::string node_type;  // its component, when known
    std::string excerpt;    // one line of the trace that shows the failure, sanitised
    bool run_failed = true; // false: the run succeeded but was graded low or answered nothing
    // The key is a stopped gate's rules as its previous decision in the run gave them: its own
    // reasons matched no check recorded in the window (gate_rules.hpp).
    bool inferred = false;
    // What the blamed node had to help it, so that the next step does not suggest what it
    // already has: the tools its blamed execution called, and (for a run that succeeded) the
    // rules of the gate decision that passed the answer.
    NodeHelp help;
};

} // namespace tinyllm::forensics
