#include "code_runner.hpp"

#include "seccomp_filter.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tinyllm::code_tool {

namespace {

constexpr const char *kFixHint =
    " or set \"allow_unsandboxed\": true in the code tool's config to run without isolation";

bool executable(const std::string &path) {
    return !path.empty() && path.front() == '/' && access(path.c_str(), X_OK) == 0;
}

// Interpreters must be visible inside the sandbox, where only /usr (and the /bin, /sbin, /lib
// links into it) exist.
bool visible_in_sandbox(const std::string &path) {
    for (const char *prefix : {"/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/"}) {
        if (path.rfind(prefix, 0) == 0) return true;
    }
    return false;
}

std::string first_line(std::string_view text) {
    const auto nl = text.find('\n');
    return std::string(text.substr(0, nl));
}

// An anonymous in-memory file holding `data`, positioned at its start (bwrap reads it from
// there). Nothing touches the host's disk.
int memfd_with(const char *name, const void *data, size_t size) {
    const int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) {
        throw sdk::Error(TLLM_ERR_INTERNAL,
                         std::string("code tool: memfd_create failed: ") + std::strerror(errno));
    }
    const char *p = static_cast<const char *>(data);
    size_t left = size;
    while (left > 0) {
        const ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int e = errno;
            close(fd);
            throw sdk::Error(TLLM_ERR_INTERNAL,
                             std::string("code tool: writing a memfd failed: ") + std::strerror(e));
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

class ScopedFd {
public:
    explicit ScopedFd(int fd) : fd_(fd) {}
    ~ScopedFd() { close(fd_); }
    ScopedFd(const ScopedFd &) = delete;
    ScopedFd &operator=(const ScopedFd &) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// A private working directory for an unsandboxed run, removed with everything in it.
class TempDir {
public:
    TempDir() {
        char path[] = "/tmp/tinyllm-code-XXXXXX";
        if (mkdtemp(path) == nullptr) {
            throw sdk::Error(TLLM_ERR_INTERNAL,
                             std::string("code tool: mkdtemp failed: ") + std::strerror(errno));
        }
        path_ = path;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }

private:
    std::string path_;
};

void check_interpreter(const std::string &path, Language language, bool sandboxed) {
    const char *key = language == Language::python ? "python" : "sh";
    if (sandboxed && !visible_in_sandbox(path)) {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                         std::string("code tool config: \"") + key + "\" is " + path +
                             ", outside /usr: the sandbox only shows /usr (use e.g. "
                             "/usr/bin/python3, not a pyenv or venv interpreter)");
    }
    if (!executable(path)) {
        throw sdk::Error(
            TLLM_ERR_UNAVAILABLE,
            std::string("code tool: no interpreter at ") + path + " (set \"" + key +
                "\" in the code tool's config" +
                (language == Language::python ? ", or apt-get install python3)" : ")"));
    }
}

} // namespace

CodeRunner::CodeRunner(SandboxOptions options, Warn warn)
    : options_(std::move(options)), warn_(std::move(warn)) {}

CodeRunner::Located CodeRunner::locate() const {
    Located l;
    const std::string &want = options_.bwrap;
    if (want.find('/') != std::string::npos) {
        if (executable(want)) l.bwrap = want;
    } else {
        std::string_view dirs = kSafePath;
        while (!dirs.empty() && l.bwrap.empty()) {
            const auto colon = dirs.find(':');
            const std::string candidate = std::string(dirs.substr(0, colon)) + "/" + want;
            if (executable(candidate)) l.bwrap = candidate;
            dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
        }
    }
    if (l.bwrap.empty()) {
        l.problem = want.find('/') != std::string::npos
                        ? "code sandbox unavailable: bubblewrap not found at " + want +
                              "; install it (apt-get install bubblewrap) and fix \"bwrap\"" +
                              kFixHint
                        : "code sandbox unavailable: bubblewrap (" + want + ") not found in " +
                              kSafePath + "; install it (apt-get install bubblewrap)" + kFixHint;
    } else if (!executable(kPrlimitPath)) {
        l.problem = std::string("code sandbox unavailable: ") + kPrlimitPath +
                    " not found; install util-linux (apt-get install util-linux)" + kFixHint;
    }
    return l;
}

ProcessSpec CodeRunner::base_spec(int64_t timeout_ms, const sdk::Call *call) const {
    ProcessSpec spec;
    spec.drop_privileges = true;
    spec.limits.address_space_bytes = static_cast<uint64_t>(options_.memory_mb) << 20;
    spec.limits.cpu_seconds = static_cast<uint64_t>(options_.cpu_seconds);
    spec.limits.file_size_bytes = static_cast<uint64_t>(options_.max_file_size_mb) << 20;
    spec.limits.open_files = static_cast<uint64_t>(options_.max_open_files);
    spec.timeout_ms = timeout_ms;
    spec.max_output_bytes = static_cast<size_t>(options_.max_output_bytes);
    // Far past the cap, output is only burning CPU: stop the program instead of letting an
    // endless print loop run until the timeout.
    spec.kill_output_bytes = static_cast<size_t>(options_.max_output_bytes) * 16;
    if (call != nullptr) spec.cancelled = [call] { return call->cancelled(); };
    return spec;
}

RunOutcome CodeRunner::run_sandboxed(const std::string &bwrap, std::string_view code,
                                     Language language, int64_t timeout_ms,
                                     const sdk::Call *call) const {
    const std::string script = std::string(kScriptDir) + "/" + script_name(language);
    const auto program = interpreter_argv(options_, language, script);
    const std::vector<unsigned char> &bpf = seccomp_bpf();
    ScopedFd code_fd(memfd_with("tinyllm-code", code.data(), code.size()));
    ScopedFd seccomp_fd(memfd_with("tinyllm-seccomp", bpf.data(), bpf.size()));

    ProcessSpec spec = base_spec(timeout_ms, call);
    spec.argv = bwrap_argv(bwrap, options_, script, program);
    spec.env = {"PATH=/usr/bin:/bin"}; // bwrap's own; the program gets program_environment()
    spec.fds = {code_fd.get(), seccomp_fd.get()};
    static_assert(kCodeFd == 3 && kSeccompFd == 4, "spec.fds are placed at 3, 4, ... in order");

    RunOutcome outcome;
    outcome.process = run_process(spec);
    outcome.timeout_ms = timeout_ms;
    outcome.sandboxed = true;
    const ProcessResult &p = outcome.process;
    if (p.exited) {
        outcome.exit_code = p.exit_code;
        // bwrap's pid 1 reports a program killed by signal N as exit code 128 + N, like a
        // shell does.
        if (p.exit_code > 128 && p.exit_code < 128 + 65) outcome.signal = p.exit_code - 128;
    } else if (p.term_signal != 0) {
        outcome.signal = p.term_signal;
        outcome.exit_code = 128 + p.term_signal;
    }
    return outcome;
}

RunOutcome CodeRunner::run_unsandboxed(std::string_view code, Language language, int64_t timeout_ms,
                                       const sdk::Call &call) const {
    TempDir dir;
    const bool root = geteuid() == 0;
    const unsigned uid = root ? kSandboxUid : getuid();
    if (root && chown(dir.path().c_str(), kSandboxUid, kSandboxGid) != 0) {
        throw sdk::Error(TLLM_ERR_INTERNAL,
                         std::string("code tool: chown of the work dir failed: ") +
                             std::strerror(errno));
    }
    const std::string script = dir.path() + "/" + script_name(language);
    {
        const int fd = open(script.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
        if (fd < 0) {
            throw sdk::Error(TLLM_ERR_INTERNAL,
                             std::string("code tool: writing the script: ") + std::strerror(errno));
        }
        ScopedFd guard(fd);
        size_t off = 0;
        while (off < code.size()) {
            const ssize_t n = write(fd, code.data() + off, code.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw sdk::Error(TLLM_ERR_INTERNAL, "code tool: writing the script");
            off += static_cast<size_t>(n);
        }
    }

    ProcessSpec spec = base_spec(timeout_ms, &call);
    spec.argv = interpreter_argv(options_, language, script);
    spec.env = program_environment(dir.path());
    spec.cwd = dir.path();
    spec.seccomp = &seccomp_bpf();
    // No user namespace to count in: the uid's existing processes count too, so allow that
    // many more (racy, but this mode is a fallback with weaker promises anyway).
    spec.limits.processes =
        count_processes_of_uid(uid) + static_cast<uint64_t>(options_.max_processes);

    RunOutcome outcome;
    outcome.process = run_process(spec);
    outcome.timeout_ms = timeout_ms;
    outcome.sandboxed = false;
    const ProcessResult &p = outcome.process;
    if (!p.spawn_error.empty()) {
        throw sdk::Error(TLLM_ERR_UNAVAILABLE, "code tool: starting " + spec.argv[0] +
                                                   " failed at " + p.spawn_error + ": " +
                                                   std::strerror(p.spawn_errno));
    }
    if (p.exited) {
        outcome.exit_code = p.exit_code;
    } else {
        outcome.signal = p.term_signal;
        outcome.exit_code = 128 + p.term_signal;
    }
    return outcome;
}

std::string CodeRunner::sandbox_problem() const {
    const Located l = locate();
    if (!l.problem.empty()) return l.problem;
    const RunOutcome o = run_sandboxed(l.bwrap, "", Language::sh, 5000, nullptr);
    const ProcessResult &p = o.process;
    if (!p.spawn_error.empty()) {
        return "code sandbox unavailable: starting " + l.bwrap + " failed at " + p.spawn_error +
               ": " + std::strerror(p.spawn_errno) + kFixHint;
    }
    if (p.exited && p.exit_code == 0) return {};
    std::string why = first_line(p.err);
    if (why.empty()) why = "exit code " + std::to_string(o.exit_code);
    return "code sandbox unavailable: bubblewrap cannot build the sandbox here (" + why +
           "); allow unprivileged user namespaces (sysctl user.max_user_namespaces, "
           "kernel.unprivileged_userns_clone=1, or an AppArmor profile for bwrap)" +
           kFixHint;
}

RunOutcome CodeRunner::run(std::string_view code, Language language, const sdk::Call &call) const {
    call.check_cancelled();
    const auto max_code = static_cast<size_t>(options_.max_file_size_mb) << 20;
    if (code.size() > max_code) {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "code is larger than max_file_size_mb (" +
                                                        std::to_string(options_.max_file_size_mb) +
                                                        " MiB)");
    }
    int64_t timeout_ms = options_.timeout_ms;
    const int64_t remaining = call.remaining_ms();
    if (remaining >= 0) timeout_ms = std::min(timeout_ms, remaining);
    const std::string &interpreter = language == Language::python ? options_.python : options_.sh;

    std::string problem;
    const Located l = locate();
    if (l.problem.empty()) {
        check_interpreter(interpreter, language, true);
        RunOutcome o = run_sandboxed(l.bwrap, code, language, timeout_ms, &call);
        const ProcessResult &p = o.process;
        if (p.cancelled) throw sdk::Error(TLLM_ERR_CANCELLED, "cancelled");
        if (!p.spawn_error.empty()) {
            problem = "code sandbox unavailable: starting " + l.bwrap + " failed at " +
                      p.spawn_error + ": " + std::strerror(p.spawn_errno) + kFixHint;
        } else if (p.exited && p.exit_code == 1 && p.err.rfind("bwrap: ", 0) == 0) {
            // Either bwrap could not build the sandbox or the program printed this itself:
            // a run of an empty script tells which.
            problem = sandbox_problem();
            if (problem.empty()) return o;
        } else {
            return o;
        }
    } else {
        problem = l.problem;
    }

    if (!options_.allow_unsandboxed) throw sdk::Error(TLLM_ERR_UNAVAILABLE, problem);
    const auto hint = problem.rfind(kFixHint);
    warn_("code tool: running code WITHOUT the sandbox (allow_unsandboxed is set): " +
          (hint == std::string::npos ? problem : problem.substr(0, hint)));
    check_interpreter(interpreter, language, false);
    RunOutcome o = run_unsandboxed(code, language, timeout_ms, call);
    if (o.process.cancelled) throw sdk::Error(TLLM_ERR_CANCELLED, "cancelled");
    return o;
}

} // namespace tinyllm::code_tool
