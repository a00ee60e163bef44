// Editing a graph document — a graph file as JSON (docs/graphs.md#format): finding nodes and
// edges, the gates that check a node, fresh ids, copies of nodes, and removing a node with its
// edges. The mutation strategies build their candidates with these, so that they agree on what
// "the node's gate" or "a unique id" means.
#pragma once

#include "tinyllm/json.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::graph_edit {

// A member's string, or "" when absent or not a string.
std::string string_of(const json::Value &object, std::string_view key);

// Put `value` at `object[key]`, replacing what is there.
void set_member(json::Value &object, std::string_view key, json::Value value,
                json::Allocator &alloc);

// A deep copy of `value` as a document of its own (a candidate's graph).
json::Document copy_document(const json::Value &value);

// The index of node `id` in graph.nodes.
std::optional<size_t> find_node(const json::Value &graph, std::string_view id);
// The node `id`, or nullptr.
const json::Value *node(const json::Value &graph, std::string_view id);
json::Value *node(json::Value &graph, std::string_view id);
// Its config object, made an empty object first when absent.
json::Value &config_of(json::Value &node, json::Allocator &alloc);

// Indexes into graph.edges of the edges leaving / reaching node `id`, in file order.
std::vector<size_t> outgoing(const json::Value &graph, std::string_view id);
std::vector<size_t> incoming(const json::Value &graph, std::string_view id);

// The gates that check node `id`: its successors of type `gate` with an edge back to it (the
// retry/escalate loop of docs/graphs.md#the-default-graph), in the order of its edges.
std::vector<std::string> gate_loop(const json::Value &graph, std::string_view id);

bool is_entry(const json::Value &graph, std::string_view id);
bool is_exit(const json::Value &graph, std::string_view id);

// Whether a path of edges leads from node `id` back to itself.
bool on_cycle(const json::Value &graph, std::string_view id);

// A node id is ^[A-Za-z0-9_.-]+$.
bool valid_id(std::string_view id);
// `text` made into an id part (a router's route too: ^[a-z0-9_.-]+$): lower case, other
// characters as '_', runs of '_' collapsed; "" for text with no letter or digit.
std::string id_part(std::string_view text);
// `base` when no node has it, else base.2, base.3...
std::string unique_id(const json::Value &graph, std::string_view base);

// A copy of `node` named `id` (config, retry, limits and all).
json::Value copy_node(const json::Value &node, std::string_view id, json::Allocator &alloc);
// Put `node` into graph.nodes right after node `after` (at the end when there is none), so
// the file reads in the order it runs.
void insert_node_after(json::Value &graph, std::string_view after, json::Value node,
                       json::Allocator &alloc);
// Append {from, to, when} to graph.edges (no `when` when it is "").
void add_edge(json::Value &graph, std::string_view from, std::string_view to, std::string_view when,
              json::Allocator &alloc);
// Remove node `id` and every edge from or to it (entry and exits are the caller's).
void remove_node(json::Value &graph, std::string_view id);

// The condition of a gate's pass edge and of its loop back to the node it checks.
inline constexpr const char *kPassWhen = R"(route == "pass")";
inline constexpr const char *kRetryWhen = R"(route in ["retry", "escalate"])";

} // namespace tinyllm::graph_edit
