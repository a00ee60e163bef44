// Runs the real tinyllm-host binary as a child process, the way a user's shell would: its own
// argv and environment, stdout and stderr captured separately, optional text on stdin.
//
// Everything here is bounded by a safety timeout: a hung host is killed and reported as a test
// failure instead of hanging the suite (ctest's own TIMEOUT would give no output at all).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace tinyllm::e2e {

using Env = std::map<std::string, std::string>;

// A hang, not a slow run: AddressSanitizer makes the host several times slower (a sim
// evaluation that takes 23 s in an optimised build passed 30 s under it), so it gets more; and
// an optimised `expansion prune` of 345 recorded requests took 44 s on 2 loaded cores (ctest -j3),
// so 30 s was too tight there too.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr std::chrono::seconds kSafetyTimeout{120};
#else
inline constexpr std::chrono::seconds kSafetyTimeout{90};
#endif

struct RunResult {
    int exit_code = -1;     // the exit status when the process exited, else -1
    int signal = 0;         // the signal that killed it, else 0
    bool timed_out = false; // killed by us after kSafetyTimeout
    std::string out;        // everything written to stdout
    std::string err;        // everything written to stderr
    long max_rss_kib = 0;   // the child's peak resident memory (wait4's ru_maxrss), once reaped
    std::chrono::milliseconds elapsed{0}; // from spawn to reaping

    // "exit 3" / "signal 11" / "killed after the safety timeout", plus both streams, for
    // assertion messages: a failing e2e test is only debuggable if it shows what the host said.
    std::string describe() const;
};

struct RunOptions {
    std::vector<std::string> args;         // argv[1..]
    Env env;                               // the child's whole environment
    std::optional<std::string> stdin_text; // nullopt: stdin is /dev/null
    std::string cwd;                       // "" = the test's own working directory
    // stdout is a pseudo-terminal of 80 columns and 24 rows (output processing off, so `out`
    // holds the bytes written, escape sequences included); stderr stays a pipe.
    bool stdout_terminal = false;
};

// A running host. Pipes are drained while the test waits, so the child never blocks on a full
// pipe, whichever stream it writes to.
class HostProcess {
public:
    HostProcess(const std::string &binary, RunOptions options);
    ~HostProcess(); // kills and reaps the child if the test did not wait for it
    HostProcess(const HostProcess &) = delete;
    HostProcess &operator=(const HostProcess &) = delete;

    pid_t pid() const noexcept { return pid_; }

    // Pumps the pipes until `condition()` holds (checked every few ms). False when the process
    // closed its output, or the safety timeout passed, first.
    bool wait_until(const std::function<bool()> &condition);
    // wait_until stdout contains `text`.
    bool wait_for_stdout(std::string_view text);

    void send_signal(int signal_number);

    // Pumps the pipes to EOF and reaps the child; kills it after the safety timeout.
    RunResult finish();

    const std::string &out_so_far() const noexcept { return result_.out; }
    const std::string &err_so_far() const noexcept { return result_.err; }

private:
    // One poll round of at most `max_wait`; false once both output pipes are at EOF.
    bool pump(std::chrono::milliseconds max_wait);
    void kill_and_reap();

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    int in_fd_ = -1;
    std::string stdin_text_;
    size_t stdin_written_ = 0;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point deadline_;
    bool reaped_ = false;
    RunResult result_;
};

// Spawns `binary`, feeds stdin, waits (bounded), returns what it did.
RunResult run_process(const std::string &binary, RunOptions options);

} // namespace tinyllm::e2e
