// The tools available to models and to `tinyllm tool`: every tool component the loaded plugins
// provide, under its own name with default settings, plus what tools.yaml adds, renames,
// configures or disables. Instances are created and activated on the loading thread before any
// run starts (prepare, prepare_all), never on a run's thread, and then shared by every caller.
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

    // Creates and activates the tool unless that was done (or failed) before; throws what get
    // would. [load-thread]
    void prepare(const std::string &name);
    // Prepares every enabled tool; a tool that cannot be created or activated is remembered
    // with its error, not thrown: only a call to it fails. [load-thread]
    void prepare_all();

    // A prepared tool. Throws Error: not_found (with a suggestion) for a name that is not a
    // tool, the recorded problem, the creation or activation error (remembered, so a broken
    // tool fails the same way every time), or internal for a tool nobody prepared. [any-thread]
    Tool &get(const std::string &name);

    // The description a tool has without creating it (tools.yaml's or the plugin's).
    static std::string description_of(const Entry &entry);

private:
    const Entry &entry_or_throw(const std::string &name) const;

    std::vector<Entry> entries_;
    HostServices *services_;
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Tool>, std::less<>> created_;
    std::map<std::string, Error, std::less<>> failed_;
};

} // namespace tinyllm::runtime
