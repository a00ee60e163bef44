#include "graph/graph_builder.hpp"

#include "config/schema.hpp"
#include "config/suggest.hpp"
#include "graph/route_check.hpp"
#include "runtime/component_config.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace tinyllm::graph {

namespace {

using config::Located;

std::string in_quotes(const std::string &text) {
    return "\"" + text + "\"";
}

// ---- Where a problem is ----------------------------------------------------------------------

// Every node's config_source carries the positions of the whole file; a def built in code (not
// loaded from a file) has none, and its messages name the node instead of a line.
std::shared_ptr<const config::SourceMap> positions_of(const GraphDef &def) {
    for (const NodeDef &node : def.nodes) {
        if (node.config_source.positions) return node.config_source.positions;
    }
    return nullptr;
}

std::string prefixed(const config::SourceLocation &where, const std::string &message) {
    const std::string text = where.to_string();
    return text.empty() ? message : text + ": " + message;
}

// "file:line:col: nodes[2].type: message".
std::string describe_node(const GraphDef &def, size_t index, std::string_view relative,
                          const std::string &message) {
    const NodeDef &node = def.nodes[index];
    if (const auto positions = positions_of(def)) {
        const Located at{positions, "/nodes/" + std::to_string(index)};
        return at.describe(relative, message);
    }
    return prefixed(node.location, message);
}

// "file:line:col: edges[3]: message".
std::string describe_edge(const GraphDef &def, size_t index, std::string_view relative,
                          const std::string &message) {
    if (const auto positions = positions_of(def)) {
        const Located at{positions, "/edges/" + std::to_string(index)};
        return at.describe(relative, message);
    }
    return prefixed(def.edges[index].location, message);
}

// "file:line:col: edges[3].when: message", the column that of `offset` in the condition.
std::string describe_condition(const GraphDef &def, size_t index, size_t offset,
                               const std::string &message) {
    const EdgeDef &edge = def.edges[index];
    const std::string path = "edges[" + std::to_string(index) + "].when: ";
    config::SourceLocation where = edge.when_location;
    if (where.line == 0) return prefixed(where, path + message);
    const auto positions = positions_of(def);
    // Read back from the file, so quotes and escapes before the offset are counted right.
    const auto columns =
        positions
            ? positions->scalar_columns("/edges/" + std::to_string(index) + "/when", edge.when)
            : std::nullopt;
    if (columns && !columns->empty()) {
        where.column = (*columns)[std::min(offset, columns->size() - 1)];
    } else {
        where.column += offset;
    }
    return prefixed(where, path + message);
}

[[noreturn]] void fail(std::string message) {
    throw Error(ErrorCode::config, std::move(message));
}

// ---- Node types and configs -----------------------------------------------------------------

std::string unknown_type(const std::string &type, const plugin::Registry &registry) {
    std::vector<std::string> known;
    for (const plugin::ComponentRef &ref : registry.of_kind(TLLM_KIND_NODE)) {
        known.emplace_back(ref.component->name);
    }
    return "unknown node type " + in_quotes(type) +
           config::did_you_mean(type, known, "available", "no loaded plugin provides node types");
}

// One compiled schema per component, however many nodes use it.
class SchemaCache {
public:
    const config::Schema *get(const tllm_component &component) {
        if (component.config_schema == nullptr) return nullptr;
        auto it = schemas_.find(&component);
        if (it == schemas_.end()) {
            it = schemas_
                     .emplace(&component,
                              std::make_unique<config::Schema>(
                                  component.config_schema,
                                  std::string("config schema of node type ") + component.name))
                     .first;
        }
        return it->second.get();
    }

private:
    std::map<const tllm_component *, std::unique_ptr<config::Schema>> schemas_;
};

// The node's config with its schema's defaults, validated; it replaces NodeDef::config so that
// the instance, the executor and render(Graph) all see the same effective settings.
// A node's config is made as every component's is (runtime::prepare_config: defaults, x-env,
// validation), with the schema parsed once per component type.
void check_config(NodeDef &node, const tllm_component &component, SchemaCache &schemas) {
    const config::Schema *schema = schemas.get(component);
    if (schema == nullptr) return;
    auto config = std::make_shared<json::Document>(
        runtime::prepare_config(schema, *node.config, node.config_source, "node " + node.id).doc);
    node.config = std::shared_ptr<const json::Value>(config, config.get());
}

std::vector<plugin::ComponentRef> resolve_types(GraphDef &def, const plugin::Registry &registry) {
    std::vector<plugin::ComponentRef> refs;
    SchemaCache schemas;
    for (size_t i = 0; i < def.nodes.size(); ++i) {
        NodeDef &node = def.nodes[i];
        const plugin::ComponentRef ref = registry.find(TLLM_KIND_NODE, node.type);
        if (ref.component == nullptr) {
            fail(describe_node(def, i, "/type", unknown_type(node.type, registry)));
        }
        if (!node.config)
            node.config = std::make_shared<const json::Document>(rapidjson::kObjectType);
        check_config(node, *ref.component, schemas);
        refs.push_back(ref);
    }
    return refs;
}

// ---- Edges ------------------------------------------------------------------------------------

size_t node_index(const Graph &graph, size_t edge, const std::string &field,
                  const std::string &id) {
    if (const Node *node = graph.find(id)) return node->index;
    fail(describe_edge(graph.def, edge, "/" + field, "unknown node " + in_quotes(id)));
}

// load_graph_def has checked the condition already; a def built in code has not.
std::optional<Condition> compile(const Graph &graph, size_t index) {
    const EdgeDef &edge = graph.def.edges[index];
    if (edge.when.empty() || edge.when == "else") return std::nullopt;
    try {
        return Condition::parse(edge.when);
    } catch (const ConditionError &e) {
        config::SourceLocation where = edge.when_location;
        if (where.line != 0) where.column += e.offset;
        fail(prefixed(where,
                      "edges[" + std::to_string(index) + "].when: invalid condition: " + e.detail));
    }
}

void resolve_edges(Graph &graph) {
    for (size_t i = 0; i < graph.def.edges.size(); ++i) {
        const EdgeDef &def = graph.def.edges[i];
        const size_t from = node_index(graph, i, "from", def.from);
        Edge edge;
        edge.to = node_index(graph, i, "to", def.to);
        edge.when = compile(graph, i);
        edge.is_else = def.when == "else";
        graph.nodes[from].out.push_back(std::move(edge));
    }
}

// ---- Structure ------------------------------------------------------------------------------

using Adjacency = std::vector<std::vector<size_t>>;

Adjacency successors(const Graph &graph) {
    Adjacency out(graph.nodes.size());
    for (const Node &node : graph.nodes) {
        for (const Edge &edge : node.out)
            out[node.index].push_back(edge.to);
    }
    return out;
}

Adjacency reversed(const Adjacency &adjacency) {
    Adjacency in(adjacency.size());
    for (size_t from = 0; from < adjacency.size(); ++from) {
        for (const size_t to : adjacency[from])
            in[to].push_back(from);
    }
    return in;
}

// Which nodes a walk from `starts` reaches (the starts included).
std::vector<bool> reach(const Adjacency &adjacency, const std::vector<size_t> &starts) {
    std::vector<bool> seen(adjacency.size(), false);
    std::deque<size_t> queue;
    for (const size_t start : starts) {
        if (!seen[start]) queue.push_back(start);
        seen[start] = true;
    }
    while (!queue.empty()) {
        const size_t at = queue.front();
        queue.pop_front();
        for (const size_t next : adjacency[at]) {
            if (!seen[next]) queue.push_back(next);
            seen[next] = true;
        }
    }
    return seen;
}

void check_reachable(const Graph &graph, const Adjacency &out) {
    const std::vector<bool> reached = reach(out, {graph.entry});
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        if (reached[i]) continue;
        fail(describe_node(graph.def, i, "",
                           "node " + in_quotes(graph.def.nodes[i].id) +
                               " is not reachable from the entry node " +
                               in_quotes(graph.def.entry)));
    }
}

