// What forensics reads from a judge's grade (store/grades.hpp): whether it counts against the
// answer, its labels, and the line that shows it.
#pragma once

#include "store/grades.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::forensics {

// Whether the grade counts against the answer: pass false, or a score below `min_score` when
// one is given. A grade whose judge failed says nothing about the answer.
bool low_grade(const store::GradeRecord &grade, const std::optional<double> &min_score);

// The label `name` of the grade (its labels are a JSON object), when it is a string.
std::optional<std::string> label(const store::GradeRecord &grade, std::string_view name);

// "judge (score 0.20): reason; reason"
std::string grade_text(const store::GradeRecord &grade);

} // namespace tinyllm::forensics
