// Benchmark-only plugin: tests/plugins/echo_backend.c rewritten with the C++ helper
// (tinyllm/plugin.hpp), doing the same work, so BM_AbiCall can compare the two and price what
// the helper adds (exception guard, std::string result, json_escape for events).
#include <tinyllm/plugin.hpp>

#include <string>
#include <string_view>

namespace {

// The last "content" value, found the same naive way as the C plugin (trusting the host's
// well-formed, compact JSON), so that both plugins do identical parsing work.
std::string_view last_content(std::string_view json) {
    constexpr std::string_view key = "\"content\":\"";
    const size_t at = json.rfind(key);
    if (at == std::string_view::npos) return {};
    const size_t begin = at + key.size();
    size_t end = begin;
    while (end < json.size() && !(json[end] == '"' && json[end - 1] != '\\'))
        ++end;
    return json.substr(begin, end - begin);
}

class SdkEchoBackend final : public tinyllm::sdk::Backend {
public:
    static constexpr const char *kName = "sdk-echo";
    static constexpr const char *kDescription = "echo backend written with plugin.hpp";

    SdkEchoBackend(tinyllm::sdk::Host, std::string_view) {}

    std::string chat(tinyllm::sdk::Call &call, std::string_view request) override {
        const std::string_view text = last_content(request);
        if (text.data() == nullptr) {
            throw tinyllm::sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "sdk-echo: no message");
        }
        // One token event per word, as the C plugin does. token() escapes again what is already
        // escaped; harmless here, as the benchmark's messages hold nothing to escape.
        size_t start = 0;
        for (size_t i = 0; i <= text.size(); ++i) {
            if (i == text.size() || text[i] == ' ') {
                call.check_cancelled();
                call.token(text.substr(start, i - start + (i < text.size() ? 1 : 0)));
                start = i + 1;
            }
        }
        // The text is already JSON-escaped (it came from JSON), so it is copied as is.
        return std::string(R"({"model":"echo","message":{"role":"assistant","content":")") +
               std::string(text) + R"("},"done":true,"done_reason":"stop","eval_count":1})";
    }
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.bench.sdk-echo",
    .name = "Echo backend (C++ helper, benchmarks)",
    .version = "1.0.0",
    .description = "Benchmark-only twin of the C echo plugin, written with plugin.hpp.",
    .vendor = "TinyLLM benchmarks",
    .license = nullptr,
};

} // namespace

TINYLLM_PLUGIN(kInfo, SdkEchoBackend)