void check_exit_paths(const Graph &graph, const Adjacency &out) {
    std::vector<size_t> exits;
    for (const Node &node : graph.nodes) {
        if (node.is_exit) exits.push_back(node.index);
    }
    const std::vector<bool> leads_out = reach(reversed(out), exits);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        if (leads_out[i]) continue;
        fail(describe_node(
            graph.def, i, "",
            "node " + in_quotes(graph.def.nodes[i].id) +
                " has no path to an exit node (exits: " + config::join(graph.def.exits) + ")"));
    }
}

// Finds a cycle among the nodes that set no max_visits: such a loop could only be stopped by
// limits.max_steps, which is a safety net, not a design. Depth-first, nodes and edges in the
// order written, so the cycle reported is the same every time.
class UnboundedCycleFinder {
public:
    explicit UnboundedCycleFinder(const Graph &graph)
        : graph_(graph), edges_out_(graph.nodes.size()),
          state_(graph.nodes.size(), State::unvisited) {
        // Edge indexes of the def, so a report can point at the edge that closes the cycle.
        for (size_t e = 0; e < graph.def.edges.size(); ++e) {
            edges_out_[graph.find(graph.def.edges[e].from)->index].push_back(e);
        }
    }

    void check() {
        for (size_t i = 0; i < graph_.nodes.size(); ++i) {
            if (state_[i] == State::unvisited && unbounded(i)) visit(i);
        }
    }

private:
    enum class State { unvisited, on_stack, done };

