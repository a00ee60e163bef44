// Helpers every GoogleTest suite of the tree uses: a temp dir that cleans up after itself, and
// catching the tinyllm::Error a call throws. One copy here instead of one per test folder.
#pragma once

#include "tinyllm/error.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <unistd.h>

namespace tinyllm::test_support {

// A fresh directory under the system temp dir named after the running test, removed with
// everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = std::filesystem::temp_directory_path() /
                (std::string("tinyllm-") + (info ? info->name() : "test") + "-" +
                 std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;

    const std::filesystem::path &path() const { return path_; }

    // Write `text` to `relative` (creating parent dirs) and return the full path.
    std::filesystem::path write(const std::string &relative, const std::string &text) const {
        const std::filesystem::path file = path_ / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

private:
    std::filesystem::path path_;
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

} // namespace tinyllm::test_support
