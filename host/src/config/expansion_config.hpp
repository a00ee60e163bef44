// config/expansion.yaml (optional): when a node counts as failing (the trigger), how candidates
// are tested against the current graph (the experiment), and which mutation strategies propose
// them (entries shaped like tools.yaml's and judges.yaml's). Without the file: the roadmap's rule
// (at least 100 graded requests in 24 h, more than 30 % failing), every mutation component a
// loaded plugin provides, and the experiment defaults below.
#pragma once

#include "config/component_entries.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tinyllm::config {

using StrategyConfig = ComponentEntry;

struct ExpansionTrigger {
    int64_t window_ms = 24LL * 3600 * 1000;  // graded requests counted over this window
    int64_t min_requests = 100;              // graded requests of the node in the window
    double max_failure_rate = 0.30;          // above it, the node is over its threshold
    int64_t cooldown_ms = 6LL * 3600 * 1000; // after an experiment on a node ends
    int64_t max_concurrent = 2;              // experiments in progress at once, all graphs
    int64_t min_label_requests = 30; // per dataset label, the same rate (0: node-level only)
};

struct ExperimentSettings {
    std::string judge;                // "" = judges.yaml's default_judge
    int64_t failing_examples = 50;    // recent failing inputs replayed on the candidate
    int64_t regression_examples = 50; // recent successes: it must not be worse on them
    double alpha = 0.05;              // of the sequential test (promote or reject)
    int64_t min_pairs = 30;
    int64_t max_pairs = 400;
    int64_t watch_outcomes = 200; // graded outcomes of a promoted version's node watched
    double watch_margin = 0.05;   // a drop of its pass rate within it does not roll back
    int64_t concurrency = 4;      // replayed runs in flight
    // 0: decided on replays of recorded requests; above 0 (at most 0.5): on live graded
    // traffic, this share of it running the candidate.
    double live_share = 0;
};

// What `tinyllm expansion prune` proposes to remove.
struct PruneSettings {
    int64_t window_ms = 168LL * 3600 * 1000; // runs of the active version counted over it
    int64_t min_runs = 100;                  // before anything counts as unused
    double min_share = 0.02;                 // of a router's runs, for one of its route targets
};

struct ExpansionConfig {
    std::filesystem::path source; // empty when there is no expansion.yaml
    ExpansionTrigger trigger;
    ExperimentSettings experiment;
    PruneSettings prune;
    // Empty: every mutation component under its own name.
    std::vector<StrategyConfig> strategies;
};

std::string_view expansion_schema_text();

// Load and validate `path`; Error(config) naming file:line:column. A missing file is the
// defaults.
ExpansionConfig load_expansion_config(const std::filesystem::path &path);

} // namespace tinyllm::config
