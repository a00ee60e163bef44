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
    kStepSubreaper,
    kStepFork,
};

const char *step_name(int step) {
    switch (step) {
    case kStepSetsid: return "setsid/setpgid";
    case kStepSubreaper: return "prctl(PR_SET_CHILD_SUBREAPER)";
    case kStepFork: return "fork";
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
    pid_t parent;  // the host process
    pid_t keeper;  // set by the keeper before it forks the launcher
    int status_fd; // keeper -> parent: the launcher's pid, then its wait status
};

[[noreturn]] void child_fail(int fd, int step) {
    const ChildError e{step, errno};
    ssize_t ignored = ::write(fd, &e, sizeof e);
    (void)ignored;
    _exit(127);
}

// The host's signal state is inherited through fork and exec (its handlers, an ignored
// SIGINT or SIGPIPE, a worker thread's blocked mask). Neither the keeper nor the program may
// run host handlers or start with host dispositions.
void reset_signals() {
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
}

// The launcher: becomes the program (bwrap, or the interpreter when unsandboxed).
[[noreturn]] void launcher_main(const ChildPlan &p) {
    int error_fd = p.error_fd_source;
    // Its own process group inside the keeper's session: the parent kills the whole group on
    // a timeout without killing the keeper, which must stay to reap.
    if (setpgid(0, 0) < 0) child_fail(error_fd, kStepSetsid);

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
    // After the uid change, which clears it. Dies with the keeper.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(error_fd, kStepPdeathsig);
    if (getppid() != p.keeper) _exit(127);
    // No setuid/file-capability binary can give the program more than it has.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(error_fd, kStepNoNewPrivs);
    if (p.seccomp != nullptr && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, p.seccomp) != 0) {
        child_fail(error_fd, kStepSeccomp);
    }
    execve(p.argv[0], p.argv, p.envp);
    child_fail(error_fd, kStepExec);
}

// Writes all of `size` bytes (async-signal-safe).
void write_all(int fd, const void *data, size_t size) {
    const char *p = static_cast<const char *>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        size -= static_cast<size_t>(n);
    }
}

// SIGKILLs every current child of this (single-threaded) process, listed by the kernel in
// /proc/self/task/<pid>/children. Async-signal-safe: no stdio, no allocation.
void kill_children(pid_t self) {
    char path[64] = "/proc/self/task/";
    char digits[16];
    int n = 0;
    for (pid_t v = self; v > 0 && n < 15; v /= 10)
        digits[n++] = static_cast<char>('0' + v % 10);
    size_t len = std::strlen(path);
    while (n > 0)
        path[len++] = digits[--n];
    std::memcpy(path + len, "/children", sizeof "/children");
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char buf[1024];
    long pid = 0;
    bool in_number = false;
    for (;;) {
        const ssize_t got = ::read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        for (ssize_t i = 0; i < got; ++i) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                pid = pid * 10 + (buf[i] - '0');
                in_number = true;
            } else if (in_number) {
                kill(static_cast<pid_t>(pid), SIGKILL);
                pid = 0;
                in_number = false;
            }
        }
    }
    if (in_number) kill(static_cast<pid_t>(pid), SIGKILL);
    ::close(fd);
}

// The keeper: a forked copy of the host that never execs. It is a child subreaper, so every
// process the program leaves behind - bwrap's pid 1 once bwrap exits, a daemon that double
// forked - is re-parented to it rather than to the host's init. Once the launcher has ended it
// kills those leftovers and reaps everything; it exits only when it has no child left. Its
// own rusage, which the parent reads with wait4, then covers the whole tree's CPU time.
[[noreturn]] void keeper_main(ChildPlan &p) {
    reset_signals();
    if (setsid() < 0) child_fail(p.error_fd_source, kStepSetsid);
    // Dies with the host thread that waits for it; the launcher dies with the keeper, and
    // bwrap's --die-with-parent takes the sandbox down with the launcher.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(p.error_fd_source, kStepPdeathsig);
    if (getppid() != p.parent) _exit(127);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) child_fail(p.error_fd_source, kStepSubreaper);

    p.keeper = getpid();
    // _Fork, not fork: no atfork handlers (the host's, or a sanitizer's, whose locks another
    // host thread may have held at our fork).
    const pid_t launcher = _Fork();
    if (launcher < 0) child_fail(p.error_fd_source, kStepFork);
    if (launcher == 0) launcher_main(p);

    write_all(p.status_fd, &launcher, sizeof launcher);
    // Hold no pipe end: the parent's EOFs must depend on the program alone.
    const int status_fd = p.status_fd;
    if (status_fd > 0) syscall(SYS_close_range, 0, status_fd - 1, 0);
    syscall(SYS_close_range, status_fd + 1, ~0u, 0);

    int launcher_status = 0;
    bool launcher_done = false;
    for (;;) {
        int status = 0;
        const pid_t w = wait4(-1, &status, 0, nullptr);
        if (w < 0) {
            if (errno == EINTR) continue;
            break; // ECHILD: nothing left
        }
        if (w == launcher) {
            launcher_status = status;
            launcher_done = true;
        }
        if (launcher_done) kill_children(p.keeper);
    }
    write_all(status_fd, &launcher_status, sizeof launcher_status);
    _exit(0);
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

