// Building a GraphDef into the Graph the executor runs: node types resolved against the plugins,
// node configs checked against their components' schemas, conditions compiled, edges resolved to
// indexes, and the structure checked (reachability, a way out from every node, bounded loops).
#pragma once

#include "graph/graph.hpp"
#include "plugin/registry.hpp"
#include "runtime/instance_host.hpp"

#include <memory>

namespace tinyllm::graph {

// Build `def` (normally from load_graph_def). Throws Error(ErrorCode::config) naming
// file:line:col for: a node type no plugin provides as tinyllm.node/1 (with did-you-mean), a
// node config its component's schema rejects, a node the entry cannot reach, a node with no path
// to an exit, a cycle on which no node sets max_visits ("unbounded cycle a → b → a"), a node
// whose declared routes (runtime::Node::routes) do not fit its outgoing edges (an edge testing a
// route the node never returns; a declared route no edge can take, unless the node has no edges);
// and, for defs not checked by load_graph_def, edges naming unknown nodes or bad conditions.
// Adds warnings (Graph::warnings) for a non-exit node whose outgoing edges all have conditions
// and none is "else" (it may dead-end at run time) and for a join node that no fan-out reaches
// by two or more paths.
// Each node's config in the result has its schema's defaults filled in.
//
// How far the build goes:
// - definition: everything but the instances (a graph edited in memory, `tinyllm expansion`);
//   to read its declared routes, a node whose edges test `route` gets a throwaway instance
//   (created with no services, never activated; a failing create throws as below).
// - check: what `run` does while loading, without running anything (`graph validate`, `config
//   check`): every node is created, the tools and judges prepared and every node activated, with
//   `services` offline (HostServices::offline: a model call fails as unavailable without
//   contacting a server). An activation that stops at such a call is not an error: it adds the
//   warning that the node's activation needs the model server and was checked up to there.
// - run: each node gets its runtime::Node (services may be null when the nodes make no model or
//   tool calls); a failing create throws Error(ErrorCode::plugin) naming the node (config for a
//   config the plugin rejects). Then the tools and judges are prepared
//   (services->prepare_components) and every node is activated, in graph order, on this thread;
//   a failing activate throws naming the node (config for a setup the node rejects, e.g. a tool
//   that does not exist).
enum class BuildMode { definition, check, run };

std::unique_ptr<Graph> build_graph(GraphDef def, const plugin::Registry &registry,
                                   runtime::HostServices *services, BuildMode mode);

// One node made the way build_graph makes each node of a graph, for calling it on its own
// (`tinyllm node`): `def.type` looked up among the tinyllm.node/1 components, `def.config`
// (absent = {}) given its schema's defaults and validated against it (and replaced by the
// result, as in a built graph), then the instance created with `services`, named `def.id`, the
// tools prepared and the instance activated.
// Throws Error: not_found for an unknown type (with did-you-mean, or the available types),
// config for a config the schema rejects, plugin for a failing create (as build_graph).
std::unique_ptr<runtime::Node> build_node(NodeDef &def, const plugin::Registry &registry,
                                          runtime::HostServices *services);

} // namespace tinyllm::graph