    bool unbounded(size_t node) const { return graph_.nodes[node].def->max_visits == 0; }

    void visit(size_t node) {
        state_[node] = State::on_stack;
        stack_.push_back(node);
        for (const size_t edge : edges_out_[node]) {
            const size_t next = graph_.find(graph_.def.edges[edge].to)->index;
            if (!unbounded(next)) continue;
            if (state_[next] == State::on_stack) report(edge, next);
            if (state_[next] == State::unvisited) visit(next);
        }
        stack_.pop_back();
        state_[node] = State::done;
    }

    [[noreturn]] void report(size_t edge, size_t back_to) const {
        std::string path;
        bool in_cycle = false;
        for (const size_t node : stack_) {
            in_cycle = in_cycle || node == back_to;
            if (in_cycle) path += graph_.def.nodes[node].id + " → ";
        }
        path += graph_.def.nodes[back_to].id;
        fail(describe_edge(graph_.def, edge, "",
                           "unbounded cycle " + path + ": set max_visits on one of its nodes"));
    }

    const Graph &graph_;
    std::vector<std::vector<size_t>> edges_out_;
    std::vector<State> state_;
    std::vector<size_t> stack_;
};

// A join waits for the branches of a fan-out: it needs a node with two different successors
// from which it can be reached both ways.
bool joins_a_fan_out(size_t join, const Adjacency &out,
                     const std::vector<std::vector<bool>> &reach_from) {
    for (size_t fan = 0; fan < out.size(); ++fan) {
        const std::set<size_t> branches(out[fan].begin(), out[fan].end());
        size_t arriving = 0;
        for (const size_t branch : branches)
            arriving += reach_from[branch][join] ? 1 : 0;
        if (arriving >= 2) return true;
    }
    return false;
}

void warn_joins(Graph &graph, const Adjacency &out) {
    std::vector<std::vector<bool>> reach_from;
    for (const Node &node : graph.nodes) {
        if (node.def->join == JoinMode::none) continue;
        if (reach_from.empty()) {
            for (size_t i = 0; i < out.size(); ++i)
                reach_from.push_back(reach(out, {i}));
        }
        if (joins_a_fan_out(node.index, out, reach_from)) continue;
        graph.warnings.push_back(describe_node(
            graph.def, node.index, "/join",
            "node " + in_quotes(node.def->id) +
                " is a join, but no fan-out reaches it by two or more paths, so it has "
                "nothing to wait for"));
    }
}

// `safe[i]`: node i declares routes and an edge is certainly taken for each (route_check).
void warn_dead_ends(Graph &graph, const std::vector<bool> &safe) {
    for (const Node &node : graph.nodes) {
        if (node.is_exit || node.out.empty() || safe[node.index]) continue;
        bool always = false;
        for (const Edge &edge : node.out)
            always = always || edge.is_else || !edge.when;
        if (always) continue;
        graph.warnings.push_back(describe_node(
            graph.def, node.index, "",
            "node " + in_quotes(node.def->id) +
                " may dead-end at run time: all its outgoing edges have conditions and none "
                "is \"else\""));
    }
}

