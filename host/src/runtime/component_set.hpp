// The instances of one component kind that callers reach by name: every component of the kind
// the loaded plugins provide, under its own name with default settings, plus what the kind's
// config file (tools.yaml, judges.yaml, expansion.yaml) adds, renames, configures or disables.
// Instances are created and activated on the loading thread before any run starts (prepare,
// prepare_all), never on a run's thread, and then shared by every caller.
//
// `Instance` (runtime::Tool, runtime::Judge, runtime::Mutation) provides
//   static constexpr const char *kKind;   // TLLM_KIND_TOOL
//   static constexpr const char *kNoun;   // "tool", for messages
//   Instance(std::string name, plugin::ComponentRef, const std::string &config_json,
//            HostServices *, std::optional<std::string> description);
//   void activate(CallContext &);
#pragma once

#include "config/component_entries.hpp"
#include "plugin/registry.hpp"
#include "runtime/component_config.hpp"
#include "runtime/instance_host.hpp"
#include "tinyllm/error.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::runtime {

template <class Instance> class ComponentSet {
public:
    struct Entry {
        std::string name;
        plugin::ComponentRef ref;                       // null component: `problem` says why
        const config::ComponentEntry *config = nullptr; // null: the component's defaults
        std::optional<Error> problem;                   // e.g. no plugin provides the type
    };

    ComponentSet(const std::vector<config::ComponentEntry> &configured,
                 const plugin::Registry &registry, HostServices *services);
    ~ComponentSet();

    // Every enabled instance, sorted by name, including those that cannot be created.
    const std::vector<Entry> &entries() const noexcept { return entries_; }
    const Entry *find(std::string_view name) const;

    // Creates and activates the instance unless that was done (or failed) before; throws what
    // get would. [load-thread]
    void prepare(const std::string &name);
    // Prepares every enabled instance; one that cannot be created or activated is remembered
    // with its error, not thrown: only a call to it fails. [load-thread]
    void prepare_all();

    // Throws the first problem of a configured instance that a run would meet at its first use:
    // no plugin provides its type, or its config is rejected by its schema (and, with `create`,
    // by its plugin when prepared: errors of kind config or plugin; an activation that failed
    // for another reason, e.g. an unreachable server, is left for the call). [load-thread]
    void check_configuration(bool create);

    // A prepared instance. Throws Error: not_found (with a suggestion) for an unknown name, the
    // recorded problem, the creation or activation error (remembered, so a broken instance
    // fails the same way every time), or internal for one nobody prepared. [any-thread]
    Instance &get(const std::string &name);

    // The description an instance has without creating it (the config file's or the plugin's).
    static std::string description_of(const Entry &entry);

private:
    const Entry &entry_or_throw(const std::string &name) const;
    static config::Located location_of(const Entry &entry);
    // The config create() gets: the configured one (or {}) made by make_component_config.
    static ComponentConfig config_of(const Entry &entry);

    std::vector<Entry> entries_;
    HostServices *services_;
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Instance>, std::less<>> created_;
    std::map<std::string, Error, std::less<>> failed_;
};

} // namespace tinyllm::runtime
