// The host's side of `isolation: process`: a plugin's own process (tinyllm-plugin-host serve),
// started when the plugin is loaded, and the proxy components the host creates and calls as if
// they were the plugin's. A call goes over the socket and is answered by the plugin in its
// process, with events, service requests (chat, tools: served here, with the caller's call)
// and cancellation carried both ways.
//
// When the process dies (a crash, a kill), every call in flight fails naming the plugin, the
// signal and the node; the next call restarts the process (with a growing delay), creating
// and activating again the instances the host holds. After `max_crashes` crashes the plugin
// is disabled until the command is run again. A call whose caller asked it to stop (deadline,
// Ctrl-C) and that has not returned `stop_grace` later is ended by killing the process.
#pragma once

#include "plugin/loader.hpp"

#include <chrono>
#include <filesystem>
#include <string>

namespace tinyllm::isolation {

struct ProcessOptions {
    std::filesystem::path plugin_host; // tinyllm-plugin-host
    std::chrono::milliseconds start_timeout{10000};
    // Shorter than the run guard's kStopGrace, so the kill (and its message) comes first.
    std::chrono::milliseconds stop_grace{1000};
    int max_crashes = 3;
    std::string log_level = "warn"; // the child's spdlog level (its log lines go to stderr)
};

// Starts the plugin's process and builds the LoadedPlugin the registry holds: the plugin's
// descriptor as its process reported it, with proxy components. A process that fails to
// start, crashes or hangs while loading comes back as the LoadFailure a scan would give.
// [load-thread]
plugin::LoadResult load_isolated(const std::filesystem::path &plugin,
                                 const ProcessOptions &options);

} // namespace tinyllm::isolation
