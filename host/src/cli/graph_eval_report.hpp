// The reports of `tinyllm eval --dataset` (accuracy with a 95% Wilson interval, per label, run
// failures, judge errors, latency, tokens, the harness's overhead) and `tinyllm eval compare`
// (paired: McNemar's test on pass/fail, a bootstrap interval for the score difference), as text
// or JSON. Built from plain results, so what a report says is tested without running a graph.
#pragma once

#include "cli/graph_evaluation.hpp"
#include "store/grades.hpp"
#include "tinyllm/json.hpp"

#include <string>
#include <vector>

namespace tinyllm::cli::eval {

std::string graph_eval_text(const GraphEvaluation &ev, bool color);
json::Document graph_eval_json(const GraphEvaluation &ev);

// One evaluation as the store has it, for compare.
struct StoredEvaluation {
    store::EvaluationRecord record;
    std::vector<store::GradeRecord> grades; // by example index
};

struct Comparison {
    StoredEvaluation a;
    StoredEvaluation b;
    size_t paired = 0;    // examples graded in both
    int64_t a_passes = 0; // among the paired
    int64_t b_passes = 0;
    int64_t a_only = 0; // A passes, B does not
    int64_t b_only = 0;
    double p_value = 1;
    bool exact = true;
    double mean_difference = 0; // of scores, B - A (a missing score counts 0)
    double low = 0, high = 0;   // its 95% bootstrap interval
};

// Throws Error(usage) when the two evaluations are not of the same dataset (its SHA-256) or
// share no graded example.
Comparison compare(StoredEvaluation a, StoredEvaluation b);
std::string comparison_text(const Comparison &c, bool color);
json::Document comparison_json(const Comparison &c);

} // namespace tinyllm::cli::eval
