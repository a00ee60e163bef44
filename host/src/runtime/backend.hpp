// One instance of a tinyllm.backend/1 component (a configured model server), with typed calls
// that throw tinyllm::Error.
#pragma once

#include "runtime/component_instance.hpp"

#include <string>

namespace tinyllm::runtime {

class Backend {
public:
    // Creates the instance; `config_json` must already satisfy the component's schema.
    Backend(std::string name, plugin::ComponentRef ref, const std::string &config_json,
            HostServices *services);

    const std::string &name() const noexcept { return name_; }
    const char *type() const noexcept { return instance_.component().name; }
    // Once, on the loading thread, before the first call (ComponentInstance::activate).
    void activate(CallContext &call) { instance_.activate(call); }

    std::string chat(CallContext &call, const std::string &request_json);
    std::string generate(CallContext &call, const std::string &request_json);
    std::string embed(CallContext &call, const std::string &request_json);
    std::string list_models(CallContext &call);
    std::string show_model(CallContext &call, const std::string &request_json);
    std::string pull_model(CallContext &call, const std::string &request_json);
    std::string server_version(CallContext &call);

private:
    std::string name_;
    ComponentInstance instance_;
    const tllm_backend_v1 *vtable_;
};

} // namespace tinyllm::runtime
