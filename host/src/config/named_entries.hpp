// Lists of named entries in config files (backends, models, tools): lookup by name, and the
// uniqueness check whose error names the second occurrence and the line of the first.
#pragma once

#include "config/config_file.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

template <typename Entry>
const Entry *find_named(const std::vector<Entry> &entries, std::string_view name) {
    for (const Entry &entry : entries) {
        if (entry.name == name) return &entry;
    }
    return nullptr;
}

// Throws Error(ErrorCode::config) at "/<list>/<i>/name" of the second entry with a name.
template <typename Entry>
void check_unique_names(const ConfigFile &file, const std::vector<Entry> &entries,
                        const std::string &list, const std::string &noun) {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto [first, inserted] = seen.emplace(entries[i].name, i);
        if (inserted) continue;
        throw Error(ErrorCode::config,
                    file.at().describe(
                        "/" + list + "/" + std::to_string(i) + "/name",
                        "duplicate " + noun + " name \"" + entries[i].name + "\" (first at line " +
                            std::to_string(entries[first->second].location.line) + ")"));
    }
}

} // namespace tinyllm::config
