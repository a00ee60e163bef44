// The registry of loaded plugins and their components, like GStreamer's: filled once at start,
// then read-only (so any thread may look things up without locking).
#pragma once

#include "plugin/discovery.hpp"
#include "plugin/loaded_plugin.hpp"
#include "plugin/loader.hpp"
#include "plugin/scanner.hpp"

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace tinyllm::plugin {

struct ComponentRef {
    const tllm_component *component = nullptr;
    const LoadedPlugin *plugin = nullptr;
};

class Registry {
public:
    Registry() = default;
    Registry(const Registry &) = delete;
    Registry &operator=(const Registry &) = delete;

    // Load every candidate from the search paths. A file that fails is recorded and skipped;
    // the others load normally.
    void load(const std::vector<SearchPath> &paths);
    // Load one file (used by load() and by `plugins inspect FILE`).
    void load_file(const std::filesystem::path &path);

    // Scan each file in a child process first (see scanner.hpp) and load only those that
    // survive it. Without a scanner, files are loaded in this process directly: what the
    // scanner's child itself does, and what tests of the loader use.
    void set_scanner(Scanner *scanner) noexcept { scanner_ = scanner; }

    // Plugins that run in a process of their own (`isolation: process`): `isolated(path, id)`
    // says which (id is "" when the scanner did not report it), `load` loads one such file
    // without mapping it into this process. Unset: every plugin loads here.
    struct Isolation {
        std::function<bool(const std::filesystem::path &, std::string_view)> isolated;
        std::function<LoadResult(const std::filesystem::path &)> load;
    };
    void set_isolation(Isolation isolation) { isolation_ = std::move(isolation); }

    // When false, load failures are only recorded (for commands that print them themselves).
    void set_log_failures(bool on) noexcept { log_failures_ = on; }

    const std::vector<std::unique_ptr<LoadedPlugin>> &plugins() const { return plugins_; }
    const std::vector<LoadFailure> &failures() const { return failures_; }
    const std::vector<std::string> &path_problems() const { return path_problems_; }

    // A component by kind and name, or a null ref.
    ComponentRef find(std::string_view kind, std::string_view name) const;
    // Every component of a kind, in load order.
    std::vector<ComponentRef> of_kind(std::string_view kind) const;
    // Their names, for messages about a name that is not among them.
    std::vector<std::string> names_of_kind(std::string_view kind) const;
    // A plugin by id, by file name (with or without .so) or by path.
    const LoadedPlugin *find_plugin(std::string_view key) const;

private:
    std::vector<std::unique_ptr<LoadedPlugin>> plugins_;
    std::vector<LoadFailure> failures_;
    std::vector<std::string> path_problems_;
    bool log_failures_ = true;
    Scanner *scanner_ = nullptr;
    Isolation isolation_;
};

} // namespace tinyllm::plugin
