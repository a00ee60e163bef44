// Nodes that break the C ABI's rules the way real plugin bugs do, written against plugin.h alone
// (no SDK helper to catch for them): a C++ exception out of process() and out of create(), a
// loop that never polls cancellation, a segfault and an abort in process(). The host must name
// the node and the plugin for each, and never hang on one.
#include <tinyllm/plugin.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace {

int g_token;
constexpr const char *kNoConfig =
    R"({"type":"object","additionalProperties":false,"properties":{}})";

tllm_status create_ok(const tllm_host *, const char *, void **out, char *, size_t) {
    *out = &g_token;
    return TLLM_OK;
}

tllm_status create_throws(const tllm_host *, const char *, void **, char *, size_t) {
    throw std::runtime_error("create: boom");
}

void destroy(void *) {}

tllm_status process_throws(void *, const tllm_call *, const char *) {
    throw std::runtime_error("boom");
}

// Spins on the CPU without ever asking call->is_cancelled, like a plugin stuck in a loop. It
// says "spinning" first (a token: printed by `tinyllm run`), so a test knows it is inside.
tllm_status process_ignores_cancel(void *, const tllm_call *call, const char *) {
    call->emit(call, "{\"type\":\"token\",\"content\":\"spinning\\n\"}");
    volatile unsigned long n = 0;
    for (;;)
        n = n + 1;
    call->set_output(call, "{\"set\":{}}");
    return TLLM_OK;
}

tllm_status process_segfaults(void *, const tllm_call *, const char *) {
    std::raise(SIGSEGV);
    return TLLM_ERR_INTERNAL;
}

tllm_status process_aborts(void *, const tllm_call *, const char *) {
    std::abort();
}

tllm_status process_ok(void *, const tllm_call *call, const char *) {
    call->set_output(call, "{\"set\":{}}");
    return TLLM_OK;
}

constexpr tllm_node_v1 kThrows{sizeof(tllm_node_v1), process_throws};
constexpr tllm_node_v1 kIgnoresCancel{sizeof(tllm_node_v1), process_ignores_cancel};
constexpr tllm_node_v1 kSegfaults{sizeof(tllm_node_v1), process_segfaults};
constexpr tllm_node_v1 kAborts{sizeof(tllm_node_v1), process_aborts};
constexpr tllm_node_v1 kOk{sizeof(tllm_node_v1), process_ok};

#define RAW_NODE(name, description, create_fn, table)                                              \
    tllm_component {                                                                               \
        sizeof(tllm_component), TLLM_KIND_NODE, name, description, kNoConfig, 0, create_fn,        \
            destroy, &table                                                                        \
    }

const tllm_component kComponents[] = {
    RAW_NODE("raw_throw", "throws a C++ exception out of process()", create_ok, kThrows),
    RAW_NODE("raw_throw_create", "throws a C++ exception out of create()", create_throws, kOk),
    RAW_NODE("raw_spin", "loops forever without polling cancellation", create_ok, kIgnoresCancel),
    RAW_NODE("raw_segv", "raises SIGSEGV in process()", create_ok, kSegfaults),
    RAW_NODE("raw_abort", "calls abort() in process()", create_ok, kAborts),
};

const tllm_plugin_descriptor kDescriptor = {
    {TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR},
    sizeof(tllm_plugin_descriptor),
    "org.tinyllm.test.raw-nodes",
    "Raw misbehaving nodes",
    "1.0.0",
    "nodes that break the ABI's rules, for the host's crash and exception handling tests",
    nullptr,
    nullptr,
    sizeof kComponents / sizeof kComponents[0],
    kComponents,
    nullptr,
    nullptr};

} // namespace

TLLM_DEFINE_PLUGIN(kDescriptor)
