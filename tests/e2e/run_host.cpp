#include "run_host.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <tuple>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace tinyllm::e2e {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const char *what, int error = errno) {
    throw std::system_error(error, std::generic_category(), what);
}

void close_fd(int &fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) throw_errno("fcntl");
}

// Writing stdin to a host that already exited must give EPIPE, not kill the test runner.
void ignore_sigpipe_once() {
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

// Reads what is available on `fd` into `sink`; closes `fd` at EOF.
void drain(int &fd, std::string &sink) {
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            sink.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        close_fd(fd); // EOF, or an error that ends the stream just the same
        return;
    }
}

struct SpawnAttr {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    SpawnAttr() {
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_init(&actions);
    }
    ~SpawnAttr() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
};

// A pseudo-terminal: {master, slave}, both close-on-exec, 80x24, no output processing.
std::pair<int, int> open_terminal() {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) throw_errno("openpt");
    const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) throw_errno("open pty");
    termios modes{};
    if (::tcgetattr(slave, &modes) != 0) throw_errno("tcgetattr");
    modes.c_oflag &= ~static_cast<tcflag_t>(OPOST);
    if (::tcsetattr(slave, TCSANOW, &modes) != 0) throw_errno("tcsetattr");
    const winsize size{24, 80, 0, 0};
    if (::ioctl(master, TIOCSWINSZ, &size) != 0) throw_errno("TIOCSWINSZ");
    return {master, slave};
}

} // namespace

std::string RunResult::describe() const {
    std::string status;
    if (timed_out)
        status = "killed after the " + std::to_string(kSafetyTimeout.count()) + " s safety timeout";
    else if (signal != 0)
        status = "killed by signal " + std::to_string(signal);
    else
        status = "exit " + std::to_string(exit_code);
    if (!timed_out) {
        status += " after " + std::to_string(elapsed.count()) + " ms, peak RSS " +
                  std::to_string(max_rss_kib / 1024) + " MiB";
    }
    return status + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err + "\n---";
}

