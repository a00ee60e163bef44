#include "forensics/finding.hpp"

#include <array>
#include <utility>

namespace tinyllm::forensics {
namespace {

struct Names {
    Category category;
    std::string_view id;
    std::string_view text;
};

// The ids are part of the JSON report: never rename.
constexpr std::array<Names, 10> kNames = {{
    {Category::backend_unavailable, "backend_unavailable", "backend unavailable"},
    {Category::timeout, "timeout", "timeout"},
    {Category::tool_error, "tool_error", "tool error"},
    {Category::wrong_route, "wrong_route", "wrong route"},
    {Category::tool_loop, "tool_loop", "tool-call loop bound"},
    {Category::format, "format", "format/schema violation"},
    {Category::empty_answer, "empty_answer", "refusal or empty answer"},
    {Category::gate_rule, "gate_rule", "gate rule"},
    {Category::judge_verdict, "judge_verdict", "judge verdict"},
    {Category::uncategorised, "uncategorised", "uncategorised"},
}};

const Names &names_of(Category category) noexcept {
    for (const Names &n : kNames) {
        if (n.category == category) return n;
    }
    return kNames.back();
}

} // namespace

std::string_view to_string(Category category) noexcept {
    return names_of(category).id;
}

std::string_view describe(Category category) noexcept {
    return names_of(category).text;
}

} // namespace tinyllm::forensics
