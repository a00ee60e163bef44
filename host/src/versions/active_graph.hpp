// Which version of a graph runs: the operator's file is recorded as a version when its content
// is new (and then runs), otherwise the graph's active version does (a promoted candidate, a
// rollback). Stored versions are loaded with the checks a graph file gets.
#pragma once

#include "graph/graph.hpp"
#include "store/graph_store.hpp"

#include <string>

namespace tinyllm::versions {

struct ActiveGraph {
    graph::GraphDef def; // of the version to run; def.version is its recorded label
    store::GraphVersionRecord version;
};

// The record of a graph read from its file: content hash, the text as written, the version it
// declares, the file as source.
store::GraphVersionRecord file_record(const graph::GraphDef &def);

// GraphStore::register_file_version for `file_def`, then the def of the version to run: the
// file's own when it is the active version, else the active version loaded from the store.
ActiveGraph resolve_active(store::GraphStore &store, graph::GraphDef file_def);

// A stored version's definition, checked as a graph file is; messages name it
// "GRAPH@VERSION:LINE:COL". Error(config) when it no longer passes (a check added since).
graph::GraphDef load_version(const store::GraphVersionRecord &version);

// "default@3.1.0"
std::string version_name(const std::string &graph_id, const std::string &version);

} // namespace tinyllm::versions
