#include "runtime/node.hpp"

#include "tinyllm/json.hpp"

namespace tinyllm::runtime {

Node::Node(const std::string &node_id, plugin::ComponentRef ref, const std::string &config_json,
           HostServices *services)
    : instance_("node", node_id, ref, config_json, services),
      vtable_(static_cast<const tllm_node_v1 *>(ref.component->vtable)) {}

std::string Node::process(CallContext &call, const std::string &message_json) {
    return instance_.invoke("process", TLLM_TABLE_FN(vtable_, tllm_node_v1, process), call,
                            message_json.c_str());
}

std::optional<std::vector<std::string>> Node::routes() const {
    if (!TLLM_HAS_FIELD(vtable_, tllm_node_v1, routes) || vtable_->routes == nullptr) {
        return std::nullopt;
    }
    const char *text = vtable_->routes(instance_.handle());
    if (text == nullptr) return std::nullopt;
    const auto bad = [&](const std::string &why) {
        return Error(ErrorCode::plugin,
                     std::string("node type ") + type() + " declares its routes wrongly: " + why);
    };
    json::Document doc;
    try {
        doc = json::parse(text, "routes");
    } catch (const Error &e) {
        throw bad(e.what());
    }
    if (!doc.IsArray()) throw bad("not a JSON array");
    std::vector<std::string> routes;
    for (const auto &r : doc.GetArray()) {
        if (!r.IsString()) throw bad("not a list of strings");
        routes.emplace_back(r.GetString(), r.GetStringLength());
    }
    return routes;
}

} // namespace tinyllm::runtime