// ---- Assembly -------------------------------------------------------------------------------

void add_nodes(Graph &graph) {
    const std::set<std::string> exits(graph.def.exits.begin(), graph.def.exits.end());
    for (size_t i = 0; i < graph.def.nodes.size(); ++i) {
        Node node;
        node.index = i;
        node.def = &graph.def.nodes[i];
        node.is_exit = exits.count(node.def->id) != 0;
        node.writes_answer = node.def->answer.value_or(node.is_exit);
        graph.nodes.push_back(std::move(node));
    }
}

void resolve_entry_and_exits(Graph &graph) {
    const Node *entry = graph.find(graph.def.entry);
    if (entry == nullptr) fail("entry: unknown node " + in_quotes(graph.def.entry));
    graph.entry = entry->index;
    for (const std::string &exit : graph.def.exits) {
        if (graph.find(exit) == nullptr) fail("exits: unknown node " + in_quotes(exit));
    }
}

// The instance of a node whose config check_config has completed.
std::unique_ptr<runtime::Node> create_instance(const NodeDef &def, const plugin::ComponentRef &ref,
                                               runtime::HostServices *services) {
    try {
        return std::make_unique<runtime::Node>(def.id, ref, json::to_string(*def.config), services);
    } catch (const Error &e) {
        // A config the plugin refused (TLLM_ERR_INVALID_ARGUMENT from create) stays a config
        // error, exit 3; anything else is the plugin's failure.
        throw Error(e.code() == ErrorCode::config ? ErrorCode::config : ErrorCode::plugin,
                    prefixed(def.location, e.what()));
    }
}

// Activation comes after every node exists and after the tools, which nodes may describe to
// their models; all on this (the loading) thread. Offline (BuildMode::check), an activation
// that stops at a model call is checked up to there: the warning says so. Returns the warning.
std::optional<std::string> activate(const NodeDef &def, runtime::Node &node,
                                    runtime::HostServices *services) {
    runtime::CallContext call(runtime::CancelToken(),
                              services != nullptr ? services->activation_deadline() : std::nullopt,
                              {});
    try {
        node.activate(call);
    } catch (const Error &e) {
        if (services != nullptr && services->offline() && e.code() == ErrorCode::unavailable) {
            return prefixed(def.location, "node " + def.id +
                                              ": its activation asks the model server, which is "
                                              "not contacted here; checked up to that call (" +
                                              e.what() + ")");
        }
        throw Error(e.code(), prefixed(def.location, e.what()));
    }
    return std::nullopt;
}

// ---- Declared routes --------------------------------------------------------------------------

// The def's edge indexes of each node's outgoing edges, in the order of Node::out.
std::vector<std::vector<size_t>> edge_indexes(const Graph &graph) {
    std::vector<std::vector<size_t>> out(graph.nodes.size());
    for (size_t e = 0; e < graph.def.edges.size(); ++e)
        out[graph.find(graph.def.edges[e].from)->index].push_back(e);
    return out;
}

std::optional<std::vector<std::string>> declared_routes(const NodeDef &def,
                                                        const runtime::Node &instance) {
    try {
        return instance.routes();
    } catch (const Error &e) {
        throw Error(e.code(), prefixed(def.location, e.what()));
    }
}

// Whether instances of the component may declare routes at all (an older or C plugin's table
// may not have the function).
bool may_declare_routes(const plugin::ComponentRef &ref) {
    const auto *table = static_cast<const tllm_node_v1 *>(ref.component->vtable);
    return TLLM_TABLE_FN(table, tllm_node_v1, routes) != nullptr;
}

// Routes are declared by instances (they may depend on the config: a gate with a fallback also
// returns "fail"). Without instances (`graph validate`) a node whose edges could fail the check
// gets a throwaway instance, created as a run would create it but never activated; the others
// are not created at all.
std::optional<std::vector<std::string>> routes_of(const Node &node,
                                                  const plugin::ComponentRef &ref) {
    if (node.instance) return declared_routes(*node.def, *node.instance);
    const bool constrained = std::any_of(node.out.begin(), node.out.end(), [](const Edge &edge) {
        return route_test(edge).constrains_route();
    });
    if (!constrained || !may_declare_routes(ref)) return std::nullopt;
    const auto probe = create_instance(*node.def, ref, nullptr);
    return declared_routes(*node.def, *probe);
}

