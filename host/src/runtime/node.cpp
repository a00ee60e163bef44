#include "runtime/node.hpp"

namespace tinyllm::runtime {

Node::Node(const std::string &node_id, plugin::ComponentRef ref, const std::string &config_json,
           HostServices *services)
    : instance_("node", node_id, ref, config_json, services),
      vtable_(static_cast<const tllm_node_v1 *>(ref.component->vtable)) {}

std::string Node::process(CallContext &call, const std::string &message_json) {
    return instance_.invoke("process", TLLM_TABLE_FN(vtable_, tllm_node_v1, process), call,
                            message_json.c_str());
}

} // namespace tinyllm::runtime
