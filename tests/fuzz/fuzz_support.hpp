// What every fuzz target shares: the input as a file (for the loaders that read one), and the
// one way to report a finding. A target calls the production entry point and catches only the
// error types that entry point documents; anything else is a finding:
//   - a crash or a sanitizer report (ASan, UBSan: reported by the runtime itself),
//   - an exception of another type (fail_unexpected below),
//   - a broken promise the target checks (a round trip that is not exact, output that is not
//     valid JSON: fail() below),
//   - a hang (libFuzzer's -timeout) or runaway memory (-rss_limit_mb).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <typeinfo>
#include <unistd.h>

namespace tinyllm::fuzz {

// A broken promise: say which and abort, so libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
    std::fprintf(stderr, "\n==tinyllm-fuzz== FINDING: %.*s\n", static_cast<int>(what.size()),
                 what.data());
    if (!detail.empty()) {
        std::fprintf(stderr, "==tinyllm-fuzz== %.*s\n", static_cast<int>(detail.size()),
                     detail.data());
    }
    std::abort();
}

// An exception of a type the entry point does not document.
[[noreturn]] inline void fail_unexpected(const std::exception &e) {
    fail(std::string("unexpected exception of type ") + typeid(e).name(), e.what());
}

// The input written to a file of this process's own (in /dev/shm when there is one, so each
// run costs no disk I/O), for the loaders whose entry point is a path. Removed at exit.
class InputFile {
public:
    explicit InputFile(const char *name) {
        namespace fs = std::filesystem;
        std::error_code ec;
        fs::path dir =
            fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path(ec);
        path_ = dir / ("tinyllm-fuzz-" + std::to_string(::getpid()) + "-" + name);
    }
    ~InputFile() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    InputFile(const InputFile &) = delete;
    InputFile &operator=(const InputFile &) = delete;

    // Replace the file's contents with `data`; returns its path.
    const std::filesystem::path &write(const uint8_t *data, size_t size) {
        std::FILE *f = std::fopen(path_.c_str(), "wb");
        if (f == nullptr) fail("cannot write the fuzz input file", path_.string());
        if (size > 0 && std::fwrite(data, 1, size, f) != size) {
            std::fclose(f);
            fail("cannot write the fuzz input file", path_.string());
        }
        std::fclose(f);
        return path_;
    }
    const std::filesystem::path &path() const { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace tinyllm::fuzz
