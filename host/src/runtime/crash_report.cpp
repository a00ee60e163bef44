#include "runtime/crash_report.hpp"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace tinyllm::runtime {

namespace {

thread_local const ActiveCall *t_current = nullptr;

// Set by the command's thread before a run, read by the handler: plain arrays, no allocation.
char g_crash_file[4096];

// Appends to a fixed buffer without allocating: all the handler may do.
class LineBuffer {
public:
    LineBuffer(char *buf, size_t size) noexcept : buf_(buf), size_(size) {
        if (size_ > 0) buf_[0] = '\0';
    }
    LineBuffer &operator<<(const char *text) noexcept {
        for (const char *p = text != nullptr ? text : "?"; *p != '\0' && len_ + 1 < size_; ++p)
            buf_[len_++] = *p;
        if (size_ > 0) buf_[len_] = '\0';
        return *this;
    }
    size_t length() const noexcept { return len_; }

private:
    char *buf_;
    size_t size_;
    size_t len_ = 0;
};

const char *signal_text(int signal) noexcept {
    switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    }
    return "a fatal signal";
}

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

void write_all(int fd, const char *text, size_t length) noexcept {
    while (length > 0) {
        const ssize_t n = ::write(fd, text, length);
        if (n <= 0) return;
        text += n;
        length -= static_cast<size_t>(n);
    }
}

extern "C" void on_fatal_signal(int signal) {
    char line[1024];
    const size_t length = format_crash_line(line, sizeof line, signal, t_current);
    write_all(STDERR_FILENO, line, length);
    if (g_crash_file[0] != '\0') {
        const int fd = ::open(g_crash_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            write_all(fd, line, length);
            ::close(fd);
        }
    }
    // SA_RESETHAND put the default action back: die of the signal, as without this handler
    // (the exit status and a core dump stay what the user's tools expect).
    ::raise(signal);
}

} // namespace

ActiveCall::ActiveCall(const CallSite &site, const char *what) noexcept
    : site_(site), what_(what), outer_(t_current) {
    t_current = this;
}

ActiveCall::~ActiveCall() {
    t_current = outer_;
}

const ActiveCall *current_call() noexcept {
    return t_current;
}

size_t format_crash_line(char *buf, size_t size, int signal, const ActiveCall *innermost) noexcept {
    LineBuffer out(buf, size);
    out << "tinyllm: fatal: ";
    if (innermost == nullptr) {
        out << signal_text(signal)
            << " in tinyllm itself, outside any plugin (a bug: please report it with the "
               "command that caused it)\n";
        return out.length();
    }
    const CallSite &site = innermost->site();
    out << "plugin " << site.plugin << " crashed (" << signal_text(signal) << ") in "
        << site.instance << " (" << site.component << ") " << innermost->what();
    // The outermost call is the graph's node when a backend or tool crashed under it.
    const ActiveCall *outermost = innermost;
    while (outermost->outer() != nullptr)
        outermost = outermost->outer();
    if (outermost != innermost) {
        out << ", called from " << outermost->site().instance << " (" << outermost->site().component
            << ")";
    }
    out << "\n";
    return out.length();
}

void install_crash_handler() {
    struct sigaction action {};
    action.sa_handler = on_fatal_signal;
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (int signal : kFatalSignals)
        ::sigaction(signal, &action, nullptr);
}

void set_crash_record(const std::filesystem::path &crash_dir, const std::string &run_id) {
    g_crash_file[0] = '\0';
    if (crash_dir.empty() || run_id.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(crash_dir, ec);
    const std::string path = (crash_dir / run_id).string();
    if (ec || path.size() + 1 > sizeof g_crash_file) return;
    std::memcpy(g_crash_file, path.c_str(), path.size() + 1);
}

} // namespace tinyllm::runtime
