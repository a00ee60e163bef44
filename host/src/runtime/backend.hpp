// One instance of a tinyllm.backend/1 component (a configured model server), with typed calls
// that throw tinyllm::Error.
#pragma once

#include "runtime/component_instance.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tinyllm::runtime {

// A model the backend's server has (list_models: {"models": [{"name", "size", "details"}]}).
struct ServerModel {
    std::string name;
    int64_t size = 0;       // bytes; 0 when the server does not say
    bool simulated = false; // details.simulated: a simulated backend's model
};

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
    // list_models read: Error(protocol) naming the backend when the answer is not the list
    // above ("models" missing or not an array, an entry without a name), never an empty list.
    std::vector<ServerModel> models(CallContext &call);
    std::string show_model(CallContext &call, const std::string &request_json);
    std::string pull_model(CallContext &call, const std::string &request_json);
    std::string server_version(CallContext &call);

private:
    std::string name_;
    ComponentInstance instance_;
    const tllm_backend_v1 *vtable_;
};

} // namespace tinyllm::runtime
