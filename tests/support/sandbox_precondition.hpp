// Whether this machine can run the code tool's bubblewrap sandbox at all, asked without the code
// under test: bubblewrap, prlimit and python3 installed under /usr, and bwrap able to build a
// sandbox like the tool's (every namespace, --disable-userns, a seccomp program) as the uid the
// tool runs it as. A kernel or container without unprivileged user namespaces (Ubuntu's
// apparmor_restrict_unprivileged_userns, Debian's unprivileged_userns_clone=0, Docker's default
// seccomp profile), without seccomp, or a bubblewrap older than 0.8 cannot. Tests that need the
// sandbox skip there, saying which of these it was; everywhere else they run, so a regression in
// the tool's own bwrap command line still fails them.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tinyllm::test_support {

namespace sandbox_detail {

inline std::string errno_text(const char *what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// Runs bwrap the way the code tool's runner does (privileges dropped to nobody when root,
// no_new_privs) with a sandbox like the tool's around `python3 -c pass`. "" when it worked.
inline std::string try_bwrap(const char *bwrap) {
    // An allow-everything seccomp program: what matters is that bwrap can install one.
    const sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    const int bpf = memfd_create("tinyllm-probe-seccomp", 0);
    if (bpf < 0) return errno_text("memfd_create");
    if (write(bpf, &allow, sizeof allow) != static_cast<ssize_t>(sizeof allow)) {
        close(bpf);
        return errno_text("writing the probe's seccomp program");
    }
    lseek(bpf, 0, SEEK_SET);
    int err[2];
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(bpf);
        return errno_text("pipe2");
    }
    // clang-format off
    std::vector<std::string> args = {
        bwrap, "--unshare-all", "--unshare-user", "--disable-userns",
        "--uid", "65534", "--gid", "65534", "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--remount-ro", "/",
        "--seccomp", "3",
        "--", "/usr/bin/prlimit", "--nproc=16", "--", "/usr/bin/python3", "-I", "-c", "pass"};
    // clang-format on
    std::vector<char *> argv;
    for (auto &a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const bool root = geteuid() == 0;
    const pid_t pid = fork();
    if (pid < 0) {
        const std::string e = errno_text("fork");
        close(bpf);
        close(err[0]);
        close(err[1]);
        return e;
    }
    if (pid == 0) {
        // Only async-signal-safe calls from here on: the test process may have threads.
        dup2(err[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        if (dup2(bpf, 3) != 3) _exit(125);
        if (root && (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0)) {
            _exit(126);
        }
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(bpf);
    close(err[1]);
    std::string said;
    // Bounded: a bwrap that hangs must not hang the suite.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(pid, SIGKILL);
            said += "[no answer within 30 s]";
            break;
        }
        pollfd p = {err[0], POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
        char buf[512];
        const ssize_t n = read(err[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        said.append(buf, static_cast<size_t>(n));
    }
    close(err[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
    while (!said.empty() && said.back() == '\n')
        said.pop_back();
    std::string how = WIFEXITED(status)     ? "exit " + std::to_string(WEXITSTATUS(status))
                      : WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                            : "status " + std::to_string(status);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 126) how += ", dropping to uid 65534 failed";
    return std::string(bwrap) + " could not build a sandbox as uid " +
           (root ? "65534" : std::to_string(geteuid())) + " (" + how + "): \"" + said +
           "\"; the kernel must allow unprivileged user namespaces "
           "(sysctl kernel.unprivileged_userns_clone=1, "
           "kernel.apparmor_restrict_unprivileged_userns=0, user.max_user_namespaces > 0; "
           "in a container, a seccomp profile that allows them) and bubblewrap must be >= 0.8";
}

inline std::string probe() {
    std::string bwrap;
    for (const char *candidate : {"/usr/bin/bwrap", "/bin/bwrap"}) {
        if (access(candidate, X_OK) == 0) {
            bwrap = candidate;
            break;
        }
    }
    if (bwrap.empty()) return "bubblewrap is not installed (no /usr/bin/bwrap or /bin/bwrap)";
    for (const char *tool : {"/usr/bin/prlimit", "/usr/bin/python3"}) {
        if (access(tool, X_OK) != 0) return std::string(tool) + " is not installed";
    }
    return try_bwrap(bwrap.c_str());
}

} // namespace sandbox_detail

// "" when the code tool's sandbox can work on this machine, else what this machine lacks.
// Probed once per test process.
inline const std::string &sandbox_unavailable_reason() {
    static const std::string reason = sandbox_detail::probe();
    return reason;
}

} // namespace tinyllm::test_support

// First statement of a test that needs the bubblewrap sandbox: skips it, with the reason, on a
// machine that cannot run one.
#define TINYLLM_SKIP_WITHOUT_SANDBOX()                                                             \
    do {                                                                                           \
        const std::string &tinyllm_sandbox_why_ =                                                  \
            ::tinyllm::test_support::sandbox_unavailable_reason();                                 \
        if (!tinyllm_sandbox_why_.empty()) {                                                       \
            GTEST_SKIP() << "the code sandbox cannot run on this machine: "                        \
                         << tinyllm_sandbox_why_;                                                  \
        }                                                                                          \
    } while (false)
