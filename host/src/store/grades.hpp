// What the run store keeps about grading: a judge's verdict on a run's answer or one node's
// output (GradeRecord, table grades), and evaluations, the runs of a labelled dataset through a
// graph that the grades of its examples belong to (EvaluationRecord, table evaluations).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::store {

struct GradeRecord {
    int64_t id = 0;     // assigned by record_grade; ignored there
    std::string run_id; // "" for a grade of a text that no recorded run produced
    // The node whose output was graded (for the run's answer: the node that wrote it), or "".
    // A grade of a run counts in the metrics of the whole run and of this node.
    std::string node_id;
    std::string evaluation_id;            // "" when not part of an evaluation
    std::optional<int64_t> example_index; // the example's 0-based line in the dataset
    std::string example_id;               // the example's own id, if it has one
    std::string judge;                    // the judge's name (judges.yaml)
    std::optional<double> score;          // 0..1; absent when the judge gives none or failed
    std::optional<bool> pass;
    std::string error;   // the judge failed (one line): then no score, and never a pass
    std::string reasons; // a JSON array; "" = []
    std::string labels;  // a JSON object; "" = {}
    std::optional<std::string> expected; // the reference answer the judge was given
    // The grade request's context (a JSON object; "" = {}): with the run's input and
    // `expected`, what it takes to grade a replay of the run the same way.
    std::string context;
    int64_t created_at_ms = 0; // 0 = now (set by record_grade)
};

enum class EvaluationStatus { running, complete, incomplete };
std::string_view to_string(EvaluationStatus status) noexcept;
std::optional<EvaluationStatus> parse_evaluation_status(std::string_view text) noexcept;

struct EvaluationRecord {
    std::string id;
    std::string dataset;        // the dataset file as given
    std::string dataset_sha256; // of its bytes: two evaluations compare only on the same data
    std::string graph_id;
    std::string graph_version;
    std::string judge;
    int64_t started_at_ms = 0;
    int64_t finished_at_ms = 0; // 0 while running
    EvaluationStatus status = EvaluationStatus::running;
    int64_t example_count = 0;
    std::string settings; // a JSON object (concurrency, timeouts...); "" = {}
};

} // namespace tinyllm::store
