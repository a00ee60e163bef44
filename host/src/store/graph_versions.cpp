#include "store/graph_versions.hpp"

#include <algorithm>
#include <charconv>

namespace tinyllm::store {

std::string_view to_string(VersionOrigin origin) noexcept {
    switch (origin) {
    case VersionOrigin::file: return "file";
    case VersionOrigin::mutation: return "mutation";
    case VersionOrigin::ablation: return "ablation";
    }
    return "file";
}

std::optional<VersionOrigin> parse_version_origin(std::string_view text) noexcept {
    if (text == "file") return VersionOrigin::file;
    if (text == "mutation") return VersionOrigin::mutation;
    if (text == "ablation") return VersionOrigin::ablation;
    return std::nullopt;
}

std::string_view to_string(GraphEventKind kind) noexcept {
    switch (kind) {
    case GraphEventKind::file: return "file";
    case GraphEventKind::promotion: return "promotion";
    case GraphEventKind::rollback: return "rollback";
    case GraphEventKind::auto_rollback: return "auto_rollback";
    }
    return "file";
}

namespace {

bool is_taken(const std::vector<std::string> &taken, std::string_view label) {
    return std::find(taken.begin(), taken.end(), label) != taken.end();
}

// MAJOR and MINOR of "MAJOR.MINOR.PATCH[-pre][+build]"; {0, 0} for what does not parse.
std::pair<uint64_t, uint64_t> major_minor(std::string_view version) {
    uint64_t major = 0;
    uint64_t minor = 0;
    const char *end = version.data() + version.size();
    auto [p, ec] = std::from_chars(version.data(), end, major);
    if (ec != std::errc() || p == end || *p != '.') return {0, 0};
    auto [q, ec2] = std::from_chars(p + 1, end, minor);
    if (ec2 != std::errc()) return {major, 0};
    (void)q;
    return {major, minor};
}

} // namespace

std::string file_version_label(std::string_view declared, std::string_view hash,
                               const std::vector<std::string> &taken) {
    if (!is_taken(taken, declared)) return std::string(declared);
    // Build metadata: the declared version stays readable, the content tells the two apart.
    std::string base(declared.substr(0, declared.find('+')));
    return base + "+" + std::string(hash.substr(0, 8));
}

std::string next_minor_label(std::string_view parent, const std::vector<std::string> &taken) {
    const auto [major, minor] = major_minor(parent);
    uint64_t next = minor + 1;
    for (const std::string &label : taken) {
        const auto [m, n] = major_minor(label);
        if (m == major && n >= next) next = n + 1;
    }
    return std::to_string(major) + "." + std::to_string(next) + ".0";
}

} // namespace tinyllm::store
