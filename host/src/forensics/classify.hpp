// The category of one run's failure and the node to blame, from structured data only: the
// error codes of the run and of its node executions, the failed model and tool calls, the gates'
// decisions (data.gate), the router's (data.router), and the judges' grades with their labels.
// The error texts are never searched for words, with two exceptions made by their writers as
// markers: the model node's "(max_tool_rounds)" (plugins/node/model/tool_loop.cpp; its status
// is PROTOCOL, shared with malformed output) and the gate's "quality gate failed after N
// attempts: " before its reasons (see gate_rules.hpp).
//
// A failed run is classified by the execution whose failure ended it:
//   - a gate that stopped (PROTOCOL from a gate node): by the rules it failed; an empty answer
//     or a non_empty rule is "empty answer", a json/json_schema rule "format", any other rule
//     "gate rule"; blamed on the execution whose output the gate checked;
//   - "(max_tool_rounds)" in a PROTOCOL error: "tool loop";
//   - timed out (status, or code timeout): "timeout";
//   - its last failed call a tool call (an error, or a result with is_error): "tool error";
//   - code unavailable or remote: "backend unavailable";
//   - any other PROTOCOL error: "format";
//   - else "uncategorised", by code.
// A run that failed with no failed execution to show for it: its time budget ("timeout"), a
// limit (max_steps, max_visits) hit while a gate was sending answers back ("gate rule", by the
// gate's last decision), else "uncategorised" by its code ("interrupted" for a run whose
// process died).
// A run that succeeded is weak when its final answer is blank ("empty answer") or a grade of it
// has pass false, or a score below min_score ("judge verdict", by the grade's label "failure").
// Then, for what the answer got wrong (not the infrastructure's failures), a router decision that
// differs from the route expected (RunEvidence::expected_route, else a grade's label
// "expected_route", or "route" as the datasets name it) takes over: the router's output went
// wrong first.
#pragma once

#include "forensics/finding.hpp"
#include "forensics/gate_rules.hpp"
#include "forensics/trace_view.hpp"
#include "store/grades.hpp"
#include "trace/trace.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tinyllm::forensics {

// One run of the window: its full trace and the grades to take into account.
struct RunEvidence {
    trace::Run run;
    std::vector<store::GradeRecord> grades;
    // The route its example is labelled with in an evaluation's dataset, when known; else the
    // grades' labels are asked.
    std::optional<std::string> expected_route;
};

struct ClassifyOptions {
    // A grade with a score below this is low even when it passed; absent: only pass false.
    std::optional<double> min_score;
};

// The run's finding, or nullopt for a run that is neither failed nor weak (and for a run that
// is running or was cancelled). `view` is a view of evidence.run; `book` has learnt the window.
std::optional<Finding> classify(const RunEvidence &evidence, const TraceView &view,
                                const GateRuleBook &book, const ClassifyOptions &options);

// What a run that ended well had to get past: the rules of the gate decisions that sent its
// answer back (retry, escalate, fail to a fallback) and the error codes of executions that
// failed and were retried, each once. Both empty for a run that went straight through.
struct Recovery {
    std::vector<std::string> gate_rules;
    std::vector<std::string> retried_codes;
    bool empty() const noexcept { return gate_rules.empty() && retried_codes.empty(); }
};
Recovery recovery_of(const TraceView &view);

} // namespace tinyllm::forensics
