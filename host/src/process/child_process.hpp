// Runs a helper program as a child process with a deadline, and tells how it ended: the one
// place the host starts processes of its own (the plugin scanner today; isolated plugins next).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace tinyllm::process {

struct ChildResult {
    int exit_code = -1;     // when it exited, else -1
    int signal = 0;         // the signal that ended it, else 0
    bool timed_out = false; // killed by us at the deadline, or after idle_timeout of silence
    std::string out;        // what it wrote to stdout, at most `max_output` bytes
    std::string err;        // the same for stderr
    bool exited_ok() const noexcept { return exit_code == 0 && signal == 0 && !timed_out; }
};

struct ChildOptions {
    std::vector<std::string> argv; // argv[0] is the program's path
    std::chrono::milliseconds timeout{10000};
    size_t max_output = 64 * 1024; // per stream; the rest is read and dropped
    // When set, the child is also killed after this long without writing to stdout: for helpers
    // that report progress as they go (the validator), so one stuck step is caught early.
    std::chrono::milliseconds idle_timeout{0};
};

// Starts the program (stdin /dev/null, stdout and stderr captured) and waits for it, killing it
// with SIGKILL at the deadline. Throws tinyllm::Error(io) when it cannot be started at all.
// [any-thread]
ChildResult run_child(const ChildOptions &options);

// "SIGSEGV" for SIGSEGV: the name users search for.
std::string signal_name(int signal);

} // namespace tinyllm::process
