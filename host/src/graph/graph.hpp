// A graph: its definition as written in config/graphs/*.yaml (GraphDef), and the built form the
// executor runs (Graph): node instances created from plugins, conditions compiled, edges
// resolved to indexes. Building validates everything that can be known before a run.
#pragma once

#include "config/source_map.hpp"
#include "graph/condition.hpp"
#include "runtime/node.hpp"
#include "tinyllm/json.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::graph {

struct RetryPolicy {
    int max_attempts = 1;          // 1 = no retry
    int64_t backoff_ms = 200;      // before the 2nd attempt; doubles each time
    int64_t max_backoff_ms = 5000; // cap
};

// How a node waits for the branches of a fan-out that reach it.
enum class JoinMode {
    none,          // not a join: every arriving message runs the node
    all,           // wait for every branch, then run once with the merged message
    first_success, // run with the first branch that arrives; cancel the others
};

struct NodeDef {
    std::string id;
    std::string type;                          // a tinyllm.node/1 component name
    std::shared_ptr<const json::Value> config; // {} when absent
    config::Located config_source;
    int64_t timeout_ms = 0; // per attempt; 0 = only the run's budget applies
    RetryPolicy retry;
    int max_visits = 0; // how often one run may enter the node; 0 = not set
    JoinMode join = JoinMode::none;
    std::optional<bool> answer; // its tokens are the answer the user sees; unset: if an exit
    config::SourceLocation location;
};

struct EdgeDef {
    std::string from;
    std::string to;
    std::string when; // condition text; "" = always; "else" = when no other edge of `from` matched
    config::SourceLocation location;      // of the edge entry
    config::SourceLocation when_location; // of the condition's first character
};

struct Limits {
    int max_steps = 100; // node executions per run (all branches), a safety net for loops
    int64_t timeout_ms =
        0; // wall-clock budget of a run; 0 = the caller's (limits.request_timeout_ms)
};

struct GraphDef {
    std::filesystem::path source;
    // The text it was read from and the checked document (defaults filled in): what graph
    // versions hash, store and hand to mutations. Null for a def built in code.
    std::shared_ptr<const std::string> text;
    std::shared_ptr<const json::Document> document;
    std::string id;
    std::string version; // semantic version "1.2.0"
    std::string description;
    std::string entry;
    std::vector<std::string> exits;
    bool request_tools = false;  // takes a request's tools (tinyllm serve): see graph_def.cpp
    bool request_format = false; // answers in a request's format (tinyllm serve): see graph_def.cpp
    Limits limits;
    std::vector<NodeDef> nodes;
    std::vector<EdgeDef> edges;
};

struct Edge {
    size_t to = 0;
    std::optional<Condition> when; // none = always
    bool is_else = false;
};

struct Node {
    size_t index = 0;
    const NodeDef *def = nullptr;
    std::unique_ptr<runtime::Node> instance; // null when built without instances (validate)
    std::vector<Edge> out;
    bool is_exit = false;
    bool writes_answer = false; // def->answer, or is_exit when unset
};

class Graph {
public:
    GraphDef def;
    std::vector<Node> nodes; // same order as def.nodes
    size_t entry = 0;
    std::vector<std::string> warnings; // "file:line:col: ..." lines, e.g. possible dead ends

    const Node *find(std::string_view id) const;
};

} // namespace tinyllm::graph
