#include "runtime/backend.hpp"

namespace tinyllm::runtime {

Backend::Backend(std::string name, plugin::ComponentRef ref, const std::string &config_json,
                 HostServices *services)
    : name_(std::move(name)), instance_("backend", name_, ref, config_json, services),
      vtable_(static_cast<const tllm_backend_v1 *>(ref.component->vtable)) {}

#define FN(field) TLLM_TABLE_FN(vtable_, tllm_backend_v1, field)

std::string Backend::chat(CallContext &call, const std::string &request_json) {
    return instance_.invoke("chat", FN(chat), call, request_json.c_str());
}
std::string Backend::generate(CallContext &call, const std::string &request_json) {
    return instance_.invoke("generate", FN(generate), call, request_json.c_str());
}
std::string Backend::embed(CallContext &call, const std::string &request_json) {
    return instance_.invoke("embed", FN(embed), call, request_json.c_str());
}
std::string Backend::list_models(CallContext &call) {
    return instance_.invoke("list_models", FN(list_models), call);
}
std::string Backend::show_model(CallContext &call, const std::string &request_json) {
    return instance_.invoke("show_model", FN(show_model), call, request_json.c_str());
}
std::string Backend::pull_model(CallContext &call, const std::string &request_json) {
    return instance_.invoke("pull_model", FN(pull_model), call, request_json.c_str());
}
std::string Backend::server_version(CallContext &call) {
    return instance_.invoke("server_version", FN(server_version), call);
}

#undef FN

} // namespace tinyllm::runtime
