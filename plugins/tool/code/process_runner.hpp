// Runs one child process to completion under a wall-clock limit: fork + exec with a clean fd
// table, resource limits and (optionally) an unprivileged uid; stdout/stderr read through
// pipes with bounded memory; cancellation; kill and reap with no process left behind.
// Knows nothing about languages, bwrap or JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tinyllm::code_tool {

// setrlimit values applied in the child before exec (inherited by everything it starts).
// 0 leaves a limit as the host has it.
struct ResourceLimits {
    uint64_t address_space_bytes = 0; // RLIMIT_AS
    uint64_t cpu_seconds = 0;         // RLIMIT_CPU: SIGXCPU at this, SIGKILL one second later
    uint64_t file_size_bytes = 0;     // RLIMIT_FSIZE
    uint64_t open_files = 0;          // RLIMIT_NOFILE
    uint64_t processes = 0;           // RLIMIT_NPROC
    // RLIMIT_CORE is always 0: a core dump of a sandboxed program is a file written by the
    // kernel outside the sandbox's limits.
};

struct ProcessSpec {
    std::vector<std::string> argv; // argv[0] is an absolute path, executed as is (no PATH)
    std::vector<std::string> env;  // the complete environment, KEY=VALUE
    std::vector<int> fds;          // passed to the child as fds 3, 4, ... (caller keeps them)
    std::string cwd = "/";         // the host's cwd may be unreadable to the sandbox uid
    bool drop_privileges = false;  // when the host is root: run as kSandboxUid/kSandboxGid
    ResourceLimits limits;
    // A BPF program loaded in the child just before exec (when bwrap is not there to do it).
    const std::vector<unsigned char> *seccomp = nullptr;
    int64_t timeout_ms = 10000;
    size_t max_output_bytes = 65536; // kept per stream; the rest is counted and dropped
    size_t kill_output_bytes = 0;    // kill once a stream produced more than this (0 = never)
    std::function<bool()> cancelled; // polled about every 20 ms
};

struct ProcessResult {
    std::string out;
    std::string err;
    bool out_truncated = false;
    bool err_truncated = false;
    bool exited = false; // WIFEXITED: exit_code is valid
    int exit_code = -1;  // of argv[0]
    int term_signal = 0; // WIFSIGNALED: the signal that killed argv[0]
    bool timed_out = false;
    bool cancelled = false;
    bool output_limit = false; // killed for writing more than kill_output_bytes
    int64_t wall_ms = 0;
    int64_t cpu_ms = 0; // user + system of argv[0] and all its descendants
    // Set when the child failed before exec (nothing ran): which step and errno.
    std::string spawn_error;
    int spawn_errno = 0;
};

// Runs the process; returns once it and every descendant it left (daemons included) are gone
// and reaped. Throws sdk::Error(INTERNAL) only when the host itself cannot create pipes or
// fork.
ProcessResult run_process(const ProcessSpec &spec);

// Processes whose real uid is `uid` right now (for RLIMIT_NPROC when there is no user
// namespace to count in). Reads /proc.
uint64_t count_processes_of_uid(unsigned uid);

} // namespace tinyllm::code_tool
