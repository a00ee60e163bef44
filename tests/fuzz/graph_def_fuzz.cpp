// The graph loader (host/src/graph/graph_def.cpp): the input is the contents of a graph file
// (config/graphs/*.yaml), loaded by load_graph_def, the function `tinyllm run`, `graph check`
// and `validate` call for every graph file: YAML, the graph schema, semantic versions, unique
// node ids, entry/exits/edges naming known nodes, "else" edges and every edge condition parsed
// (with its error mapped back to file:line:column).
// Expected: tinyllm::Error (ErrorCode::config). Anything else is a finding.
#include "fuzz_support.hpp"
#include "graph/graph_def.hpp"

#include "tinyllm/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static tinyllm::fuzz::InputFile file("graph.yaml");
    const auto &path = file.write(data, size);
    try {
        const tinyllm::graph::GraphDef def = tinyllm::graph::load_graph_def(path);
        // What the loader promises of a graph it accepts.
        if (def.nodes.empty() || def.exits.empty() || def.id.empty()) {
            tinyllm::fuzz::fail("load_graph_def accepted a graph without nodes, exits or id");
        }
        if (!tinyllm::graph::is_semver(def.version)) {
            tinyllm::fuzz::fail("load_graph_def accepted a version that is not semver",
                                def.version);
        }
    } catch (const tinyllm::Error &e) {
        if (e.code() != tinyllm::ErrorCode::config) {
            tinyllm::fuzz::fail("load_graph_def threw an error that is not ErrorCode::config",
                                e.what());
        }
    } catch (const std::exception &e) {
        tinyllm::fuzz::fail_unexpected(e);
    }
    return 0;
}
