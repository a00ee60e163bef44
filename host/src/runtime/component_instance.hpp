// One instance of a plugin component: created from its config, destroyed with this object, and
// invoked under the component's concurrency rule. Backend and Node wrap it with typed calls.
#pragma once

#include "plugin/registry.hpp"
#include "runtime/call_context.hpp"
#include "runtime/crash_report.hpp"
#include "runtime/instance_host.hpp"

#include <mutex>
#include <string>

namespace tinyllm::runtime {

class ComponentInstance {
public:
    // `role` and `name` name the instance in errors ("backend local", "node answer") and logs
    // ("ollama:local"); `config_json` must already satisfy the component's schema.
    ComponentInstance(std::string_view role, const std::string &name, plugin::ComponentRef ref,
                      const std::string &config_json, HostServices *services);
    ~ComponentInstance();
    ComponentInstance(const ComponentInstance &) = delete;
    ComponentInstance &operator=(const ComponentInstance &) = delete;

    const std::string &label() const noexcept { return label_; }

    // The component's activate (when it has one), once, before the first call: on the loading
    // thread, with host services available. Throws Error naming the instance; a component
    // rejecting its setup (TLLM_ERR_INVALID_ARGUMENT: a tool its config names does not exist)
    // is a config error, anything else the plugin's.
    void activate(CallContext &call);
    const tllm_component &component() const noexcept { return *ref_.component; }
    void *handle() const noexcept { return instance_; }

    // Calls `fn(instance, call.raw(), args...)` (NULL fn = unsupported), holding the serial
    // lock when the component asks for it, and returns the call's output or throws its error.
    template <class Fn, class... Args>
    std::string invoke(const char *what, Fn fn, CallContext &call, Args... args) {
        if (fn == nullptr) {
            throw Error(ErrorCode::unsupported,
                        label_ + " (" + ref_.component->name + ") does not support " + what);
        }
        if (call.cancelled())
            throw Error(ErrorCode::cancelled, label_ + " " + what + ": cancelled");
        std::unique_lock<std::mutex> lock(serial_, std::defer_lock);
        if (ref_.component->flags & TLLM_COMPONENT_SERIALIZED) lock.lock();
        tllm_status st = TLLM_OK;
        try {
            const ActiveCall active(site_, what);
            st = fn(instance_, call.raw(), args...);
        } catch (...) {
            throw_escaped_exception(what);
        }
        if (st == TLLM_OK && call.has_output()) return call.take_output(st, {});
        return call.take_output(st, label_ + " " + what); // names the instance in the error
    }

private:
    // A C++ exception must not cross the C ABI; one that did is a bug in the plugin, reported
    // as such with the instance, the component and the plugin named (the node's row in the
    // trace then records it like any failure). Call from inside a catch block.
    [[noreturn]] void throw_escaped_exception(std::string_view what) const;

    std::string label_;
    plugin::ComponentRef ref_;
    CallSite site_; // names this instance to the crash handler
    InstanceHost host_;
    void *instance_ = nullptr;
    std::mutex serial_;
};

// The label of the instance whose activate is running right now ("node answer"), or null: for
// the watchdog that ends a command whose plugin never returns from activate. [any-thread]
const std::string *activating_now() noexcept;

// A field of a plugin's function table, or NULL when the plugin's table is too old to have it
// (tables grow at the end within a major version and carry their struct_size).
#define TLLM_TABLE_FN(table, type, field)                                                          \
    (TLLM_HAS_FIELD(table, type, field) ? (table)->field : nullptr)

} // namespace tinyllm::runtime
