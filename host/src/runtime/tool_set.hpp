// The tools available to models and to `tinyllm tool`: every tool component the loaded plugins
// provide, under its own name with default settings, plus what tools.yaml adds, renames,
// configures or disables. Instances are created on first use (a sandbox probe or a costly
// setup is paid only by the runs that need the tool) and then shared by every caller.
#pragma once

#include "config/tools_config.hpp"
#include "plugin/registry.hpp"
#include "runtime/tool.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::runtime {

class ToolSet {
public:
    struct Entry {
        std::string name;
        plugin::ComponentRef ref;                   // null component: `problem` says why
        const config::ToolConfig *config = nullptr; // null: the component's defaults
        std::optional<Error> problem;               // e.g. no plugin provides the type
    };

    ToolSet(const config::ToolsConfig &config, const plugin::Registry &registry,
            HostServices *services);
    ~ToolSet();

    // Every enabled tool, sorted by name, including those that cannot be created.
    const std::vector<Entry> &entries() const noexcept { return entries_; }
    const Entry *find(std::string_view name) const;

    // The tool, created on first use. Throws Error: not_found (with a suggestion) for a name
    // that is not a tool, the recorded problem, or the creation error (remembered, so a broken
    // tool fails the same way every time without retrying create).
    Tool &get(const std::string &name);

    // The description a tool has without creating it (tools.yaml's or the plugin's).
    static std::string description_of(const Entry &entry);

private:
    std::vector<Entry> entries_;
    HostServices *services_;
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Tool>, std::less<>> created_;
    std::map<std::string, Error, std::less<>> failed_;
};

} // namespace tinyllm::runtime