HostProcess::HostProcess(const std::string &binary, RunOptions options) {
    ignore_sigpipe_once();
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    int in[2] = {-1, -1};
    // O_CLOEXEC: a host spawned by another test must never inherit these ends and keep our
    // pipes open (that would turn EOF into a hang).
    if (options.stdout_terminal) {
        std::tie(out[0], out[1]) = open_terminal();
    } else if (::pipe2(out, O_CLOEXEC) != 0) {
        throw_errno("pipe2");
    }
    if (::pipe2(err, O_CLOEXEC) != 0) throw_errno("pipe2");
    if (options.stdin_text && ::pipe2(in, O_CLOEXEC) != 0) throw_errno("pipe2");

    SpawnAttr sa;
    posix_spawn_file_actions_adddup2(&sa.actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&sa.actions, err[1], STDERR_FILENO);
    if (options.stdin_text) {
        posix_spawn_file_actions_adddup2(&sa.actions, in[0], STDIN_FILENO);
    } else {
        // Not a terminal and empty: `ask` without a PROMPT then reads nothing, as from a pipe.
        posix_spawn_file_actions_addopen(&sa.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    if (!options.cwd.empty()) {
        posix_spawn_file_actions_addchdir_np(&sa.actions, options.cwd.c_str());
    }
    // The child must see SIGINT as a shell would deliver it, whatever the test runner did with
    // its own signal dispositions and mask (we ignore SIGPIPE, for one).
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGHUP})
        sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&sa.attr, &empty);
    posix_spawnattr_setsigdefault(&sa.attr, &defaults);
    posix_spawnattr_setflags(&sa.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> argv_storage;
    argv_storage.push_back(binary);
    argv_storage.insert(argv_storage.end(), options.args.begin(), options.args.end());
    std::vector<char *> argv;
    for (auto &a : argv_storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage;
    for (const auto &[k, v] : options.env)
        env_storage.push_back(k + "=" + v);
    std::vector<char *> envp;
    for (auto &e : env_storage)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    const int rc =
        ::posix_spawn(&pid_, binary.c_str(), &sa.actions, &sa.attr, argv.data(), envp.data());
    ::close(out[1]);
    ::close(err[1]);
    if (in[0] >= 0) ::close(in[0]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    in_fd_ = in[1];
    if (rc != 0) {
        close_fd(out_fd_);
        close_fd(err_fd_);
        close_fd(in_fd_);
        reaped_ = true;
        throw_errno(("posix_spawn " + binary).c_str(), rc);
    }
    started_ = Clock::now();
    deadline_ = started_ + kSafetyTimeout;
    set_nonblocking(out_fd_);
    set_nonblocking(err_fd_);
    if (in_fd_ >= 0) {
        set_nonblocking(in_fd_);
        stdin_text_ = std::move(*options.stdin_text);
        if (stdin_text_.empty()) close_fd(in_fd_); // EOF right away
    }
}

HostProcess::~HostProcess() {
    if (!reaped_) kill_and_reap();
    close_fd(out_fd_);
    close_fd(err_fd_);
    close_fd(in_fd_);
}

bool HostProcess::pump(std::chrono::milliseconds max_wait) {
    if (out_fd_ < 0 && err_fd_ < 0) return false;
    pollfd fds[3];
    nfds_t n = 0;
    int *owners[3];
    for (int *fd : {&out_fd_, &err_fd_}) {
        if (*fd < 0) continue;
        fds[n] = {*fd, POLLIN, 0};
        owners[n++] = fd;
    }
    if (in_fd_ >= 0) {
        fds[n] = {in_fd_, POLLOUT, 0};
        owners[n++] = &in_fd_;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    const auto wait = std::clamp(left, std::chrono::milliseconds(0), max_wait);
    const int ready = ::poll(fds, n, static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) throw_errno("poll");
    for (nfds_t i = 0; ready > 0 && i < n; ++i) {
        if (fds[i].revents == 0) continue;
        int &fd = *owners[i];
        if (&fd == &in_fd_) {
            const ssize_t w = ::write(fd, stdin_text_.data() + stdin_written_,
                                      stdin_text_.size() - stdin_written_);
            if (w > 0) stdin_written_ += static_cast<size_t>(w);
            // Done, or the host closed its stdin (EPIPE): either way no more to send.
            if (stdin_written_ == stdin_text_.size() ||
                (w < 0 && errno != EAGAIN && errno != EINTR)) {
                close_fd(fd);
            }
        } else {
            drain(fd, &fd == &out_fd_ ? result_.out : result_.err);
        }
    }
    return out_fd_ >= 0 || err_fd_ >= 0;
}

bool HostProcess::wait_until(const std::function<bool()> &condition) {
    while (Clock::now() < deadline_) {
        if (condition()) return true;
        if (!pump(std::chrono::milliseconds(10))) break;
    }
    return condition();
}

bool HostProcess::wait_for_stdout(std::string_view text) {
    return wait_until([&] { return result_.out.find(text) != std::string::npos; });
}

void HostProcess::send_signal(int signal_number) {
    if (!reaped_) ::kill(pid_, signal_number);
}

void HostProcess::kill_and_reap() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
}

RunResult HostProcess::finish() {
    while (Clock::now() < deadline_ && pump(std::chrono::milliseconds(100))) {
    }
    // Both pipes at EOF means the host is exiting (nothing else holds them); still bound the
    // wait, in case it closed them and then hung.
    int status = 0;
    rusage usage{};
    for (;;) {
        const pid_t r = ::wait4(pid_, &status, WNOHANG, &usage);
        if (r == pid_) break;
        if (r < 0 && errno != EINTR) throw_errno("waitpid");
        if (Clock::now() >= deadline_) {
            kill_and_reap();
            close_fd(out_fd_);
            close_fd(err_fd_);
            close_fd(in_fd_);
            result_.timed_out = true;
            return result_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    reaped_ = true;
    close_fd(in_fd_);
    result_.max_rss_kib = usage.ru_maxrss;
    result_.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
    if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result_.signal = WTERMSIG(status);
    return result_;
}

RunResult run_process(const std::string &binary, RunOptions options) {
    HostProcess process(binary, std::move(options));
    return process.finish();
}

} // namespace tinyllm::e2e
