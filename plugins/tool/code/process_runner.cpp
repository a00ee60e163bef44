#include "process_runner.hpp"

#include "sandbox_options.hpp"

#include <tinyllm/plugin.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

namespace tinyllm::code_tool {

namespace {

using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// An fd closed on scope exit.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd &&o) noexcept : fd_(o.release()) {}
    Fd &operator=(Fd &&o) noexcept {
        if (this != &o) {
            reset();
            fd_ = o.release();
        }
        return *this;
    }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

[[noreturn]] void host_failure(const char *what) {
    throw sdk::Error(TLLM_ERR_INTERNAL,
                     std::string("code tool: ") + what + " failed: " + std::strerror(errno));
}

// pipe2 with O_CLOEXEC: the host is multithreaded, and another thread's fork+exec must not
// carry our pipe ends into some unrelated program (which would hold our EOF hostage).
void make_pipe(Fd &read_end, Fd &write_end) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) host_failure("pipe2");
    read_end = Fd(p[0]);
    write_end = Fd(p[1]);
}

int pidfd_open(pid_t pid) {
    return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

int pidfd_send_signal(int pidfd, int sig) {
    return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// ---- the child, between fork and exec -------------------------------------------------------
// The host is multithreaded: only async-signal-safe calls from here on (raw syscalls, no
// allocation, no locks), with everything they need prepared by the parent.

enum ChildStep : int {
    kStepSetsid = 1,
    kStepFds,
    kStepChdir,
    kStepSetgroups,
    kStepSetgid,
    kStepSetuid,
    kStepRlimit,
    kStepPdeathsig,
    kStepNoNewPrivs,
    kStepSeccomp,
    kStepExec,
};

const char *step_name(int step) {
    switch (step) {
    case kStepSetsid: return "setsid";
    case kStepFds: return "setting up file descriptors";
    case kStepChdir: return "chdir";
    case kStepSetgroups: return "setgroups";
    case kStepSetgid: return "setresgid";
    case kStepSetuid: return "setresuid";
    case kStepRlimit: return "setrlimit";
    case kStepPdeathsig: return "prctl(PR_SET_PDEATHSIG)";
    case kStepNoNewPrivs: return "prctl(PR_SET_NO_NEW_PRIVS)";
    case kStepSeccomp: return "loading the seccomp filter";
    case kStepExec: return "execve";
    default: return "starting the process";
    }
}

struct ChildError {
    int step;
    int err;
};

constexpr int kMaxChildFds = 16;

struct ChildPlan {
    // Source fds in target order: [0] -> fd 0, [1] -> fd 1, ...; the last one is the error
    // pipe, which keeps FD_CLOEXEC so a successful exec closes it.
    int sources[kMaxChildFds];
    int count;
    int error_fd_source;
    const char *cwd;
    char *const *argv;
    char *const *envp;
    bool drop_privileges;
    struct {
        int resource;
        rlim_t soft;
        rlim_t hard;
    } limits[8];
    int limit_count;
    const sock_fprog *seccomp;
    pid_t parent;
};

[[noreturn]] void child_fail(int fd, int step) {
    const ChildError e{step, errno};
    ssize_t ignored = ::write(fd, &e, sizeof e);
    (void)ignored;
    _exit(127);
}

[[noreturn]] void child_main(const ChildPlan &p) {
    int error_fd = p.error_fd_source;
    // A new session and process group: the whole tree can be killed with kill(-pid), and the
    // program has no controlling terminal of the host's.
    if (setsid() < 0) child_fail(error_fd, kStepSetsid);

    // The host's signal state is inherited through exec (an ignored SIGINT or SIGPIPE, a
    // blocked mask of a worker thread); the program starts from the defaults.
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        struct sigaction sa;
        std::memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(sig, &sa, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    // Lift every source above the targets first, so a dup2 never overwrites a source that is
    // still to be moved; then place them; then close everything else the host had open.
    int lifted[kMaxChildFds];
    for (int i = 0; i < p.count; ++i) {
        lifted[i] = fcntl(p.sources[i], F_DUPFD_CLOEXEC, p.count);
        if (lifted[i] < 0) child_fail(error_fd, kStepFds);
    }
    error_fd = lifted[p.count - 1];
    for (int i = 0; i < p.count; ++i) {
        if (dup2(lifted[i], i) < 0) child_fail(error_fd, kStepFds);
    }
    error_fd = p.count - 1;
    if (fcntl(error_fd, F_SETFD, FD_CLOEXEC) < 0) child_fail(error_fd, kStepFds);
    if (syscall(SYS_close_range, p.count, ~0u, 0) != 0) {
        // Kernels before 5.9: close one by one.
        for (int fd = p.count; fd < 65536; ++fd)
            ::close(fd);
    }

    if (chdir(p.cwd) != 0) child_fail(error_fd, kStepChdir);

    if (p.drop_privileges) {
        // Raw syscalls: glibc's wrappers broadcast to all threads (there is one here, but
        // their bookkeeping is not async-signal-safe). Groups first, uid last: after the uid
        // change there is no permission left to change the others.
        if (syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(error_fd, kStepSetgroups);
        if (syscall(SYS_setresgid, kSandboxGid, kSandboxGid, kSandboxGid) != 0) {
            child_fail(error_fd, kStepSetgid);
        }
        if (syscall(SYS_setresuid, kSandboxUid, kSandboxUid, kSandboxUid) != 0) {
            child_fail(error_fd, kStepSetuid);
        }
    }
    for (int i = 0; i < p.limit_count; ++i) {
        const rlimit rl{p.limits[i].soft, p.limits[i].hard};
        if (setrlimit(static_cast<__rlimit_resource>(p.limits[i].resource), &rl) != 0) {
            child_fail(error_fd, kStepRlimit);
        }
    }
    // After the uid change, which clears it. Dies with the host thread that waits for it.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(error_fd, kStepPdeathsig);
    if (getppid() != p.parent) _exit(127);
    // No setuid/file-capability binary can give the program more than it has.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(error_fd, kStepNoNewPrivs);
    if (p.seccomp != nullptr && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, p.seccomp) != 0) {
        child_fail(error_fd, kStepSeccomp);
    }
    execve(p.argv[0], p.argv, p.envp);
    child_fail(error_fd, kStepExec);
}

// ---- the parent -----------------------------------------------------------------------------

struct Stream {
    Fd fd;
    std::string data;
    size_t total = 0;
    bool truncated = false;
};

// Keeps at most `cap` bytes; counts the rest.
void append_capped(Stream &s, const char *buf, size_t n, size_t cap) {
    s.total += n;
    const size_t room = cap > s.data.size() ? cap - s.data.size() : 0;
    s.data.append(buf, std::min(n, room));
    if (n > room) s.truncated = true;
}

// Reads what is available without blocking; false at EOF (or on an error, which is the same
// thing for a pipe).
bool read_available(int fd, const std::function<void(const char *, size_t)> &sink) {
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            sink(buf, static_cast<size_t>(n));
            if (static_cast<size_t>(n) < sizeof buf) return true;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return true;
        return false;
    }
}

void set_nonblocking(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Parses bwrap's --info-fd document: {"child-pid": 1234, ...}.
pid_t parse_child_pid(const std::string &info) {
    const auto key = info.find("\"child-pid\"");
    if (key == std::string::npos) return -1;
    const auto colon = info.find(':', key);
    if (colon == std::string::npos) return -1;
    const char *p = info.c_str() + colon + 1;
    char *end = nullptr;
    const long v = std::strtol(p, &end, 10);
    if (end == p || v <= 0) return -1;
    return static_cast<pid_t>(v);
}

// True once the child has exited (without reaping it: the zombie keeps its pid and process
// group id reserved, so kill(-pid) cannot reach a recycled pid).
bool child_exited(pid_t pid) {
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
        return errno == ECHILD;
    }
    return info.si_pid == pid;
}

// Waits up to `ms` for `pidfd` to become readable (its process exited).
bool wait_pidfd(int pidfd, int ms) {
    pollfd p{pidfd, POLLIN, 0};
    const auto start = Clock::now();
    for (;;) {
        const int left = ms - static_cast<int>(ms_since(start));
        if (left <= 0) return false;
        const int rc = ::poll(&p, 1, left);
        if (rc > 0) return true;
        if (rc < 0 && errno != EINTR) return false;
    }
}

} // namespace

uint64_t count_processes_of_uid(unsigned uid) {
    uint64_t count = 0;
    DIR *dir = opendir("/proc");
    if (dir == nullptr) return 0;
    while (const dirent *e = readdir(dir)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        const std::string path = std::string("/proc/") + e->d_name + "/status";
        FILE *f = std::fopen(path.c_str(), "re");
        if (f == nullptr) continue;
        char line[256];
        while (std::fgets(line, sizeof line, f) != nullptr) {
            unsigned real = 0;
            if (std::sscanf(line, "Uid: %u", &real) == 1) {
                if (real == uid) ++count;
                break;
            }
        }
        std::fclose(f);
    }
    closedir(dir);
    return count;
}

ProcessResult run_process(const ProcessSpec &spec) {
    if (spec.argv.empty() || spec.argv[0].empty() || spec.argv[0][0] != '/') {
        throw sdk::Error(TLLM_ERR_INTERNAL, "code tool: argv[0] must be an absolute path");
    }
    if (spec.fds.size() + 5 > static_cast<size_t>(kMaxChildFds)) {
        throw sdk::Error(TLLM_ERR_INTERNAL, "code tool: too many fds for the child");
    }

    // Everything the child needs, built before fork (no allocation after it).
    std::vector<char *> argv;
    for (const auto &a : spec.argv)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char *> envp;
    for (const auto &e : spec.env)
        envp.push_back(const_cast<char *>(e.c_str()));
    envp.push_back(nullptr);

    Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!dev_null) host_failure("open /dev/null");
    Stream out, err;
    Fd out_w, err_w, info_r, info_w, error_r, error_w;
    make_pipe(out.fd, out_w);
    make_pipe(err.fd, err_w);
    if (spec.bwrap_info_fd) make_pipe(info_r, info_w);
    make_pipe(error_r, error_w);

    ChildPlan plan{};
    plan.sources[plan.count++] = dev_null.get();
    plan.sources[plan.count++] = out_w.get();
    plan.sources[plan.count++] = err_w.get();
    for (int fd : spec.fds)
        plan.sources[plan.count++] = fd;
    if (spec.bwrap_info_fd) plan.sources[plan.count++] = info_w.get();
    plan.sources[plan.count++] = error_w.get();
    plan.error_fd_source = error_w.get();
    plan.cwd = spec.cwd.c_str();
    plan.argv = argv.data();
    plan.envp = envp.data();
    plan.drop_privileges = spec.drop_privileges && geteuid() == 0;
    auto add_limit = [&](int resource, uint64_t soft, uint64_t hard) {
        plan.limits[plan.limit_count++] = {resource, static_cast<rlim_t>(soft),
                                           static_cast<rlim_t>(hard)};
    };
    const ResourceLimits &l = spec.limits;
    add_limit(RLIMIT_CORE, 0, 0);
    if (l.address_space_bytes) add_limit(RLIMIT_AS, l.address_space_bytes, l.address_space_bytes);
    if (l.cpu_seconds) add_limit(RLIMIT_CPU, l.cpu_seconds, l.cpu_seconds + 1);
    if (l.file_size_bytes) add_limit(RLIMIT_FSIZE, l.file_size_bytes, l.file_size_bytes);
    if (l.open_files) add_limit(RLIMIT_NOFILE, l.open_files, l.open_files);
    if (l.processes) add_limit(RLIMIT_NPROC, l.processes, l.processes);
    sock_fprog prog{};
    if (spec.seccomp != nullptr && !spec.seccomp->empty()) {
        prog.len = static_cast<unsigned short>(spec.seccomp->size() / sizeof(sock_filter));
        prog.filter =
            reinterpret_cast<sock_filter *>(const_cast<unsigned char *>(spec.seccomp->data()));
        plan.seccomp = &prog;
    }
    plan.parent = getpid();

    const auto start = Clock::now();
    const pid_t pid = fork();
    if (pid < 0) host_failure("fork");
    if (pid == 0) child_main(plan);

    out_w.reset();
    err_w.reset();
    info_w.reset();
    error_w.reset();
    dev_null.reset();

    ProcessResult result;
    // EOF: exec succeeded (the pipe is close-on-exec). Otherwise the child says what failed.
    ChildError child_error{0, 0};
    ssize_t got;
    do {
        got = ::read(error_r.get(), &child_error, sizeof child_error);
    } while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof child_error)) {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        result.spawn_error = step_name(child_error.step);
        result.spawn_errno = child_error.err;
        result.wall_ms = ms_since(start);
        return result;
    }

    Fd child_pidfd(pidfd_open(pid));
    Fd init_pidfd; // the sandbox's pid 1, once bwrap told us its pid
    std::string info;
    set_nonblocking(out.fd.get());
    set_nonblocking(err.fd.get());
    if (info_r) set_nonblocking(info_r.get());

    const size_t cap = spec.max_output_bytes;
    const auto deadline = start + std::chrono::milliseconds(std::max<int64_t>(spec.timeout_ms, 0));
    bool kill_now = false;

    auto read_info = [&] {
        if (!info_r) return;
        const bool open = read_available(info_r.get(), [&](const char *b, size_t n) {
            if (info.size() < 4096) info.append(b, n);
        });
        if (!init_pidfd) {
            const pid_t init = parse_child_pid(info);
            if (init > 0) init_pidfd = Fd(pidfd_open(init));
        }
        if (!open) info_r.reset();
    };
    auto read_stream = [&](Stream &s) {
        if (!s.fd) return;
        if (!read_available(s.fd.get(),
                            [&](const char *b, size_t n) { append_capped(s, b, n, cap); })) {
            s.fd.reset();
        }
        if (spec.kill_output_bytes && s.total > spec.kill_output_bytes) {
            result.output_limit = true;
            kill_now = true;
        }
    };

    for (;;) {
        if (child_exited(pid)) break;
        if (spec.cancelled && spec.cancelled()) {
            result.cancelled = true;
            break;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            result.timed_out = true;
            break;
        }
        if (kill_now) break;

        pollfd fds[4];
        nfds_t n = 0;
        auto watch = [&](int fd) {
            if (fd >= 0) fds[n++] = pollfd{fd, POLLIN, 0};
        };
        watch(out.fd.get());
        watch(err.fd.get());
        watch(info_r.get());
        watch(child_pidfd.get());
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
        const int wait_ms = static_cast<int>(std::min<int64_t>(left, 20));
        const int rc = ::poll(fds, n, wait_ms);
        if (rc < 0 && errno != EINTR) host_failure("poll");
        read_info();
        read_stream(out);
        read_stream(err);
    }

    const bool killing = result.cancelled || result.timed_out || kill_now;
    if (killing) {
        read_info();
        // Kill the sandbox's pid 1 first: the kernel then kills every process of its pid
        // namespace, bwrap reaps them (so their CPU time is counted) and exits by itself.
        if (init_pidfd) {
            pidfd_send_signal(init_pidfd.get(), SIGKILL);
            if (child_pidfd) wait_pidfd(child_pidfd.get(), 500);
        }
    }
    // bwrap (or the program) is at most a zombie after this, so its pid still names our
    // process group: kill whatever is left in it (an unsandboxed program's background jobs).
    kill(-pid, SIGKILL);
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    result.wall_ms = ms_since(start);
    // The namespace's pid 1 exits only after every other process in it is gone; bwrap
    // normally waited for it, but not when bwrap itself was killed.
    read_info();
    if (init_pidfd) wait_pidfd(init_pidfd.get(), 2000);

    // What the program wrote before it ended. Its writers are gone (or killed), so this ends at
    // EOF; the bound only covers an unsandboxed process that escaped its process group.
    const auto drain_until = Clock::now() + std::chrono::milliseconds(200);
    while ((out.fd || err.fd) && Clock::now() < drain_until) {
        pollfd fds[2];
        nfds_t n = 0;
        if (out.fd) fds[n++] = pollfd{out.fd.get(), POLLIN, 0};
        if (err.fd) fds[n++] = pollfd{err.fd.get(), POLLIN, 0};
        if (::poll(fds, n, 20) < 0 && errno != EINTR) break;
        read_stream(out);
        read_stream(err);
    }

    if (WIFEXITED(status)) {
        result.exited = true;
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.term_signal = WTERMSIG(status);
    }
    result.cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                    (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
    result.out = std::move(out.data);
    result.err = std::move(err.data);
    result.out_truncated = out.truncated;
    result.err_truncated = err.truncated;
    return result;
}

} // namespace tinyllm::code_tool
