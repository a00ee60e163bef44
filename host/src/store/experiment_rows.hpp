// The rows of experiments, experiment_outcomes and expansion_events (experiments.hpp). No locking
// or transactions here; RunStore wraps each use in one transaction.
#pragma once

#include "store/experiments.hpp"
#include "store/sqlite.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace tinyllm::store::experiment_rows {

// A second experiment in progress on the same node violates experiments_one_per_node.
void insert_experiment(sqlite::Database &db, const ExperimentRecord &experiment);
std::optional<ExperimentRecord> select_experiment(sqlite::Database &db, std::string_view id);
// Returns whether the experiment exists.
bool update_experiment(sqlite::Database &db, const ExperimentRecord &experiment);
// Newest first; limit 0 = all. `graph_id` "" = every graph.
std::vector<ExperimentRecord> select_experiments(sqlite::Database &db, std::string_view graph_id,
                                                 size_t limit);
std::vector<ExperimentRecord> select_in_progress(sqlite::Database &db);

// Assigns the next seq of its phase and arm; returns it.
int64_t insert_outcome(sqlite::Database &db, const ExperimentOutcome &outcome);
// Of one phase, by arm then seq.
std::vector<ExperimentOutcome> select_outcomes(sqlite::Database &db, std::string_view experiment_id,
                                               ExperimentPhase phase);

int64_t insert_event(sqlite::Database &db, const ExpansionEvent &event);
// Newest first; `graph_id` "" = every graph; limit 0 = all.
std::vector<ExpansionEvent> select_events(sqlite::Database &db, std::string_view graph_id,
                                          size_t limit);

} // namespace tinyllm::store::experiment_rows
