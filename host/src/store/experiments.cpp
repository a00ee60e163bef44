#include "store/experiments.hpp"

#include <array>
#include <utility>

namespace tinyllm::store {

namespace {

template <class Enum, size_t N>
std::optional<Enum> parse_name(const std::array<std::pair<Enum, std::string_view>, N> &names,
                               std::string_view text) {
    for (const auto &[value, name] : names)
        if (name == text) return value;
    return std::nullopt;
}

template <class Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N> &names,
                         Enum value) {
    for (const auto &[v, name] : names)
        if (v == value) return name;
    return names[0].second;
}

constexpr std::array<std::pair<ExperimentStatus, std::string_view>, 6> kStatuses{{
    {ExperimentStatus::offline, "offline"},
    {ExperimentStatus::live, "live"},
    {ExperimentStatus::paused, "paused"},
    {ExperimentStatus::promoted, "promoted"},
    {ExperimentStatus::rejected, "rejected"},
    {ExperimentStatus::cancelled, "cancelled"},
}};

constexpr std::array<std::pair<ExperimentPhase, std::string_view>, 3> kPhases{{
    {ExperimentPhase::failing, "failing"},
    {ExperimentPhase::regression, "regression"},
    {ExperimentPhase::live, "live"},
}};

constexpr std::array<std::pair<ExpansionEventKind, std::string_view>, 6> kEventKinds{{
    {ExpansionEventKind::pending, "pending"},
    {ExpansionEventKind::invalid_candidate, "invalid_candidate"},
    {ExpansionEventKind::mutation_failed, "mutation_failed"},
    {ExpansionEventKind::no_candidate, "no_candidate"},
    {ExpansionEventKind::started, "started"},
    {ExpansionEventKind::pruned, "pruned"},
}};

} // namespace

std::string_view to_string(ExperimentStatus status) noexcept {
    return name_of(kStatuses, status);
}
std::optional<ExperimentStatus> parse_experiment_status(std::string_view text) noexcept {
    return parse_name(kStatuses, text);
}
bool in_progress(ExperimentStatus status) noexcept {
    return status == ExperimentStatus::offline || status == ExperimentStatus::live ||
           status == ExperimentStatus::paused;
}

std::string_view to_string(ExperimentPhase phase) noexcept {
    return name_of(kPhases, phase);
}
std::optional<ExperimentPhase> parse_experiment_phase(std::string_view text) noexcept {
    return parse_name(kPhases, text);
}

std::string_view to_string(ExpansionEventKind kind) noexcept {
    return name_of(kEventKinds, kind);
}
std::optional<ExpansionEventKind> parse_expansion_event_kind(std::string_view text) noexcept {
    return parse_name(kEventKinds, text);
}

} // namespace tinyllm::store
