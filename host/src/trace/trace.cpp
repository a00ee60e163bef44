#include "trace/trace.hpp"

#include <array>
#include <utility>

namespace tinyllm::trace {
namespace {

constexpr std::array<std::pair<std::string_view, NodeStatus>, 4> kNodeStatuses = {{
    {"succeeded", NodeStatus::succeeded},
    {"failed", NodeStatus::failed},
    {"cancelled", NodeStatus::cancelled},
    {"timed_out", NodeStatus::timed_out},
}};
constexpr std::array<std::pair<std::string_view, RunStatus>, 4> kRunStatuses = {{
    {"running", RunStatus::running},
    {"succeeded", RunStatus::succeeded},
    {"failed", RunStatus::failed},
    {"cancelled", RunStatus::cancelled},
}};

template <class Table, class E> std::string_view name_of(const Table &table, E value) {
    for (const auto &[name, v] : table) {
        if (v == value) return name;
    }
    return "unknown";
}

template <class E, class Table> std::optional<E> parse(const Table &table, std::string_view text) {
    for (const auto &[name, v] : table) {
        if (name == text) return v;
    }
    return std::nullopt;
}

} // namespace

std::string_view to_string(NodeStatus status) noexcept {
    return name_of(kNodeStatuses, status);
}
std::string_view to_string(RunStatus status) noexcept {
    return name_of(kRunStatuses, status);
}
std::optional<NodeStatus> parse_node_status(std::string_view text) noexcept {
    return parse<NodeStatus>(kNodeStatuses, text);
}
std::optional<RunStatus> parse_run_status(std::string_view text) noexcept {
    return parse<RunStatus>(kRunStatuses, text);
}

} // namespace tinyllm::trace
