// The mapping between GradeRecord / EvaluationRecord (grades.hpp) and the rows of the grades
// and evaluations tables. As in trace_rows.hpp, no locking or transactions here, and no
// validation beyond what the schema enforces: RunStore checks its callers' input first.
#pragma once

#include "store/grades.hpp"
#include "store/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::store::grade_rows {

// Returns the new grade's id.
int64_t insert_grade(sqlite::Database &db, const GradeRecord &grade);
std::vector<GradeRecord> grades_of_run(sqlite::Database &db, std::string_view run_id);
// By example index (then id): the dataset's order.
std::vector<GradeRecord> grades_of_evaluation(sqlite::Database &db, std::string_view evaluation_id);

bool evaluation_exists(sqlite::Database &db, std::string_view id);
void insert_evaluation(sqlite::Database &db, const EvaluationRecord &evaluation);
// Returns whether the evaluation exists.
bool finish_evaluation(sqlite::Database &db, std::string_view id, EvaluationStatus status,
                       int64_t finished_at_ms);
std::optional<EvaluationRecord> select_evaluation(sqlite::Database &db, std::string_view id);
// Up to `limit` evaluation ids starting with `prefix`, in order.
std::vector<std::string> evaluation_ids_with_prefix(sqlite::Database &db, std::string_view prefix,
                                                    size_t limit);
// Newest first (by started_at_ms, then id); limit 0 = all.
std::vector<EvaluationRecord> list_evaluations(sqlite::Database &db, size_t limit);

} // namespace tinyllm::store::grade_rows
