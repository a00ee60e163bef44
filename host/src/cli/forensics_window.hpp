// The runs `tinyllm failures analyze` looks at, read from the run store with their full traces
// and their grades: the newest finished runs (of a graph, since a time), or the runs an
// evaluation graded.
#pragma once

#include "forensics/classify.hpp"
#include "store/run_store.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::cli {

struct WindowQuery {
    size_t last = 100;                // the newest N finished runs,
    std::optional<int64_t> since_ms;  // started at or after this,
    std::optional<std::string> graph; // of this graph;
    // or instead every run that this evaluation (id or unique prefix) graded, with its grades.
    std::optional<std::string> evaluation;
};

struct Window {
    // Newest first; an evaluation's in the order of its examples.
    std::vector<forensics::RunEvidence> runs;
    size_t running = 0; // runs still running inside the window: skipped, they have no outcome yet
    std::optional<store::EvaluationRecord> evaluation;
    // Why some routes could not be checked (forensics_labels.hpp), one line each.
    std::vector<std::string> notes;
};

// Runs graded in an evaluation get the route their example is labelled with, from the
// evaluation's dataset (forensics_labels.hpp). Error(not_found) for an evaluation that is not
// recorded; the store's errors as they come.
Window load_window(const store::RunStore &store, const WindowQuery &query);

// "the last 100 runs of graph default started since 2025-06-01 14:30", "the 120 runs graded by
// evaluation e-..." (how many the window really holds, not how many were asked for).
std::string describe_window(const WindowQuery &query, const Window &window);

// --since: a duration back from `now_ms` (90s, 30m, 1h, 7d, 2w) or a time (2025-06-01,
// 2025-06-01T14:30, 2025-06-01 14:30:05, with Z or +02:00; local time without a zone), as epoch
// ms. Error(usage) for anything else, or a time in the future.
int64_t parse_since(const std::string &text, int64_t now_ms);

} // namespace tinyllm::cli
