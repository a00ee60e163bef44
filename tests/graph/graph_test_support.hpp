// Shared helpers of the graph tests: the test node plugin (tests/plugins/test_nodes.cpp) in a
// registry, the YAML fixtures in tests/graphs/, a temp dir per test, and catching an Error.
#pragma once

#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "plugin/registry.hpp"
#include "tinyllm/error.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <unistd.h>

namespace tinyllm::graph::test {

namespace fs = std::filesystem;

inline fs::path test_nodes_plugin() {
    return TINYLLM_TEST_NODES_PLUGIN;
}
inline fs::path fixture(const std::string &name) {
    return fs::path(TINYLLM_TEST_GRAPHS_DIR) / name;
}
// The repo's config/ (config/graphs/default.yaml is the graph `tinyllm ask` runs).
inline fs::path repo_config_dir() {
    return TINYLLM_TEST_CONFIG_DIR;
}

// Loaded once: a registry is read-only after loading, and unloading between tests buys nothing.
inline const plugin::Registry &test_registry() {
    static const plugin::Registry *registry = [] {
        auto *r = new plugin::Registry; // never freed: instances may still be alive at exit
        r->set_log_failures(false);
        r->load_file(test_nodes_plugin());
        if (r->plugins().empty()) ADD_FAILURE() << "cannot load " << test_nodes_plugin();
        return r;
    }();
    return *registry;
}

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = fs::temp_directory_path() /
                (std::string("tinyllm-graph-") + (info ? info->name() : "test") + "-" +
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

// The message of the config Error `f` throws ("" and a test failure when it throws none or
// another kind).
template <typename F> std::string config_error(F &&f) {
    const auto e = error_of(std::forward<F>(f));
    if (!e) return {};
    EXPECT_EQ(e->code(), ErrorCode::config) << e->what();
    return e->what();
}

// A graph file written as graph.yaml in `dir`: tests name the file in expected messages.
inline GraphDef load_text(const TempDir &dir, const std::string &yaml) {
    return load_graph_def(dir.write("graph.yaml", yaml));
}

inline std::unique_ptr<Graph> build_text(const TempDir &dir, const std::string &yaml,
                                         bool create_instances = false) {
    return build_graph(load_text(dir, yaml), test_registry(), nullptr, create_instances);
}

} // namespace tinyllm::graph::test
