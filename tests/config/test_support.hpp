// Shared helpers of the config tests: a temp dir per test and a fake environment.
#pragma once

#include "config/env.hpp"

#include "tinyllm/error.hpp"

#include <gtest/gtest.h>

#include "test_support_common.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>

namespace tinyllm::config::test {

using test_support::TempDir;

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