// Waits up to `ms` for the child to exit (without reaping it).
bool wait_exit(pid_t pid, int pidfd, int ms) {
    const auto start = Clock::now();
    for (;;) {
        if (child_exited(pid)) return true;
        const int left = ms - static_cast<int>(ms_since(start));
        if (left <= 0) return false;
        if (pidfd >= 0) {
            pollfd p{pidfd, POLLIN, 0};
            ::poll(&p, 1, std::min(left, 100));
        } else {
            ::poll(nullptr, 0, std::min(left, 5));
        }
    }
}

// Reads exactly `size` bytes; false on EOF or error before that.
bool read_exact(int fd, void *data, size_t size) {
    char *p = static_cast<char *>(data);
    while (size > 0) {
        const ssize_t n = ::read(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
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
    if (spec.fds.size() + 4 > static_cast<size_t>(kMaxChildFds)) {
        throw sdk::Error(TLLM_ERR_INTERNAL, "code tool: too many fds for the child");
    }

    // Everything the children need, built before fork (no allocation after it).
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
    Fd out_w, err_w, error_r, error_w, status_r, status_w;
    make_pipe(out.fd, out_w);
    make_pipe(err.fd, err_w);
    make_pipe(error_r, error_w);
    make_pipe(status_r, status_w);

    ChildPlan plan{};
    plan.sources[plan.count++] = dev_null.get();
    plan.sources[plan.count++] = out_w.get();
    plan.sources[plan.count++] = err_w.get();
    for (int fd : spec.fds)
        plan.sources[plan.count++] = fd;
    plan.sources[plan.count++] = error_w.get();
    plan.error_fd_source = error_w.get();
    plan.status_fd = status_w.get();
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
    const pid_t keeper = fork();
    if (keeper < 0) host_failure("fork");
    if (keeper == 0) keeper_main(plan);

    out_w.reset();
    err_w.reset();
    error_w.reset();
    status_w.reset();
    dev_null.reset();

    ProcessResult result;
    // The keeper first reports the launcher's pid (nothing, if it failed before forking it).
    pid_t launcher = -1;
    if (!read_exact(status_r.get(), &launcher, sizeof launcher)) launcher = -1;
    // EOF on the error pipe: exec succeeded (close-on-exec). Otherwise: which step failed.
    ChildError child_error{0, 0};
    if (read_exact(error_r.get(), &child_error, sizeof child_error)) {
        int status = 0;
        while (waitpid(keeper, &status, 0) < 0 && errno == EINTR) {
        }
        result.spawn_error = step_name(child_error.step);
        result.spawn_errno = child_error.err;
        result.wall_ms = ms_since(start);
        return result;
    }

    Fd keeper_pidfd(pidfd_open(keeper));
    set_nonblocking(out.fd.get());
    set_nonblocking(err.fd.get());

    const size_t cap = spec.max_output_bytes;
    const auto deadline = start + std::chrono::milliseconds(std::max<int64_t>(spec.timeout_ms, 0));
    bool kill_now = false;
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

    // The keeper exits once the program and everything it started are gone.
    for (;;) {
        if (child_exited(keeper)) break;
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

        pollfd fds[3];
        nfds_t n = 0;
        if (out.fd) fds[n++] = pollfd{out.fd.get(), POLLIN, 0};
        if (err.fd) fds[n++] = pollfd{err.fd.get(), POLLIN, 0};
        if (keeper_pidfd) fds[n++] = pollfd{keeper_pidfd.get(), POLLIN, 0};
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
        const int wait_ms = static_cast<int>(std::min<int64_t>(left, 20));
        if (::poll(fds, n, wait_ms) < 0 && errno != EINTR) host_failure("poll");
        read_stream(out);
        read_stream(err);
    }

    if (result.cancelled || result.timed_out || kill_now) {
        // The launcher's process group: bwrap (whose --die-with-parent then kills the sandbox's
        // pid 1, and with it the whole pid namespace), or the unsandboxed program and its jobs.
        // The keeper reaps them and kills whatever was re-parented to it. The group id stays
        // valid while the keeper has not reaped the launcher; after that, pids are handed out
        // cyclically, so it is not reused within the few ms this takes.
        if (launcher > 0) kill(-launcher, SIGKILL);
        if (!wait_exit(keeper, keeper_pidfd.get(), 2000)) kill(keeper, SIGKILL);
    }
    int keeper_status = 0;
    rusage usage{};
    while (wait4(keeper, &keeper_status, 0, &usage) < 0 && errno == EINTR) {
    }
    result.wall_ms = ms_since(start);
    int status = 0;
    if (!read_exact(status_r.get(), &status, sizeof status)) {
        status = SIGKILL; // the keeper itself had to be killed: report the program as killed
    }

    // What the program wrote before it ended. Every writer is gone, so this ends at EOF at
    // once; the bound is only a safety net.
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
    // The keeper reaped every process of the run, so its children's time is the run's.
    result.cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                    (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
    result.out = std::move(out.data);
    result.err = std::move(err.data);
    result.out_truncated = out.truncated;
    result.err_truncated = err.truncated;
    return result;
}

} // namespace tinyllm::code_tool
