// A plugin library that loaded, passed the ABI check and initialised.
#pragma once

#include <tinyllm/plugin.h>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::plugin {

// Why a candidate file was not loaded. Each has its own wording so a user knows what to fix.
enum class FailureKind {
    not_a_plugin,       // not a shared library, or no tinyllm_plugin_entry symbol
    abi_mismatch,       // built against an incompatible SDK
    missing_dependency, // the dynamic loader could not resolve a library or symbol
    invalid_descriptor, // the descriptor breaks the contract (null id, bad component...)
    init_failed,        // the plugin's init() refused
    duplicate,          // the same plugin id or component name was already loaded
    crashed,            // loading it killed the plugin scanner (a signal, an exit)
    hung,               // loading it did not finish within the scanner's deadline
    unsupported_kind,   // a component of a kind this host does not define (not created)
};

std::string_view to_string(FailureKind kind) noexcept;
// The kind to_string names, or nullopt (a cache written by another version).
std::optional<FailureKind> parse_failure_kind(std::string_view text) noexcept;

struct LoadFailure {
    std::filesystem::path path;
    FailureKind kind;
    std::string message; // one line, names the cause
};

// "<kind>: <message>", or "ABI mismatch (plugin x.y, host a.b): ..." — one line for users.
std::string describe(const LoadFailure &failure);

struct LoadedPlugin {
    std::filesystem::path path;
    // Owns the mapping; everything the descriptor points to lives as long as this object.
    boost::dll::shared_library library;
    const tllm_plugin_descriptor *descriptor = nullptr;
    // The components that passed validation (a bad component is skipped, not the plugin).
    std::vector<const tllm_component *> components;
    // Set when the plugin runs in a process of its own (isolation/): owns that process and the
    // descriptor and components, which are the host's proxies of the plugin's; `library` is
    // then not loaded.
    std::shared_ptr<void> isolated;

    LoadedPlugin() = default;
    LoadedPlugin(const LoadedPlugin &) = delete;
    LoadedPlugin &operator=(const LoadedPlugin &) = delete;
    ~LoadedPlugin();
};

} // namespace tinyllm::plugin
