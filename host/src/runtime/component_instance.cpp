#include "runtime/component_instance.hpp"

#include <atomic>

namespace tinyllm::runtime {

namespace {
std::atomic<const std::string *> activating{nullptr};
} // namespace

const std::string *activating_now() noexcept {
    return activating.load();
}

void ComponentInstance::throw_escaped_exception(std::string_view what) const {
    std::string message;
    try {
        throw;
    } catch (const std::exception &e) {
        message = e.what();
    } catch (...) {
        message = "an exception that is not a std::exception";
    }
    const char *plugin = ref_.plugin != nullptr ? ref_.plugin->descriptor->id : "?";
    throw Error(ErrorCode::plugin, label_ + " " + std::string(what) + ": plugin " + plugin +
                                       " let a C++ exception cross the C ABI (a bug in the "
                                       "plugin): " +
                                       message);
}

ComponentInstance::ComponentInstance(std::string_view role, const std::string &name,
                                     plugin::ComponentRef ref, const std::string &config_json,
                                     HostServices *services)
    : label_(std::string(role) + " " + name),
      ref_(ref), site_{ref.plugin != nullptr ? ref.plugin->descriptor->id : "?",
                       ref.component->name, label_.c_str()},
      host_(std::string(ref.component->name) + ":" + name, services) {
    char error[512] = {};
    tllm_status st = TLLM_OK;
    try {
        const ActiveCall active(site_, "create");
        st = ref_.component->create(host_.raw(), config_json.c_str(), &instance_, error,
                                    sizeof error);
    } catch (...) {
        throw_escaped_exception("create");
    }
    error[sizeof error - 1] = '\0';
    if (st != TLLM_OK || instance_ == nullptr) {
        // The plugin rejecting its config is a config problem the user fixes in a file; any
        // other failure is the plugin's.
        const ErrorCode code =
            st == TLLM_ERR_INVALID_ARGUMENT ? ErrorCode::config : ErrorCode::plugin;
        throw Error(code, label_ + " (" + ref_.component->name + "): create failed: " +
                              (error[0] ? error : std::string(status_name(st))));
    }
}

void ComponentInstance::activate(CallContext &call) {
    const auto fn = TLLM_TABLE_FN(ref_.component, tllm_component, activate);
    if (fn == nullptr) return;
    tllm_status st = TLLM_OK;
    activating.store(&label_);
    try {
        const ActiveCall active(site_, "activate");
        st = fn(instance_, call.raw());
    } catch (...) {
        activating.store(nullptr);
        throw_escaped_exception("activate");
    }
    activating.store(nullptr);
    if (st == TLLM_OK) return;
    try {
        call.take_output(st, "the plugin");
    } catch (const Error &e) {
        const ErrorCode code =
            e.code() == ErrorCode::invalid_argument ? ErrorCode::config : e.code();
        throw Error(code, label_ + " (" + ref_.component->name + "): activate failed: " + e.what());
    }
}

ComponentInstance::~ComponentInstance() {
    if (instance_ != nullptr) ref_.component->destroy(instance_);
}

} // namespace tinyllm::runtime
