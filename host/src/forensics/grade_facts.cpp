#include "forensics/grade_facts.hpp"

#include "tinyllm/json.hpp"

#include <cstdio>

namespace tinyllm::forensics {

bool low_grade(const store::GradeRecord &grade, const std::optional<double> &min_score) {
    if (!grade.error.empty()) return false;
    if (grade.pass && !*grade.pass) return true;
    return min_score && grade.score && *grade.score < *min_score;
}

std::optional<std::string> label(const store::GradeRecord &grade, std::string_view name) {
    if (grade.labels.empty()) return std::nullopt;
    json::Document doc;
    if (!json::parse_into(doc, grade.labels) || !doc.IsObject()) return std::nullopt;
    return json::get_string(doc, name);
}

std::string grade_text(const store::GradeRecord &grade) {
    std::string text = grade.judge;
    if (grade.score) {
        char score[32];
        std::snprintf(score, sizeof score, " (score %.2f)", *grade.score);
        text += score;
    }
    std::string reasons;
    json::Document doc;
    if (json::parse_into(doc, grade.reasons) && doc.IsArray()) {
        for (const json::Value &r : doc.GetArray()) {
            if (r.IsString()) reasons += (reasons.empty() ? "" : "; ") + std::string(r.GetString());
        }
    }
    return reasons.empty() ? text : text + ": " + reasons;
}

} // namespace tinyllm::forensics
