// What the run store keeps about graph versions: every graph that ran or was proposed, addressed
// by the hash of its content, with a semantic version, its parent and who made it
// (GraphVersionRecord, table graph_versions); the one active version of each graph (graph_active)
// and every change of it (GraphEvent, graph_events). Promotion and rollback change the active
// version in one transaction, so a process killed in the middle leaves exactly one active.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::store {

enum class VersionOrigin { file, mutation, ablation };
std::string_view to_string(VersionOrigin origin) noexcept;
std::optional<VersionOrigin> parse_version_origin(std::string_view text) noexcept;

struct GraphVersionRecord {
    std::string graph_id;
    std::string version; // semantic version, unique per graph
    std::string hash;    // sha256 hex of the canonical content (versions/canonical.hpp)
    std::string parent;  // the version it was made from; "" for the first
    VersionOrigin origin = VersionOrigin::file;
    std::string strategy;      // the mutation that made it
    std::string rationale;     // the mutation's, or why a file version was recorded
    std::string touched_nodes; // JSON array; "" = []
    std::string source;        // the file read, or "mutation NAME"
    std::string definition;    // the graph as YAML
    int64_t created_at_ms = 0; // 0 = now
    std::optional<int64_t> retired_at_ms;
};

enum class GraphEventKind { file, promotion, rollback, auto_rollback };
std::string_view to_string(GraphEventKind kind) noexcept;

struct GraphEvent {
    int64_t id = 0;
    std::string graph_id;
    int64_t at_ms = 0;
    GraphEventKind kind = GraphEventKind::file;
    std::string from_version; // "" when the graph had no active version
    std::string to_version;
    std::string experiment_id; // of a promotion or an automatic rollback
    std::string reason;
};

// The label a new version gets. A file keeps the version it declares unless another content
// already has it: then "3.0.0+<first 8 hex digits of the hash>". A mutation of PARENT gets the
// next free minor version of PARENT's major (3.0.0 -> 3.1.0, or 3.2.0 when 3.1.0 exists).
std::string file_version_label(std::string_view declared, std::string_view hash,
                               const std::vector<std::string> &taken);
std::string next_minor_label(std::string_view parent, const std::vector<std::string> &taken);

} // namespace tinyllm::store
