#include "store/grades.hpp"

#include <array>
#include <utility>

namespace tinyllm::store {
namespace {

// The names are stored (evaluations.status, whose CHECK constraint lists them): never rename.
constexpr std::array<std::pair<std::string_view, EvaluationStatus>, 3> kStatuses = {{
    {"running", EvaluationStatus::running},
    {"complete", EvaluationStatus::complete},
    {"incomplete", EvaluationStatus::incomplete},
}};

} // namespace

std::string_view to_string(EvaluationStatus status) noexcept {
    for (const auto &[name, value] : kStatuses) {
        if (value == status) return name;
    }
    return "unknown";
}

std::optional<EvaluationStatus> parse_evaluation_status(std::string_view text) noexcept {
    for (const auto &[name, value] : kStatuses) {
        if (name == text) return value;
    }
    return std::nullopt;
}

} // namespace tinyllm::store
