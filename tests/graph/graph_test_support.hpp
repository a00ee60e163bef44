// Shared helpers of the graph tests: the test node plugin (tests/plugins/test_nodes.cpp) in a
// registry, the YAML fixtures in tests/graphs/, a temp dir per test, and catching an Error.
#pragma once

#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "plugin/registry.hpp"
#include "runtime/instance_host.hpp"
#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <gtest/gtest.h>

#include "test_support_common.hpp"

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

// A host for node tests: answers every chat with "echo: <last message's content>" and keeps
// the request (as the JSON the backend would get); has no tools.
class EchoServices : public runtime::HostServices {
public:
    messages::ChatResponse chat(const tllm_call *, messages::ChatRequest request) override {
        last_request = messages::to_json(request);
        messages::ChatResponse response;
        response.model = "m";
        response.message.role = "assistant";
        response.message.content = "echo: " + request.messages.back().content;
        response.eval_count = 3;
        return response;
    }
    std::string call_tool(const tllm_call *, const std::string &, const std::string &) override {
        throw Error(ErrorCode::unsupported, "no tools");
    }
    std::string describe_tool(const std::string &) override {
        throw Error(ErrorCode::unsupported, "no tools");
    }
    std::string last_request;
};

// Loaded once: a registry is read-only after loading, and unloading between tests buys nothing.
inline const plugin::Registry &test_registry() {
    static const plugin::Registry *registry = [] {
        auto *r = new plugin::Registry; // never freed: instances may still be alive at exit
        r->set_log_failures(false);
        r->load_file(test_nodes_plugin());
        if (r->plugins().empty()) ADD_FAILURE() << "cannot load " << test_nodes_plugin();
        // Nodes that break the ABI's rules (tests/plugins/raw_nodes.cpp).
        r->load_file(TINYLLM_TEST_RAW_NODES_PLUGIN);
        return r;
    }();
    return *registry;
}

using test_support::TempDir;

using test_support::error_of;

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
                                         BuildMode mode = BuildMode::definition) {
    return build_graph(load_text(dir, yaml), test_registry(), nullptr, mode);
}

} // namespace tinyllm::graph::test
