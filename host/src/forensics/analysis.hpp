// Failure forensics over a window of runs: each failed or weak run classified (classify.hpp),
// the findings grouped by category and key, with the nodes blamed, examples and a next step,
// and the runs that ended well only after a gate or a retry counted apart.
#pragma once

#include "forensics/classify.hpp"
#include "forensics/finding.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::forensics {

struct AnalysisOptions {
    std::optional<double> min_score; // ClassifyOptions::min_score
    size_t examples = 2;             // example runs per group
};

struct Count {
    std::string name;
    size_t count = 0;
};

struct Example {
    std::string run_id;
    std::string node; // blamed
    std::string excerpt;
};

// The findings of one category and key.
struct Group {
    Category category = Category::uncategorised;
    std::string key;
    size_t count = 0;
    double share = 0;              // of the failed and weak runs
    std::vector<Count> blamed;     // most blamed first; "" names no node (the run itself)
    std::vector<Example> examples; // the newest first, as the window lists the runs
    std::string next_step;
};

// Runs that succeeded, were not graded low, and had to get past something on the way.
struct Recovered {
    size_t runs = 0;
    std::vector<Count> gate_rules;    // runs whose answer a gate sent back, by the rules failed
    std::vector<Count> retried_codes; // runs with a failed execution retried, by error code
};

struct Report {
    size_t runs = 0;               // runs analysed: the window's, but those still running
    size_t failed = 0;             // of them, failed
    size_t weak = 0;               // succeeded, but answered nothing or were graded low
    size_t cancelled = 0;          // cancelled by the user: neither failed nor analysed
    std::vector<Group> groups;     // most runs first
    std::vector<Finding> findings; // one per failed or weak run, in the window's order
    Recovered recovered;
};

// `window` in the order to show examples in (newest first).
Report analyse(const std::vector<RunEvidence> &window, const AnalysisOptions &options);

// "gate rule: numeric_answer", "backend unavailable: remote", "judge verdict: failure=..."
std::string title(Category category, const std::string &key);

} // namespace tinyllm::forensics
