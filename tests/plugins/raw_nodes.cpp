// Nodes that break the C ABI's rules the way real plugin bugs do, written against plugin.h alone
// (no SDK helper to catch for them): a C++ exception out of process(), create() and activate(),
// a loop that never polls cancellation (in process() and in activate()), a segfault and an abort
// in process(), create() and activate(); and one that fails activate() the way the ABI says
// (a status and a message). The host must name the node and the plugin for each, and never hang
// on one.
#include <tinyllm/plugin.h>

#include <csignal>
#include <cstdio>
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

tllm_status create_segfaults(const tllm_host *, const char *, void **, char *, size_t) {
    std::raise(SIGSEGV);
    return TLLM_ERR_INTERNAL;
}

tllm_status create_aborts(const tllm_host *, const char *, void **, char *, size_t) {
    std::abort();
}

tllm_status activate_throws(void *, const tllm_call *) {
    throw std::runtime_error("activate: boom");
}

// Spins without polling cancellation, past any deadline the host gives activate.
tllm_status activate_ignores_cancel(void *, const tllm_call *) {
    volatile unsigned long n = 0;
    for (;;)
        n = n + 1;
    return TLLM_OK;
}

tllm_status activate_segfaults(void *, const tllm_call *) {
    std::raise(SIGSEGV);
    return TLLM_ERR_INTERNAL;
}

tllm_status activate_aborts(void *, const tllm_call *) {
    std::abort();
}

// A well-behaved failure: a status and a message, as a backend whose server is down reports it.
tllm_status activate_fails(void *, const tllm_call *call) {
    call->set_error(call, TLLM_ERR_UNAVAILABLE, "activate: the server is down (on purpose)");
    return TLLM_ERR_UNAVAILABLE;
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

constexpr tllm_node_v1 kThrows{sizeof(tllm_node_v1), process_throws, nullptr};
// Writes to its process's stdout, which a plugin must never do: in its own process that lands on
// stderr, never in the command's data.
tllm_status process_prints(void *, const tllm_call *call, const char *) {
    std::fputs("raw_print was here\n", stdout);
    std::fflush(stdout);
    call->set_output(call, "{\"set\":{}}");
    return TLLM_OK;
}

constexpr tllm_node_v1 kIgnoresCancel{sizeof(tllm_node_v1), process_ignores_cancel, nullptr};
constexpr tllm_node_v1 kPrints{sizeof(tllm_node_v1), process_prints, nullptr};
constexpr tllm_node_v1 kSegfaults{sizeof(tllm_node_v1), process_segfaults, nullptr};
constexpr tllm_node_v1 kAborts{sizeof(tllm_node_v1), process_aborts, nullptr};
constexpr tllm_node_v1 kOk{sizeof(tllm_node_v1), process_ok, nullptr};

#define RAW_NODE(name, description, create_fn, activate_fn, table)                                 \
    tllm_component {                                                                               \
        sizeof(tllm_component), TLLM_KIND_NODE, name, description, kNoConfig, 0, create_fn,        \
            activate_fn, destroy, &table                                                           \
    }

const tllm_component kComponents[] = {
    RAW_NODE("raw_ok", "returns the message unchanged (the well-behaved neighbour)", create_ok,
             nullptr, kOk),
    RAW_NODE("raw_print", "writes to stdout, which a plugin must not", create_ok, nullptr, kPrints),
    RAW_NODE("raw_throw", "throws a C++ exception out of process()", create_ok, nullptr, kThrows),
    RAW_NODE("raw_throw_create", "throws a C++ exception out of create()", create_throws, nullptr,
             kOk),
    RAW_NODE("raw_spin", "loops forever without polling cancellation", create_ok, nullptr,
             kIgnoresCancel),
    RAW_NODE("raw_segv", "raises SIGSEGV in process()", create_ok, nullptr, kSegfaults),
    RAW_NODE("raw_abort", "calls abort() in process()", create_ok, nullptr, kAborts),
    RAW_NODE("raw_segv_create", "raises SIGSEGV in create()", create_segfaults, nullptr, kOk),
    RAW_NODE("raw_abort_create", "calls abort() in create()", create_aborts, nullptr, kOk),
    RAW_NODE("raw_throw_activate", "throws a C++ exception out of activate()", create_ok,
             activate_throws, kOk),
    RAW_NODE("raw_spin_activate", "loops forever in activate() without polling cancellation",
             create_ok, activate_ignores_cancel, kOk),
    RAW_NODE("raw_segv_activate", "raises SIGSEGV in activate()", create_ok, activate_segfaults,
             kOk),
    RAW_NODE("raw_abort_activate", "calls abort() in activate()", create_ok, activate_aborts, kOk),
    RAW_NODE("raw_fail_activate", "fails activate() with unavailable and a message", create_ok,
             activate_fails, kOk),
};

const tllm_plugin_descriptor kDescriptor = {
    TLLM_ABI_VERSION_INIT,
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
