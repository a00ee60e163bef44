#include "runtime/backend.hpp"

#include "tinyllm/error.hpp"

namespace tinyllm::runtime {

Backend::Backend(std::string name, plugin::ComponentRef ref, const std::string &config_json,
                 HostServices *services)
    : name_(std::move(name)), ref_(ref),
      vtable_(static_cast<const tllm_backend_v1 *>(ref.component->vtable)),
      host_(std::string(ref.component->name) + ":" + name_, services) {
    if (vtable_->struct_size < sizeof(uint32_t)) {
        throw Error(ErrorCode::plugin, "backend " + name_ + ": invalid vtable");
    }
    char error[512] = {};
    const tllm_status st =
        ref_.component->create(host_.raw(), config_json.c_str(), &instance_, error, sizeof error);
    error[sizeof error - 1] = '\0';
    if (st != TLLM_OK || instance_ == nullptr) {
        throw Error(ErrorCode::plugin, "backend " + name_ + " (" + ref_.component->name +
                                           "): create failed: " +
                                           (error[0] ? error : std::string(status_name(st))));
    }
}

Backend::~Backend() {
    if (instance_ != nullptr) ref_.component->destroy(instance_);
}

template <class Fn, class... Args>
std::string Backend::invoke(const char *what, Fn fn, CallContext &call, Args... args) {
    const std::string label = "backend " + name_ + " " + what;
    if (fn == nullptr) {
        throw Error(ErrorCode::unsupported,
                    "backend " + name_ + " (" + ref_.component->name + ") does not support " + what);
    }
    if (call.cancelled()) throw Error(ErrorCode::cancelled, label + ": cancelled");
    std::unique_lock<std::mutex> lock(serial_, std::defer_lock);
    if (ref_.component->flags & TLLM_COMPONENT_SERIALIZED) lock.lock();
    const tllm_status st = fn(instance_, call.raw(), args...);
    return call.take_output(st, label);
}

// A field is only read if the plugin's vtable is big enough to contain it (tables grow at the
// end within a major version).
#define TLLM_BACKEND_FN(field)                                                                  \
    (vtable_->struct_size >= offsetof(tllm_backend_v1, field) + sizeof(vtable_->field)          \
         ? vtable_->field                                                                      \
         : nullptr)

std::string Backend::chat(CallContext &call, const std::string &request_json) {
    return invoke("chat", TLLM_BACKEND_FN(chat), call, request_json.c_str());
}
std::string Backend::generate(CallContext &call, const std::string &request_json) {
    return invoke("generate", TLLM_BACKEND_FN(generate), call, request_json.c_str());
}
std::string Backend::embed(CallContext &call, const std::string &request_json) {
    return invoke("embed", TLLM_BACKEND_FN(embed), call, request_json.c_str());
}
std::string Backend::list_models(CallContext &call) {
    return invoke("list_models", TLLM_BACKEND_FN(list_models), call);
}
std::string Backend::show_model(CallContext &call, const std::string &request_json) {
    return invoke("show_model", TLLM_BACKEND_FN(show_model), call, request_json.c_str());
}
std::string Backend::pull_model(CallContext &call, const std::string &request_json) {
    return invoke("pull_model", TLLM_BACKEND_FN(pull_model), call, request_json.c_str());
}
std::string Backend::server_version(CallContext &call) {
    return invoke("server_version", TLLM_BACKEND_FN(server_version), call);
}

#undef TLLM_BACKEND_FN

} // namespace tinyllm::runtime
