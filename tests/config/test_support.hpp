// Shared helpers of the config tests: a temp dir per test and a fake environment.
#pragma once

#include "config/env.hpp"

#include "tinyllm/error.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>

namespace tinyllm::config::test {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        const std::string name = std::string("tinyllm-config-") + (info ? info->name() : "test") +
                                 "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        path_ = std::filesystem::temp_directory_path() / name;
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

// An environment that is just a map; nothing else is set.
inline Getenv fake_env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string &name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

// The message of the config Error `f` throws ("" and a test failure if it throws nothing).
template <typename F> std::string config_error(F &&f) {
    try {
        f();
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::config) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected a config error";
    return {};
}

} // namespace tinyllm::config::test
