#include "expansion/ablation.hpp"

#include <algorithm>
#include <set>

namespace tinyllm::expansion {

namespace {

std::string text_of(const json::Value &object, const char *key) {
    const json::Value *v = json::find(object, key);
    return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

// json::find for a value that is changed.
json::Value *member(json::Value &object, const std::string &key) {
    if (!object.IsObject()) return nullptr;
    const auto it = object.FindMember(key.c_str());
    return it == object.MemberEnd() ? nullptr : &it->value;
}

json::Value *node_named(json::Value &graph, const std::string &id) {
    json::Value *nodes = member(graph, "nodes");
    if (nodes == nullptr || !nodes->IsArray()) return nullptr;
    for (json::Value &n : nodes->GetArray())
        if (text_of(n, "id") == id) return &n;
    return nullptr;
}

struct Edge {
    std::string from, to, when;
};

std::vector<Edge> edges_of(const json::Value &graph) {
    std::vector<Edge> out;
    const json::Value *edges = json::find(graph, "edges");
    if (edges == nullptr || !edges->IsArray()) return out;
    for (const json::Value &e : edges->GetArray())
        out.push_back({text_of(e, "from"), text_of(e, "to"), text_of(e, "when")});
    return out;
}

void remove_member(json::Value *object, const std::string &key) {
    if (object != nullptr && object->IsObject()) object->RemoveMember(key.c_str());
}

// Takes route `name` out of a router node's config. Returns why not, or "".
std::string remove_route(json::Value &router, const std::string &name, json::Allocator &a) {
    json::Value *config = member(router, "config");
    if (config == nullptr || !config->IsObject()) return "router without a config";
    if (text_of(*config, "default") == name)
        return "it is router " + text_of(router, "id") + "'s default route";
    json::Value *routes = member(*config, "routes");
    if (routes == nullptr || !routes->IsArray()) return "router without routes";
    json::Value kept(rapidjson::kArrayType);
    for (json::Value &r : routes->GetArray()) {
        if (!(r.IsString() && r.GetString() == name)) kept.PushBack(json::Value(r, a), a);
    }
    if (kept.Empty()) return "it is the router's only route";
    *routes = std::move(kept);
    if (json::Value *rules = member(*config, "rules")) remove_member(rules, name);
    if (json::Value *semantic = member(*config, "semantic")) {
        if (json::Value *examples = member(*semantic, "examples")) remove_member(examples, name);
        if (json::Value *t = member(*semantic, "thresholds")) remove_member(t, name);
        const json::Value *examples = json::find(*semantic, "examples");
        if (examples == nullptr || !examples->IsObject() || examples->MemberCount() == 0)
            config->RemoveMember("semantic");
    }
    return "";
}

} // namespace

std::string route_of(const std::string &when) {
    const std::string prefix = "route == \"";
    if (when.rfind(prefix, 0) != 0 || when.size() < prefix.size() + 2 || when.back() != '"')
        return "";
    return when.substr(prefix.size(), when.size() - prefix.size() - 1);
}

Ablation graph_without(const json::Value &source, const std::string &id) {
    Ablation out;
    json::Document doc;
    doc.CopyFrom(source, doc.GetAllocator());
    auto &a = doc.GetAllocator();
    json::Value *node = node_named(doc, id);
    if (node == nullptr) {
        out.why_not = "the graph has no node " + id;
        return out;
    }
    if (text_of(doc, "entry") == id) {
        out.why_not = "it is the graph's entry";
        return out;
    }
    if (const json::Value *exits = json::find(doc, "exits"); exits && exits->IsArray()) {
        for (const json::Value &e : exits->GetArray()) {
            if (e.IsString() && e.GetString() == id) {
                out.why_not = "it is an exit";
                return out;
            }
        }
    }
    const std::vector<Edge> edges = edges_of(doc);
    // Its gates: nodes it leads to that lead back to it, reached from nowhere else.
    std::set<std::string> removed{id};
    out.removed.push_back(id);
    for (const Edge &e : edges) {
        if (e.from != id || removed.count(e.to)) continue;
        const bool loops_back = std::any_of(edges.begin(), edges.end(), [&](const Edge &b) {
            return b.from == e.to && b.to == id;
        });
        const bool only_from_node = std::all_of(edges.begin(), edges.end(), [&](const Edge &b) {
            return b.to != e.to || b.from == id;
        });
        const json::Value *gate = node_named(doc, e.to);
        if (loops_back && only_from_node && gate && text_of(*gate, "type") == "gate") {
            removed.insert(e.to);
            out.removed.push_back(e.to);
        }
    }
    std::vector<Edge> in;
    std::set<std::string> next; // where its way out leads, outside what is removed
    bool conditional_out = false;
    for (const Edge &e : edges) {
        if (removed.count(e.to) && !removed.count(e.from)) in.push_back(e);
        if (removed.count(e.from) && !removed.count(e.to)) {
            next.insert(e.to);
            // The node's own conditional edges branch; a gate's pass edge is the way on.
            if (e.from == id && !e.when.empty()) conditional_out = true;
        }
    }

    if (in.empty()) {
        out.how = "no edge reaches it";
    } else if (const std::string route = route_of(in.front().when);
               !route.empty() && std::all_of(in.begin(), in.end(), [&](const Edge &e) {
                   return e.from == in.front().from && route_of(e.when) == route;
               })) {
        json::Value *router = node_named(doc, in.front().from);
        if (router == nullptr || text_of(*router, "type") != "router") {
            out.why_not = "node " + in.front().from + " routes to it but is not a router";
            return out;
        }
        if (std::string why = remove_route(*router, route, a); !why.empty()) {
            out.why_not = why;
            return out;
        }
        out.how = "route " + route + " removed from " + in.front().from;
    } else if (next.size() == 1 && !conditional_out) {
        const std::string to = *next.begin();
        for (const Edge &e : in) {
            json::Value edge(rapidjson::kObjectType);
            edge.AddMember("from", json::string_value(e.from, a), a);
            edge.AddMember("to", json::string_value(to, a), a);
            if (!e.when.empty()) edge.AddMember("when", json::string_value(e.when, a), a);
            doc["edges"].PushBack(edge, a);
        }
        out.how = "its incoming edges lead to " + to + " instead";
    } else {
        out.why_not = next.empty() ? "nothing follows it" : "its way out branches";
        return out;
    }

    json::Value &nodes = doc["nodes"];
    for (rapidjson::SizeType i = nodes.Size(); i-- > 0;) {
        if (removed.count(text_of(nodes[i], "id"))) nodes.Erase(nodes.Begin() + i);
    }
    if (json::Value *list = member(doc, "edges"); list && list->IsArray()) {
        for (rapidjson::SizeType i = list->Size(); i-- > 0;) {
            const json::Value &e = (*list)[i];
            if (removed.count(text_of(e, "from")) || removed.count(text_of(e, "to")))
                list->Erase(list->Begin() + i);
        }
    }
    out.graph = std::move(doc);
    return out;
}

} // namespace tinyllm::expansion
