// The code tool's arguments (plugins/tool/code/plugin.cpp): the input is the arguments document
// a model (or `tinyllm tool code`) passes, given to the tool through its C ABI exactly as the
// host does (tllm_tool_v1.invoke with the text as a C string). The plugin parses it ({"code":
// string, "language": "python" | "sh", nothing else}) and formats the run's result; the sandbox
// itself is replaced by code_runner_stub.cpp, which answers with the code's own bytes as output.
// The same text is also given as the instance config (create), which parse_options reads.
// Expected: TLLM_OK with a result document, or TLLM_ERR_INVALID_ARGUMENT with a message.
// Findings besides crashes: any other status (TLLM_ERR_INTERNAL is what the SDK makes of an
// unexpected exception), a result that is not valid JSON or whose stdout is not the program's
// output with invalid UTF-8 replaced.
#include "fuzz_support.hpp"
#include "result_format.hpp"

#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <tinyllm/plugin.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace {

namespace json = tinyllm::json;
using tinyllm::fuzz::fail;

struct CallState {
    std::string output;
    std::string error;
};

tllm_host make_host() {
    tllm_host host{};
    host.struct_size = sizeof(tllm_host);
    host.abi = {TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR};
    host.log = [](const tllm_host *, tllm_log_level, const char *) {};
    host.log_enabled = [](const tllm_host *, tllm_log_level) -> int32_t { return 0; };
    host.get_service = [](const tllm_host *, const char *) -> const void * { return nullptr; };
    host.free_string = [](const tllm_host *, char *s) { std::free(s); };
    return host;
}

tllm_call make_call(CallState &state) {
    tllm_call call{};
    call.struct_size = sizeof(tllm_call);
    call.host_data = &state;
    call.is_cancelled = [](const tllm_call *) -> int32_t { return 0; };
    call.remaining_ms = [](const tllm_call *) -> int64_t { return -1; };
    call.emit = [](const tllm_call *, const char *) {};
    call.set_output = [](const tllm_call *c, const char *text) {
        static_cast<CallState *>(c->host_data)->output = text;
    };
    call.set_error = [](const tllm_call *c, tllm_status, const char *message) {
        static_cast<CallState *>(c->host_data)->error = message;
    };
    return call;
}

const tllm_component &code_component() {
    const tllm_plugin_descriptor *d = tinyllm_plugin_entry();
    for (uint32_t i = 0; i < d->component_count; ++i) {
        if (std::strcmp(d->components[i].name, "code") == 0) return d->components[i];
    }
    fail("the code plugin has no component named code");
}

const tllm_host &host() {
    static const tllm_host h = make_host();
    return h;
}

// The instance every input is invoked on: the default config, as tools.yaml leaves it.
void *instance() {
    static void *const created = [] {
        void *out = nullptr;
        char error[512] = "";
        if (code_component().create(&host(), "{}", &out, error, sizeof error) != TLLM_OK) {
            fail("cannot create the code tool with its default config", error);
        }
        return out;
    }();
    return created;
}

void invoke(const std::string &arguments) {
    const auto *tool = static_cast<const tllm_tool_v1 *>(code_component().vtable);
    CallState state;
    const tllm_call call = make_call(state);
    const tllm_status status = tool->invoke(instance(), &call, arguments.c_str());
    if (status == TLLM_ERR_INVALID_ARGUMENT) {
        if (state.error.empty()) fail("INVALID_ARGUMENT without a message", arguments);
        return;
    }
    if (status != TLLM_OK) fail("invoke returned an unexpected status", state.error);
    json::Document result;
    try {
        result = json::parse_object(state.output, "code tool result");
    } catch (const tinyllm::Error &e) {
        fail("the code tool's result is not valid JSON", state.output + " -> " + e.what());
    }
    // The arguments were accepted: "code" is a string; the stub ran it as its own output.
    const json::Document args = json::parse_object(std::string_view(arguments), "arguments");
    const json::Value &code = args["code"];
    const std::string expected = tinyllm::code_tool::sanitize_utf8(
        std::string_view(code.GetString(), code.GetStringLength()));
    if (json::get_string(result, "stdout") != expected) {
        fail("the result's stdout is not the program's output", state.output);
    }
    if (!json::get_string(result, "content") || !json::get_bool(result, "is_error")) {
        fail("the result lacks content or is_error", state.output);
    }
}

void create_with_config(const std::string &config) {
    void *out = nullptr;
    char error[512] = "";
    const tllm_status status =
        code_component().create(&host(), config.c_str(), &out, error, sizeof error);
    if (status == TLLM_OK) {
        code_component().destroy(out);
    } else if (status != TLLM_ERR_INVALID_ARGUMENT || error[0] == '\0') {
        fail("create returned an unexpected status or no message", error);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    // The ABI passes C strings: what a host can hand over ends at the first NUL.
    const std::string text(reinterpret_cast<const char *>(data),
                           strnlen(reinterpret_cast<const char *>(data), size));
    invoke(text);
    create_with_config(text);
    return 0;
}