// Returns, per node, whether its declared routes make it safe from dead ends.
std::vector<bool> check_declared_routes(const Graph &graph,
                                        const std::vector<plugin::ComponentRef> &refs) {
    const std::vector<std::vector<size_t>> edges = edge_indexes(graph);
    std::vector<bool> safe(graph.nodes.size(), false);
    for (const Node &node : graph.nodes) {
        const auto declared = routes_of(node, refs[node.index]);
        if (!declared) continue; // not declared: any route
        const auto problem = check_routes(*declared, node.out);
        if (!problem) {
            safe[node.index] = routes_always_taken(*declared, node.out);
            continue;
        }
        const std::string &id = node.def->id;
        if (problem->kind == RouteProblem::Kind::unknown_route) {
            fail(describe_condition(
                graph.def, edges[node.index][problem->edge], problem->offset,
                "node " + id + " never returns the route " + in_quotes(problem->route) +
                    config::did_you_mean(problem->route, *declared, "its routes",
                                         "it declares no routes")));
        }
        fail(describe_node(graph.def, node.index, "",
                           "node " + id + ": no edge takes its route " + in_quotes(problem->route) +
                               " (add an edge with when: 'route == " + in_quotes(problem->route) +
                               "' or an else edge)"));
    }
    return safe;
}

// ---- Instances --------------------------------------------------------------------------------

// The routes are checked once every node exists, before the (slower) tools and activations.
std::vector<bool> instantiate(Graph &graph, const std::vector<plugin::ComponentRef> &refs,
                              runtime::HostServices *services) {
    for (Node &node : graph.nodes) {
        node.instance = create_instance(*node.def, refs[node.index], services);
    }
    std::vector<bool> safe = check_declared_routes(graph, refs);
    if (services != nullptr) services->prepare_components();
    for (Node &node : graph.nodes) {
        if (auto warning = activate(*node.def, *node.instance, services)) {
            graph.warnings.push_back(std::move(*warning));
        }
    }
    return safe;
}

} // namespace

std::unique_ptr<runtime::Node> build_node(NodeDef &def, const plugin::Registry &registry,
                                          runtime::HostServices *services) {
    const plugin::ComponentRef ref = registry.find(TLLM_KIND_NODE, def.type);
    if (ref.component == nullptr) {
        throw Error(ErrorCode::not_found, unknown_type(def.type, registry));
    }
    if (!def.config) def.config = std::make_shared<const json::Document>(rapidjson::kObjectType);
    SchemaCache schemas;
    check_config(def, *ref.component, schemas);
    auto node = create_instance(def, ref, services);
    if (services != nullptr) services->prepare_components();
    (void)activate(def, *node, services); // `tinyllm node` is never offline: no warning
    return node;
}

std::unique_ptr<Graph> build_graph(GraphDef def, const plugin::Registry &registry,
                                   runtime::HostServices *services, BuildMode mode) {
    if (mode == BuildMode::check && (services == nullptr || !services->offline())) {
        throw Error(ErrorCode::internal, "a graph is checked with offline services");
    }
    auto graph = std::make_unique<Graph>();
    graph->def = std::move(def);
    const std::vector<plugin::ComponentRef> refs = resolve_types(graph->def, registry);
    // Node::def points into graph->def, which stays put from here on.
    add_nodes(*graph);
    resolve_entry_and_exits(*graph);
    resolve_edges(*graph);

    const Adjacency out = successors(*graph);
    check_reachable(*graph, out);
    check_exit_paths(*graph, out);
    UnboundedCycleFinder(*graph).check();
    warn_joins(*graph, out);

    const std::vector<bool> safe = mode == BuildMode::definition
                                       ? check_declared_routes(*graph, refs)
                                       : instantiate(*graph, refs, services);
    warn_dead_ends(*graph, safe);
    return graph;
}

} // namespace tinyllm::graph
