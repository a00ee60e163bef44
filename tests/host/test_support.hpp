// Shared helpers of the host tests: where the test plugins are, a temp dir per test, and
// catching a tinyllm::Error to check its code and message.
#pragma once

#include "tinyllm/error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <unistd.h>

namespace tinyllm::host_test {

namespace fs = std::filesystem;

inline fs::path good_dir() {
    return TINYLLM_TEST_GOOD_PLUGIN_DIR;
}
inline fs::path bad_dir() {
    return TINYLLM_TEST_BAD_PLUGIN_DIR;
}
inline fs::path echo_plugin() {
    return good_dir() / "tinyllm-echo.so";
}
inline fs::path bad_plugin(const std::string &name) {
    return bad_dir() / ("tinyllm-test-" + name + ".so");
}
inline fs::path ollama_plugin() {
    return TINYLLM_TEST_OLLAMA_PLUGIN;
}
inline fs::path data_dir() {
    return TINYLLM_TEST_DATA_DIR;
}

inline std::string read_file(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) ADD_FAILURE() << "cannot read " << path;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = fs::temp_directory_path() /
                (std::string("tinyllm-host-") + (info ? info->name() : "test") + "-" +
                 std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;

    const fs::path &path() const { return path_; }

    // Write `text` to `relative` (creating parent dirs) and return the full path.
    fs::path write(const std::string &relative, const std::string &text) const {
        const fs::path file = path_ / relative;
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

private:
    fs::path path_;
};

// The Error `f` throws, or nullopt (and a test failure) when it throws none.
template <typename F> std::optional<Error> error_of(F &&f) {
    try {
        f();
    } catch (const Error &e) {
        return e;
    }
    ADD_FAILURE() << "expected a tinyllm::Error";
    return std::nullopt;
}

} // namespace tinyllm::host_test
