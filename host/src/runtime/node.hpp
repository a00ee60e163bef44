// One instance of a tinyllm.node/1 component: one node of a built graph.
#pragma once

#include "runtime/component_instance.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tinyllm::runtime {

class Node {
public:
    // `node_id` is the graph's id for the node; `config_json` must satisfy the schema.
    Node(const std::string &node_id, plugin::ComponentRef ref, const std::string &config_json,
         HostServices *services);

    const char *type() const noexcept { return instance_.component().name; }
    // Once, on the loading thread, before the first call (ComponentInstance::activate).
    void activate(CallContext &call) { instance_.activate(call); }

    // The node's output document {"message": {...}, "route": "..."}; throws Error.
    std::string process(CallContext &call, const std::string &message_json);

    // The routes the node declares it may return (tllm_node_v1.routes), or nullopt when it
    // does not say. Throws Error(plugin) when the declaration is not a JSON array of strings.
    std::optional<std::vector<std::string>> routes() const;

private:
    ComponentInstance instance_;
    const tllm_node_v1 *vtable_;
};

} // namespace tinyllm::runtime
