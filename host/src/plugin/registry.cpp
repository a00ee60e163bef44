#include "plugin/registry.hpp"

#include "plugin/loader.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace tinyllm::plugin {

void Registry::load(const std::vector<SearchPath> &paths) {
    for (const auto &file : candidate_files(paths, path_problems_))
        load_file(file);
    if (!log_failures_) return;
    for (const auto &problem : path_problems_)
        spdlog::warn("plugin path {}", problem);
}

void Registry::load_file(const std::filesystem::path &path) {
    std::vector<LoadFailure> component_failures;
    LoadResult result;
    std::string id;
    if (scanner_ != nullptr) {
        ScanOutcome scanned = scanner_->scan(path);
        if (scanned.failure) result = std::move(*scanned.failure);
        id = std::move(scanned.id);
    }
    if (!std::holds_alternative<LoadFailure>(result)) {
        result = isolation_.isolated && isolation_.isolated(path, id)
                     ? isolation_.load(path)
                     : load_plugin(path, component_failures);
    }
    if (auto *failure = std::get_if<LoadFailure>(&result)) {
        if (log_failures_) {
            spdlog::warn("skipping plugin {}: {}", path.string(), describe(*failure));
        }
        failures_.push_back(std::move(*failure));
        return;
    }
    auto plugin = std::move(std::get<std::unique_ptr<LoadedPlugin>>(result));
    for (const auto &existing : plugins_) {
        if (std::strcmp(existing->descriptor->id, plugin->descriptor->id) == 0) {
            failures_.push_back({path, FailureKind::duplicate,
                                 std::string("plugin id ") + plugin->descriptor->id +
                                     " is already loaded from " + existing->path.string()});
            if (log_failures_) {
                spdlog::warn("skipping plugin {}: {}", path.string(), failures_.back().message);
            }
            return;
        }
    }
    // A component name must be unique within its kind; the first one loaded wins.
    std::erase_if(plugin->components, [&](const tllm_component *c) {
        const ComponentRef other = find(c->kind, c->name);
        if (other.component == nullptr) return false;
        component_failures.push_back({path, FailureKind::duplicate,
                                      std::string("component ") + c->kind + " " + c->name +
                                          " is already provided by " +
                                          other.plugin->path.string()});
        return true;
    });
    for (auto &f : component_failures) {
        if (log_failures_) spdlog::warn("plugin {}: {}", path.string(), f.message);
        failures_.push_back(std::move(f));
    }
    spdlog::debug("loaded plugin {} {} from {}", plugin->descriptor->id,
                  plugin->descriptor->version, path.string());
    plugins_.push_back(std::move(plugin));
}

ComponentRef Registry::find(std::string_view kind, std::string_view name) const {
    for (const auto &p : plugins_) {
        for (const tllm_component *c : p->components) {
            if (kind == c->kind && name == c->name) return {c, p.get()};
        }
    }
    return {};
}

std::vector<ComponentRef> Registry::of_kind(std::string_view kind) const {
    std::vector<ComponentRef> out;
    for (const auto &p : plugins_) {
        for (const tllm_component *c : p->components) {
            if (kind == c->kind) out.push_back({c, p.get()});
        }
    }
    return out;
}

std::vector<std::string> Registry::names_of_kind(std::string_view kind) const {
    std::vector<std::string> names;
    for (const ComponentRef &ref : of_kind(kind))
        names.emplace_back(ref.component->name);
    return names;
}

const LoadedPlugin *Registry::find_plugin(std::string_view key) const {
    for (const auto &p : plugins_) {
        const std::string file = p->path.filename().string();
        if (key == p->descriptor->id || key == file || key == p->path.stem().string() ||
            key == p->path.string()) {
            return p.get();
        }
    }
    return nullptr;
}

} // namespace tinyllm::plugin
