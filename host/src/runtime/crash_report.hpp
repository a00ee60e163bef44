// What a fatal signal says when a plugin running in the host's own process crashes: one line
// naming the plugin, the component and the instance (the graph node) that were running on the
// crashing thread, written with async-signal-safe calls only, before the process dies of the
// signal as it would have anyway. When a run is in progress the same line is left in
// <data_dir>/crashes/<run id>, so the next start records that run as crashed, not merely
// interrupted (RunStore::open).
#pragma once

#include <filesystem>
#include <string>

namespace tinyllm::runtime {

// Who is running on this thread right now: set around every call into a plugin
// (ComponentInstance). The strings must outlive the call (they belong to the instance and to
// the plugin's static data).
struct CallSite {
    const char *plugin = "";    // the plugin's id
    const char *component = ""; // the component's name
    const char *instance = "";  // "node answer", "backend local", "tool calculator"
};

// Marks the current thread as inside `site` doing `what` ("process", "create") for its
// lifetime; nests (a node calling a backend through the host). [any-thread]
class ActiveCall {
public:
    ActiveCall(const CallSite &site, const char *what) noexcept;
    ~ActiveCall();
    ActiveCall(const ActiveCall &) = delete;
    ActiveCall &operator=(const ActiveCall &) = delete;

    const CallSite &site() const noexcept { return site_; }
    const char *what() const noexcept { return what_; }
    const ActiveCall *outer() const noexcept { return outer_; }

private:
    const CallSite &site_;
    const char *what_;
    const ActiveCall *outer_;
};

// Installs the handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT. Call once, early, from
// the main thread. [main thread]
void install_crash_handler();

// Where the handler leaves its line while `run_id` runs (nothing is left when `crash_dir` is
// empty); the directory is created now, not in the handler. [the command's thread]
void set_crash_record(const std::filesystem::path &crash_dir, const std::string &run_id);

// Writes the handler's line for `signal`, given the innermost call active on the crashing thread
// (null: none), into `buf` (NUL-terminated, truncated to fit); returns its length. Async-signal-
// safe: the handler's own formatter, exposed for tests.
size_t format_crash_line(char *buf, size_t size, int signal, const ActiveCall *innermost) noexcept;

// The innermost call active on this thread, or null.
const ActiveCall *current_call() noexcept;

} // namespace tinyllm::runtime
