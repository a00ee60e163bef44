// Shared helpers of the host tests: where the test plugins are, a temp dir per test, and
// catching a tinyllm::Error to check its code and message.
#pragma once

#include "plugin/registry.hpp"
#include "tinyllm/error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support_common.hpp"

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
// The good test plugins, loaded once: plugins are read-only after loading, and dlopen'ing them
// per test buys nothing.
inline const plugin::Registry &good_plugins() {
    static const plugin::Registry &r = []() -> const plugin::Registry & {
        static plugin::Registry reg;
        reg.set_log_failures(false);
        reg.load({{good_dir(), "--plugins", true}});
        return reg;
    }();
    return r;
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

using test_support::TempDir;

using test_support::error_of;

} // namespace tinyllm::host_test
