#include "serve/graph_catalog.hpp"

namespace tinyllm::serve {

bool answer_may_change(const graph::Graph &graph) {
    for (const graph::Node &node : graph.nodes) {
        if (node.writes_answer && !node.is_exit) return true;
    }
    return false;
}

std::optional<std::string> graph_name_of(std::string_view model) {
    if (model.substr(0, kModelPrefix.size()) != kModelPrefix) return std::nullopt;
    model.remove_prefix(kModelPrefix.size());
    if (model.size() > 7 && model.substr(model.size() - 7) == ":latest") {
        model.remove_suffix(7);
    }
    if (model.empty()) return std::nullopt;
    return std::string(model);
}

void GraphCatalog::add(ServedGraph graph) {
    graphs_.push_back(std::move(graph));
}

const ServedGraph *GraphCatalog::find(std::string_view model) const {
    const std::optional<std::string> name = graph_name_of(model);
    if (!name) return nullptr;
    for (const ServedGraph &g : graphs_)
        if (g.name == *name) return &g;
    return nullptr;
}

std::string unknown_model(const GraphCatalog &graphs, const std::string &model) {
    if (!graph_name_of(model)) {
        return "model \"" + model +
               "\" is not a TinyLLM graph (tinyllm/<graph>), and no Ollama backend (http://) "
               "takes requests for its own models passed through";
    }
    std::string known;
    for (const ServedGraph &g : graphs.graphs())
        known += (known.empty() ? "" : ", ") + g.model;
    return "model \"" + model +
           "\" not found: no such graph (served: " + (known.empty() ? std::string("none") : known) +
           ")";
}

} // namespace tinyllm::serve
