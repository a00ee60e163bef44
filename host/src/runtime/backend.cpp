#include "runtime/backend.hpp"

#include "tinyllm/json.hpp"

#include <optional>

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

std::vector<ServerModel> Backend::models(CallContext &call) {
    const std::string what = "the list of models";
    const json::Document doc = json::parse_object(list_models(call), what, ErrorCode::protocol);
    const auto wrong = [&](const std::string &why) {
        return Error(ErrorCode::protocol, what + " is not {\"models\": [...]}: " + why);
    };
    const json::Value *list = json::find(doc, "models");
    if (list == nullptr) throw wrong("it has no \"models\"");
    if (!list->IsArray()) {
        throw wrong("\"models\" is " + json::type_phrase(*list) + ", not an array");
    }
    std::vector<ServerModel> models;
    for (const json::Value &entry : list->GetArray()) {
        const std::optional<std::string> model_name =
            entry.IsObject() ? json::get_string(entry, "name") : std::nullopt;
        if (!model_name) throw wrong("entry " + std::to_string(models.size() + 1) + " has no name");
        const json::Value *details = json::find(entry, "details");
        models.push_back({*model_name, json::get_int(entry, "size").value_or(0),
                          details != nullptr && details->IsObject() &&
                              json::get_bool(*details, "simulated").value_or(false)});
    }
    return models;
}

} // namespace tinyllm::runtime
