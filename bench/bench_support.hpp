// Shared pieces of the benchmarks: where the plugins are, typical documents, and a backend
// instance loaded through the real Registry (dlopen) the way the host loads it.
#pragma once

#include "plugin/registry.hpp"
#include "runtime/backend.hpp"
#include "runtime/call_context.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace tinyllm::bench {

// Set by bench/CMakeLists.txt: the build tree's plugin dir and the two benchmark-only plugins.
// TINYLLM_BENCH_PLUGIN_DIR in the environment overrides the plugin dir (to compare a saved
// copy of the executable and its plugins with the current build).
inline const std::filesystem::path kPluginDir = [] {
    const char *dir = std::getenv("TINYLLM_BENCH_PLUGIN_DIR");
    return std::filesystem::path(dir != nullptr && *dir != '\0' ? dir : TINYLLM_BENCH_PLUGIN_DIR);
}();
inline const std::filesystem::path kCEchoPlugin = TINYLLM_BENCH_C_ECHO;
inline const std::filesystem::path kSdkEchoPlugin = TINYLLM_BENCH_SDK_ECHO;

// The model the fake server knows by default.
inline constexpr const char *kModel = "qwen2.5:0.5b";

// A chat request as the host sends it to a backend: a system prompt, two turns of history and
// the options and keep_alive models.yaml adds. ~0.7 KB, the size of an ordinary question.
inline std::string typical_chat_request(bool stream) {
    return std::string(R"({"model":"qwen2.5:0.5b","messages":[)") +
           R"({"role":"system","content":"You are a concise assistant. Answer in one or two )"
           R"(sentences and say so when you do not know."},)"
           R"({"role":"user","content":"What is the capital of Australia?"},)"
           R"({"role":"assistant","content":"The capital of Australia is Canberra, not )"
           R"(Sydney; it was chosen as a compromise between Sydney and Melbourne."},)"
           R"({"role":"user","content":"And how many people live there, roughly? Give me )"
           R"(the order of magnitude and the year of the figure."}],)"
           R"("options":{"temperature":0.2,"num_ctx":4096},"stream":)" +
           (stream ? "true" : "false") + R"(,"keep_alive":"5m"})";
}

// A complete non-streamed chat response as Ollama sends it (timings and counts included).
inline std::string typical_chat_response() {
    return R"({"model":"qwen2.5:0.5b","created_at":"2025-10-26T17:21:21.196249Z",)"
           R"("message":{"role":"assistant","content":"About 470,000 people lived in )"
           R"(Canberra in 2021, so the order of magnitude is a few hundred thousand."},)"
           R"("done":true,"done_reason":"stop","total_duration":481203654,)"
           R"("load_duration":21456987,"prompt_eval_count":86,"prompt_eval_duration":)"
           R"(103456000,"eval_count":27,"eval_duration":352789000})";
}

// One backend instance of `component` from the plugin file `file`, loaded with a fresh Registry.
// The registry owns the mapping, so it must outlive the instance (member order).
struct LoadedBackend {
    plugin::Registry registry;
    std::unique_ptr<runtime::Backend> backend;

    LoadedBackend(const std::filesystem::path &file, const char *component,
                  const std::string &config_json) {
        registry.load_file(file);
        const plugin::ComponentRef ref = registry.find(TLLM_KIND_BACKEND, component);
        if (ref.component == nullptr) {
            throw std::runtime_error("benchmark setup: " + file.string() + " provides no " +
                                     "backend \"" + component + "\"");
        }
        backend = std::make_unique<runtime::Backend>(component, ref, config_json, nullptr);
    }
    ~LoadedBackend() { backend.reset(); } // destroy the instance before the library unmaps
};

// A CallContext as the runtime makes one per request: no deadline, events to `sink`.
inline runtime::CallContext make_call(runtime::EventSink sink = {}) {
    return runtime::CallContext(runtime::CancelToken{}, std::nullopt, std::move(sink));
}

} // namespace tinyllm::bench
