#include "process/child_process.hpp"

#include "tinyllm/error.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace tinyllm::process {

namespace {

class Pipe {
public:
    Pipe() {
        if (::pipe2(fds_, O_CLOEXEC) != 0) {
            throw Error(ErrorCode::io,
                        std::string("cannot create a pipe: ") + std::strerror(errno));
        }
    }
    ~Pipe() {
        close_read();
        close_write();
    }
    Pipe(const Pipe &) = delete;
    Pipe &operator=(const Pipe &) = delete;
    int read_end() const noexcept { return fds_[0]; }
    int write_end() const noexcept { return fds_[1]; }
    void close_read() noexcept { close_fd(fds_[0]); }
    void close_write() noexcept { close_fd(fds_[1]); }

private:
    static void close_fd(int &fd) noexcept {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    int fds_[2] = {-1, -1};
};

// Reads what is there; false at end of file.
bool drain(int fd, std::string &into, size_t max) {
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    if (n == 0) return false;
    const size_t room = into.size() < max ? max - into.size() : 0;
    into.append(buf, std::min(room, static_cast<size_t>(n)));
    return true;
}

} // namespace

std::string signal_name(int signal) {
    if (const char *abbrev = ::sigabbrev_np(signal)) return std::string("SIG") + abbrev;
    return "signal " + std::to_string(signal);
}

ChildResult run_child(const ChildOptions &options) {
    if (options.argv.empty()) throw Error(ErrorCode::internal, "run_child: no program");
    Pipe out;
    Pipe err;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out.write_end(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err.write_end(), STDERR_FILENO);
    std::vector<char *> argv;
    for (const std::string &a : options.argv)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        throw Error(ErrorCode::io, "cannot start " + options.argv[0] + ": " + std::strerror(rc));
    }
    out.close_write();
    err.close_write();

    ChildResult result;
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    auto last_output = std::chrono::steady_clock::now();
    bool out_open = true;
    bool err_open = true;
    int status = 0;
    bool reaped = false;
    // Until the child has exited and both pipes are at end of file (a grandchild may hold them:
    // the deadline still ends the wait), or the deadline passes.
    while (!reaped || out_open || err_open) {
        if (!reaped) {
            const pid_t done = ::waitpid(pid, &status, WNOHANG);
            reaped = done == pid || (done < 0 && errno != EINTR);
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const bool idle = options.idle_timeout.count() > 0 && !reaped &&
                          std::chrono::steady_clock::now() - last_output > options.idle_timeout;
        if (left.count() <= 0 || idle) {
            result.timed_out = !reaped;
            break;
        }
        if (!out_open && !err_open) { // exited pipes, running child: wait for its exit
            ::usleep(2000);
            continue;
        }
        pollfd fds[2] = {{out_open ? out.read_end() : -1, POLLIN, 0},
                         {err_open ? err.read_end() : -1, POLLIN, 0}};
        const int wait_ms = reaped ? static_cast<int>(std::min<int64_t>(left.count(), 1000)) : 10;
        if (::poll(fds, 2, wait_ms) < 0 && errno != EINTR) break;
        if (out_open && fds[0].revents != 0) {
            const size_t before = result.out.size();
            out_open = drain(out.read_end(), result.out, options.max_output);
            if (result.out.size() != before) last_output = std::chrono::steady_clock::now();
        }
        if (err_open && fds[1].revents != 0) {
            err_open = drain(err.read_end(), result.err, options.max_output);
        }
    }
    if (!reaped) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (result.timed_out) return result;
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    return result;
}

} // namespace tinyllm::process
