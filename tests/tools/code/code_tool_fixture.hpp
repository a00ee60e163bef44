// Drives the code tool through its C ABI (plugin.cpp is compiled into the test binary), the
// way the host does: create an instance from a config, invoke it with an arguments document,
// read the result document or the error.
#pragma once

#include "sandbox_precondition.hpp" // tests/support: TINYLLM_SKIP_WITHOUT_SANDBOX
#include "test_call.hpp"            // tests/ollama: TestCall, TestHost

#include <tinyllm/json.hpp>
#include <tinyllm/plugin.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace tinyllm::code_tool::testing {

using tinyllm::testing::TestCall;
using tinyllm::testing::TestHost;

inline const tllm_component &code_component() {
    const tllm_plugin_descriptor *d = tinyllm_plugin_entry();
    for (uint32_t i = 0; i < d->component_count; ++i) {
        if (std::strcmp(d->components[i].name, "code") == 0) return d->components[i];
    }
    ADD_FAILURE() << "no component named code";
    std::abort();
}

inline std::string json_quote(std::string_view s) {
    return "\"" + sdk::json_escape(s) + "\"";
}

// One finished invoke: the status and either the result fields or the error message.
struct RunResult {
    tllm_status status = TLLM_OK;
    std::string error;
    std::string json;
    std::string content;
    std::string out;
    std::string err;
    bool is_error = false;
    int64_t exit_code = -1;
    std::string signal; // "" for null
    bool timed_out = false;
    int64_t wall_ms = 0;
    int64_t cpu_ms = 0;
    bool stdout_truncated = false;
    bool stderr_truncated = false;
    std::string sandbox;
    int64_t elapsed_ms = 0; // measured by the test around the whole invoke

    // For failure messages: everything the run said.
    std::string describe() const {
        return "status=" + std::to_string(status) + " error=" + error + "\nresult=" + json;
    }
};

class ToolUnderTest {
public:
    explicit ToolUnderTest(const std::string &config = "{}") {
        char error[512] = {0};
        const tllm_status st =
            code_component().create(host_.raw(), config.c_str(), &instance_, error, sizeof error);
        create_status_ = st;
        create_error_ = error;
    }
    ~ToolUnderTest() {
        if (instance_ != nullptr) code_component().destroy(instance_);
    }
    ToolUnderTest(const ToolUnderTest &) = delete;
    ToolUnderTest &operator=(const ToolUnderTest &) = delete;

    tllm_status create_status() const { return create_status_; }
    const std::string &create_error() const { return create_error_; }
    const TestHost &host() const { return host_; }

    RunResult invoke_json(const std::string &arguments, TestCall &call) {
        const auto *tool = static_cast<const tllm_tool_v1 *>(code_component().vtable);
        RunResult r;
        const auto start = std::chrono::steady_clock::now();
        r.status = tool->invoke(instance_, call.raw(), arguments.c_str());
        r.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
        if (r.status != TLLM_OK) {
            r.error = call.error();
            return r;
        }
        r.json = call.output();
        const json::Document doc = json::parse_object(r.json, "code tool result");
        r.content = json::get_string(doc, "content").value_or("<missing>");
        r.out = json::get_string(doc, "stdout").value_or("<missing>");
        r.err = json::get_string(doc, "stderr").value_or("<missing>");
        r.is_error = json::get_bool(doc, "is_error").value_or(false);
        r.exit_code = json::get_int(doc, "exit_code").value_or(-1);
        r.signal = json::get_string(doc, "signal").value_or("");
        r.timed_out = json::get_bool(doc, "timed_out").value_or(false);
        r.wall_ms = json::get_int(doc, "wall_ms").value_or(-1);
        r.cpu_ms = json::get_int(doc, "cpu_ms").value_or(-1);
        r.stdout_truncated = json::get_bool(doc, "stdout_truncated").value_or(false);
        r.stderr_truncated = json::get_bool(doc, "stderr_truncated").value_or(false);
        r.sandbox = json::get_string(doc, "sandbox").value_or("<missing>");
        return r;
    }

    RunResult run(const std::string &code, const std::string &language = "python") {
        TestCall call;
        return invoke_json(
            "{\"code\":" + json_quote(code) + ",\"language\":" + json_quote(language) + "}", call);
    }

private:
    TestHost host_;
    void *instance_ = nullptr;
    tllm_status create_status_ = TLLM_OK;
    std::string create_error_;
};

// Small limits so every test ends in a few seconds even on a loaded 2-core machine. `extra`
// is more members ("cpu_seconds":1); a timeout_ms in it replaces the default one.
inline std::string test_config(const std::string &extra = "") {
    std::string members = extra;
    if (extra.find("\"timeout_ms\"") == std::string::npos) {
        members = "\"timeout_ms\":5000" + (extra.empty() ? "" : "," + extra);
    }
    return "{" + members + "}";
}

// Pids of host processes whose command line contains `marker`.
inline std::vector<std::string> processes_with(const std::string &marker) {
    std::vector<std::string> found;
    DIR *dir = opendir("/proc");
    if (dir == nullptr) return found;
    while (const dirent *e = readdir(dir)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        std::ifstream f(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        if (ss.str().find(marker) != std::string::npos) found.emplace_back(e->d_name);
    }
    closedir(dir);
    return found;
}

inline std::string unique_marker(const char *what) {
    return std::string("tinyllm-") + what + "-" + std::to_string(getpid()) + "-" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

} // namespace tinyllm::code_tool::testing
