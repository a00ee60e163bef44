// What a request's failures say, read the same way by every strategy: which failures are the
// node's answers being wrong (not a server that was down), which call for arithmetic or code,
// and how failures spread over the dataset labels (categories of requests).
#pragma once

#include "graph_edit/request.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::graph_edit {

// A failure of the node's answer — a judge's verdict, a gate rule, empty or malformed output,
// a tool loop or a tool error — which another model, prompt, tool or gate can change. Not an
// answer failure: backend_unavailable, timeout (the infrastructure), wrong_route (the router
// chose the node wrongly), uncategorised.
bool answer_failure(const FailureGroup &group);
// The runs of answer failures.
int64_t answer_failures(const Request &request);

// What a failure calls for.
enum class Signal {
    none,
    arithmetic, // wrong or missing numbers: the calculator, a numeric_answer check
    code,       // code that is missing, does not run or fails its tests: the code tool, a
                // code_block check
};
std::string_view to_string(Signal signal) noexcept;

// By the key first (numeric_answer, failure=wrong_number, failure=no_number; code_block,
// code_runs, failure=tests_failed, failure=no_code; tool_error on calculator or code), then by
// the dataset labels of the group's runs (arithmetic, word_problems, math; code) when more than
// half carry one, then by the examples' inputs (more than half look like arithmetic: "38 * 13",
// "15%", "times", "divided by"; or like code: a fence, "def ", "python").
Signal signal_of(const FailureGroup &group);

struct Signals {
    int64_t arithmetic = 0; // runs of answer failures with that signal
    int64_t code = 0;
    int64_t total = 0; // runs of answer failures
    int64_t of(Signal s) const { return s == Signal::arithmetic ? arithmetic : code; }
};
Signals signals_of(const Request &request);

// The text has a computation in it: digits around an operator (38 * 13, 7x8), a percentage,
// or an arithmetic word between numbers (times, plus, minus, divided by, percent of).
bool looks_arithmetic(std::string_view text);

// Per dataset label: graded runs and failures from metrics.labels; when the metrics have no
// labels, the failures' label counts (graded 0: rates unknown). Labels in the order given.
std::vector<LabelStats> label_stats(const Request &request);

// A failure a quality gate's rule reported: category gate_rule, or empty_answer / format keyed
// by a rule (the key is the rule's name, not "failure=...").
bool gate_failure(const FailureGroup &group);

// One sentence for rationales: "specialist.math failed 52 of 140 graded requests (37%), most
// often judge_verdict failure=wrong_number (31)".
std::string failure_summary(const Request &request);

} // namespace tinyllm::graph_edit
