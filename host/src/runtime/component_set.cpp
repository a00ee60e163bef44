#include "runtime/component_set.hpp"

#include "runtime/judge.hpp"
#include "runtime/mutation.hpp"
#include "runtime/tool.hpp"

#include "config/named_entries.hpp"
#include "config/suggest.hpp"
#include "runtime/component_config.hpp"

#include <algorithm>

namespace tinyllm::runtime {

namespace {

template <class Entry> std::vector<std::string> names_of(const std::vector<Entry> &entries) {
    std::vector<std::string> names;
    for (const auto &e : entries)
        names.push_back(e.name);
    return names;
}

} // namespace

template <class Instance>
ComponentSet<Instance>::ComponentSet(const std::vector<config::ComponentEntry> &configured,
                                     const plugin::Registry &registry, HostServices *services)
    : services_(services) {
    const std::string noun = Instance::kNoun;
    for (const config::ComponentEntry &tc : configured) {
        if (!tc.enabled) continue;
        Entry entry{tc.name, registry.find(Instance::kKind, tc.type), &tc, std::nullopt};
        if (entry.ref.component == nullptr) {
            entry.problem =
                Error(ErrorCode::plugin,
                      tc.location.to_string() + ": " + noun + " " + tc.name +
                          ": no loaded plugin provides " + noun + " type \"" + tc.type + "\"" +
                          config::did_you_mean(tc.type, registry.names_of_kind(Instance::kKind),
                                               "available", "available: none"));
        }
        entries_.push_back(std::move(entry));
    }
    // A component is available under its own name unless the config file uses that name (for
    // the component itself, for another one, or to disable it).
    for (const plugin::ComponentRef &ref : registry.of_kind(Instance::kKind)) {
        if (config::find_named(configured, ref.component->name) != nullptr) continue;
        entries_.push_back(Entry{ref.component->name, ref, nullptr, std::nullopt});
    }
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry &a, const Entry &b) { return a.name < b.name; });
}

template <class Instance> ComponentSet<Instance>::~ComponentSet() = default;

template <class Instance>
const typename ComponentSet<Instance>::Entry *
ComponentSet<Instance>::find(std::string_view name) const {
    for (const Entry &e : entries_) {
        if (e.name == name) return &e;
    }
    return nullptr;
}

template <class Instance> std::string ComponentSet<Instance>::description_of(const Entry &entry) {
    if (entry.config != nullptr && entry.config->description) return *entry.config->description;
    if (entry.ref.component != nullptr && entry.ref.component->description != nullptr) {
        return entry.ref.component->description;
    }
    return {};
}

template <class Instance>
const typename ComponentSet<Instance>::Entry &
ComponentSet<Instance>::entry_or_throw(const std::string &name) const {
    const Entry *entry = find(name);
    if (entry == nullptr) {
        const std::string noun = Instance::kNoun;
        throw Error(ErrorCode::not_found,
                    "no " + noun + " named \"" + name + "\"" +
                        config::did_you_mean(name, names_of(entries_), noun + "s",
                                             "no " + noun + " plugins are loaded"));
    }
    if (entry->problem) throw *entry->problem;
    return *entry;
}

template <class Instance> config::Located ComponentSet<Instance>::location_of(const Entry &entry) {
    return entry.config != nullptr ? entry.config->config_source : config::Located{};
}

template <class Instance> ComponentConfig ComponentSet<Instance>::config_of(const Entry &entry) {
    static const json::Value empty_object(rapidjson::kObjectType);
    const json::Value &given = entry.config != nullptr ? *entry.config->config : empty_object;
    return make_component_config(*entry.ref.component, given, location_of(entry),
                                 std::string(Instance::kNoun) + " " + entry.name);
}

template <class Instance> void ComponentSet<Instance>::check_configuration(bool create) {
    for (const Entry &entry : entries_) {
        if (entry.config == nullptr) continue; // a plugin's defaults: nothing the user wrote
        if (entry.problem) throw *entry.problem;
        if (!create) {
            (void)config_of(entry);
            continue;
        }
        try {
            prepare(entry.name);
        } catch (const Error &e) {
            if (e.code() == ErrorCode::config || e.code() == ErrorCode::plugin) throw;
        }
    }
}

template <class Instance> void ComponentSet<Instance>::prepare(const std::string &name) {
    const Entry &entry = entry_or_throw(name);
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (created_.count(name) != 0) return;
        if (auto it = failed_.find(name); it != failed_.end()) throw it->second;
    }
    // Created and activated without the lock: activate may use a service that looks instances
    // up (get). Only the loading thread prepares, so no two prepares race.
    try {
        const config::Located where = location_of(entry);
        const ComponentConfig cfg = config_of(entry);
        auto instance = create_with_config(cfg, where, [&](const std::string &json) {
            return std::make_unique<Instance>(name, entry.ref, json, services_,
                                              entry.config != nullptr ? entry.config->description
                                                                      : std::nullopt);
        });
        CallContext activation(
            CancelToken(), services_ != nullptr ? services_->activation_deadline() : std::nullopt,
            {});
        instance->activate(activation);
        const std::lock_guard<std::mutex> lock(mutex_);
        created_.emplace(name, std::move(instance));
    } catch (const Error &e) {
        const std::lock_guard<std::mutex> lock(mutex_);
        failed_.emplace(name, e);
        throw;
    }
}

template <class Instance> void ComponentSet<Instance>::prepare_all() {
    for (const Entry &entry : entries_) {
        try {
            prepare(entry.name);
        } catch (const Error &) {
            // remembered by prepare; the run fails only if it calls this instance
        }
    }
}

template <class Instance> Instance &ComponentSet<Instance>::get(const std::string &name) {
    entry_or_throw(name);
    const std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = created_.find(name); it != created_.end()) return *it->second;
    if (auto it = failed_.find(name); it != failed_.end()) throw it->second;
    const std::string noun = Instance::kNoun;
    throw Error(ErrorCode::internal, noun + " " + name +
                                         " was not created before it was called (a bug in "
                                         "TinyLLM: " +
                                         noun + "s are created when a graph is built)");
}

template class ComponentSet<Tool>;
template class ComponentSet<Judge>;
template class ComponentSet<Mutation>;

} // namespace tinyllm::runtime
