#include "runtime/tool_set.hpp"

#include "config/suggest.hpp"
#include "runtime/component_config.hpp"

#include <algorithm>

namespace tinyllm::runtime {

namespace {

std::vector<std::string> names_of(const std::vector<ToolSet::Entry> &entries) {
    std::vector<std::string> names;
    for (const auto &e : entries)
        names.push_back(e.name);
    return names;
}

} // namespace

ToolSet::ToolSet(const config::ToolsConfig &config, const plugin::Registry &registry,
                 HostServices *services)
    : services_(services) {
    for (const config::ToolConfig &tc : config.tools) {
        if (!tc.enabled) continue;
        Entry entry{tc.name, registry.find(TLLM_KIND_TOOL, tc.type), &tc, std::nullopt};
        if (entry.ref.component == nullptr) {
            entry.problem =
                Error(ErrorCode::plugin,
                      tc.location.to_string() + ": tool " + tc.name +
                          ": no loaded plugin provides tool type \"" + tc.type + "\"" +
                          config::did_you_mean(tc.type, registry.names_of_kind(TLLM_KIND_TOOL),
                                               "available", "available: none"));
        }
        entries_.push_back(std::move(entry));
    }
    // A component is available under its own name unless tools.yaml uses that name (for the
    // component itself, for another one, or to disable it).
    for (const plugin::ComponentRef &ref : registry.of_kind(TLLM_KIND_TOOL)) {
        if (config.find(ref.component->name) != nullptr) continue;
        entries_.push_back(Entry{ref.component->name, ref, nullptr, std::nullopt});
    }
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry &a, const Entry &b) { return a.name < b.name; });
}

ToolSet::~ToolSet() = default;

const ToolSet::Entry *ToolSet::find(std::string_view name) const {
    for (const Entry &e : entries_) {
        if (e.name == name) return &e;
    }
    return nullptr;
}

std::string ToolSet::description_of(const Entry &entry) {
    if (entry.config != nullptr && entry.config->description) return *entry.config->description;
    if (entry.ref.component != nullptr && entry.ref.component->description != nullptr) {
        return entry.ref.component->description;
    }
    return {};
}

const ToolSet::Entry &ToolSet::entry_or_throw(const std::string &name) const {
    const Entry *entry = find(name);
    if (entry == nullptr) {
        throw Error(ErrorCode::not_found,
                    "no tool named \"" + name + "\"" +
                        config::did_you_mean(name, names_of(entries_), "tools",
                                             "no tool plugins are loaded"));
    }
    if (entry->problem) throw *entry->problem;
    return *entry;
}

void ToolSet::prepare(const std::string &name) {
    const Entry &entry = entry_or_throw(name);
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (created_.count(name) != 0) return;
        if (auto it = failed_.find(name); it != failed_.end()) throw it->second;
    }
    // Created and activated without the lock: activate may use the tools service, which looks
    // tools up (get). Only the loading thread prepares, so no two prepares race.
    try {
        static const json::Value empty_object(rapidjson::kObjectType);
        const json::Value &given = entry.config != nullptr ? *entry.config->config : empty_object;
        const config::Located where =
            entry.config != nullptr ? entry.config->config_source : config::Located{};
        const ComponentConfig cfg =
            make_component_config(*entry.ref.component, given, where, "tool " + name);
        auto tool = create_with_config(cfg, where, [&](const std::string &json) {
            return std::make_unique<Tool>(name, entry.ref, json, services_,
                                          entry.config != nullptr ? entry.config->description
                                                                  : std::nullopt);
        });
        CallContext activation(
            CancelToken(), services_ != nullptr ? services_->activation_deadline() : std::nullopt,
            {});
        tool->activate(activation);
        const std::lock_guard<std::mutex> lock(mutex_);
        created_.emplace(name, std::move(tool));
    } catch (const Error &e) {
        const std::lock_guard<std::mutex> lock(mutex_);
        failed_.emplace(name, e);
        throw;
    }
}

void ToolSet::prepare_all() {
    for (const Entry &entry : entries_) {
        try {
            prepare(entry.name);
        } catch (const Error &) {
            // remembered by prepare; the run fails only if it calls this tool
        }
    }
}

Tool &ToolSet::get(const std::string &name) {
    entry_or_throw(name);
    const std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = created_.find(name); it != created_.end()) return *it->second;
    if (auto it = failed_.find(name); it != failed_.end()) throw it->second;
    throw Error(ErrorCode::internal, "tool " + name +
                                         " was not created before it was called (a bug in "
                                         "TinyLLM: tools are created when a graph is built)");
}

} // namespace tinyllm::runtime
