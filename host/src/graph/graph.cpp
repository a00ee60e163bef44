#include "graph/graph.hpp"

namespace tinyllm::graph {

const Node *Graph::find(std::string_view id) const {
    for (const Node &node : nodes) {
        if (node.def != nullptr && node.def->id == id) return &node;
    }
    return nullptr;
}

} // namespace tinyllm::graph
