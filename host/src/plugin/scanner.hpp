// Discovery and init of plugins in a short-lived child process, in the spirit of GStreamer's
// plugin scanner: a plugin that crashes or hangs while loading takes down the scanner, not the
// command, and is reported ("crashed while loading: SIGSEGV") and skipped. What a scan found is
// cached in the data dir, keyed by the file (path, size, mtime) and the host (ABI, version), so
// each plugin file is scanned once, not at every command.
#pragma once

#include "plugin/loaded_plugin.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace tinyllm::plugin {

// <prefix>/libexec/tinyllm/tinyllm-plugin-host, next to the running executable's prefix.
std::filesystem::path default_plugin_host();

// What scanning a file found: it loads (or refuses cleanly, with its LoadFailure), or it crashed
// or hung.
struct ScanOutcome {
    std::optional<LoadFailure> failure = std::nullopt; // nullopt: the plugin loads and initialises
    std::string id = {}; // the plugin's id when it loads ("" when not known)
};

class Scanner {
public:
    struct Options {
        std::filesystem::path plugin_host = default_plugin_host();
        std::filesystem::path cache_file; // empty: no cache, every file is scanned
        std::chrono::milliseconds timeout{10000};
    };
    explicit Scanner(Options options);
    ~Scanner(); // saves the cache when a scan added to it
    Scanner(const Scanner &) = delete;
    Scanner &operator=(const Scanner &) = delete;

    // The outcome for `plugin` (a canonical path), from the cache or from a new scan. When the
    // scanner program is missing, every plugin is reported as loading (the caller then loads it
    // in its own process, as before scanning existed) and a debug line says so.
    ScanOutcome scan(const std::filesystem::path &plugin);

private:
    struct Entry {
        uintmax_t size = 0;
        int64_t mtime_ns = 0;
        ScanOutcome outcome;
    };
    ScanOutcome scan_in_child(const std::filesystem::path &plugin) const;
    void load_cache();
    void save_cache() const;

    Options options_;
    std::map<std::string, Entry> cache_; // by path
    bool dirty_ = false;
};

// The child's side (`tinyllm-plugin-host scan FILE`): loads the file as the host would and
// writes the outcome as one JSON line to stdout. Returns the process's exit code.
int scan_main(const std::filesystem::path &plugin);

} // namespace tinyllm::plugin
