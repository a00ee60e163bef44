// One instance of a tinyllm.backend/1 component (a configured model server), wrapped so the
// rest of the host calls typed C++ functions that throw tinyllm::Error.
#pragma once

#include "plugin/registry.hpp"
#include "runtime/call_context.hpp"
#include "runtime/instance_host.hpp"

#include <mutex>
#include <string>

namespace tinyllm::runtime {

class Backend {
public:
    // Creates the instance; `config_json` must already satisfy the component's schema.
    Backend(std::string name, plugin::ComponentRef ref, const std::string &config_json,
            HostServices *services);
    ~Backend();
    Backend(const Backend &) = delete;
    Backend &operator=(const Backend &) = delete;

    const std::string &name() const noexcept { return name_; }
    const char *type() const noexcept { return ref_.component->name; }

    std::string chat(CallContext &call, const std::string &request_json);
    std::string generate(CallContext &call, const std::string &request_json);
    std::string embed(CallContext &call, const std::string &request_json);
    std::string list_models(CallContext &call);
    std::string show_model(CallContext &call, const std::string &request_json);
    std::string pull_model(CallContext &call, const std::string &request_json);
    std::string server_version(CallContext &call);

private:
    template <class Fn, class... Args>
    std::string invoke(const char *what, Fn fn, CallContext &call, Args... args);

    std::string name_;
    plugin::ComponentRef ref_;
    const tllm_backend_v1 *vtable_;
    InstanceHost host_;
    void *instance_ = nullptr;
    std::mutex serial_; // used only for TLLM_COMPONENT_SERIALIZED components
};

} // namespace tinyllm::runtime
