// The graphs `tinyllm serve` offers as models: each config graph under the model name
// "tinyllm/<name>", built once at start (a graph that does not build is listed with its error
// and answers every request with it).
#pragma once

#include "graph/graph.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::serve {

inline constexpr std::string_view kModelPrefix = "tinyllm/";

struct ServedGraph {
    std::string name;  // the graph file's stem: "default"
    std::string model; // what clients ask for: "tinyllm/default"
    std::string id;    // the graph's own id and version, from the file
    std::string version;
    std::string description;
    std::shared_ptr<const graph::Graph> graph; // null when it did not build
    std::string error;                         // why it did not
    // Its answer may be replaced before the run ends (an answer node that is not an exit: a
    // gate after it can send the request back): a streamed response then sends the answer once
    // it is final.
    bool holds_answer = false;

    // It takes tools from a request (its graph file's request_tools).
    bool takes_tools() const noexcept { return graph && graph->def.request_tools; }
    // It answers in a request's format (its graph file's request_format).
    bool takes_format() const noexcept { return graph && graph->def.request_format; }
};

// True when the run's answer, as it streams, can be replaced by a later draft: a node that
// writes the answer is not an exit. (A retry after a failure also restarts the answer; that is
// rare enough to stream anyway, and graph_call.hpp says what a client then gets.)
bool answer_may_change(const graph::Graph &graph);

// "tinyllm/default" and "tinyllm/default:latest" name the graph "default"; nullopt for a name
// that is not a graph's (a backend's model).
std::optional<std::string> graph_name_of(std::string_view model);

class GraphCatalog {
public:
    void add(ServedGraph graph);
    // The graph a model name asks for, or null (graph_name_of says whether it is one at all).
    const ServedGraph *find(std::string_view model) const;
    const std::vector<ServedGraph> &graphs() const noexcept { return graphs_; }

private:
    std::vector<ServedGraph> graphs_;
};

// Why `model` is not served: no such graph (naming the served ones), or not a graph at all.
std::string unknown_model(const GraphCatalog &graphs, const std::string &model);

} // namespace tinyllm::serve
