// What the run store keeps about self-improvement experiments: a candidate graph version tested
// against the active one for one node (ExperimentRecord, table experiments), the graded answers
// of both arms (ExperimentOutcome, experiment_outcomes), and what the expansion machinery did
// that is not an experiment (ExpansionEvent, expansion_events: a node over its threshold, a
// rejected candidate, a mutation that failed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::store {

enum class ExperimentStatus { offline, live, paused, promoted, rejected, cancelled };
std::string_view to_string(ExperimentStatus status) noexcept;
std::optional<ExperimentStatus> parse_experiment_status(std::string_view text) noexcept;
// offline, live and paused: the experiment holds its node (one per node at a time).
bool in_progress(ExperimentStatus status) noexcept;

struct ExperimentRecord {
    std::string id; // x-...
    std::string graph_id;
    std::string node_id;
    std::string strategy;
    std::string base_version;
    std::string candidate_version;
    std::string trigger; // "threshold", "manual", "ablation"
    ExperimentStatus status = ExperimentStatus::offline;
    std::string judge;
    double share = 0; // of live traffic sent to the candidate
    int64_t started_at_ms = 0;
    std::optional<int64_t> decided_at_ms;
    std::string decision; // one line: why it ended, or why it is paused
    std::string evidence; // JSON object; "" = {}
    std::string settings; // JSON object; "" = {}
};

enum class ExperimentPhase { failing, regression, live };
std::string_view to_string(ExperimentPhase phase) noexcept;
std::optional<ExperimentPhase> parse_experiment_phase(std::string_view text) noexcept;

struct ExperimentOutcome {
    std::string experiment_id;
    ExperimentPhase phase = ExperimentPhase::live;
    bool candidate = false; // the arm: the candidate, or the base version
    int64_t seq = 0;        // assigned by record_outcome: order within phase and arm
    std::string input_hash;
    std::string run_id;
    std::optional<bool> pass; // none: no verdict (the judge failed), never counted
    std::optional<double> score;
    int64_t created_at_ms = 0; // 0 = now
};

enum class ExpansionEventKind {
    pending,           // a node crossed its trigger's threshold
    invalid_candidate, // a mutation's candidate failed the graph checks
    mutation_failed,   // a mutation's call failed (crash, error, invalid output)
    no_candidate,      // a mutation proposed nothing (with its reasons)
    started,           // an experiment started
    pruned,            // a node or version was retired by pruning
};
std::string_view to_string(ExpansionEventKind kind) noexcept;
std::optional<ExpansionEventKind> parse_expansion_event_kind(std::string_view text) noexcept;

struct ExpansionEvent {
    int64_t id = 0;
    std::string graph_id;
    std::string graph_version;
    std::string node_id;
    int64_t at_ms = 0; // 0 = now
    ExpansionEventKind kind = ExpansionEventKind::pending;
    std::string strategy;
    std::string detail;
    std::string experiment_id;
};

} // namespace tinyllm::store
