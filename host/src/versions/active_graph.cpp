#include "versions/active_graph.hpp"

#include "graph/graph_def.hpp"
#include "versions/canonical.hpp"

namespace tinyllm::versions {

store::GraphVersionRecord file_record(const graph::GraphDef &def) {
    if (!def.document || !def.text) {
        throw Error(ErrorCode::internal, "graph " + def.id + " was not read from a file");
    }
    store::GraphVersionRecord r;
    r.graph_id = def.id;
    r.version = def.version;
    r.hash = content_hash(*def.document);
    r.origin = store::VersionOrigin::file;
    r.source = def.source.string();
    r.definition = *def.text;
    return r;
}

std::string version_name(const std::string &graph_id, const std::string &version) {
    return graph_id + "@" + version;
}

graph::GraphDef load_version(const store::GraphVersionRecord &version) {
    graph::GraphDef def = graph::load_graph_def_text(
        version.definition, version_name(version.graph_id, version.version));
    def.version = version.version;
    return def;
}

ActiveGraph resolve_active(store::GraphStore &store, graph::GraphDef file_def) {
    const store::GraphVersionRecord file = file_record(file_def);
    store::GraphVersionRecord active = store.register_file_version(file);
    if (active.hash == file.hash) {
        file_def.version = active.version;
        return {std::move(file_def), std::move(active)};
    }
    graph::GraphDef def = load_version(active);
    return {std::move(def), std::move(active)};
}

} // namespace tinyllm::versions
