#include "graph_edit/graph_edit.hpp"

#include <algorithm>

namespace tinyllm::graph_edit {

namespace {

std::string_view view(const json::Value &v) {
    return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : "";
}

const json::Value *array_member(const json::Value &graph, const char *key) {
    const json::Value *v = graph.IsObject() ? json::find(graph, key) : nullptr;
    return v != nullptr && v->IsArray() ? v : nullptr;
}

json::Value &array_of(json::Value &graph, const char *key, json::Allocator &alloc) {
    json::Value *v = json::find(graph, key) ? &graph[key] : nullptr;
    if (v == nullptr || !v->IsArray()) {
        set_member(graph, key, json::Value(rapidjson::kArrayType), alloc);
        v = &graph[key];
    }
    return *v;
}

} // namespace

std::string string_of(const json::Value &object, std::string_view key) {
    if (!object.IsObject()) return {};
    const json::Value *v = json::find(object, key);
    return v != nullptr && v->IsString() ? std::string(view(*v)) : std::string();
}

void set_member(json::Value &object, std::string_view key, json::Value value,
                json::Allocator &alloc) {
    const json::Value name(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    auto it = object.FindMember(name);
    if (it != object.MemberEnd()) {
        it->value = value; // moves
        return;
    }
    object.AddMember(json::string_value(key, alloc), value, alloc);
}

json::Document copy_document(const json::Value &value) {
    json::Document doc;
    doc.CopyFrom(value, doc.GetAllocator());
    return doc;
}

std::optional<size_t> find_node(const json::Value &graph, std::string_view id) {
    const json::Value *nodes = array_member(graph, "nodes");
    if (nodes == nullptr) return std::nullopt;
    for (rapidjson::SizeType i = 0; i < nodes->Size(); ++i) {
        if ((*nodes)[i].IsObject() && string_of((*nodes)[i], "id") == id) return i;
    }
    return std::nullopt;
}

const json::Value *node(const json::Value &graph, std::string_view id) {
    const auto i = find_node(graph, id);
    return i ? &graph["nodes"][static_cast<rapidjson::SizeType>(*i)] : nullptr;
}

json::Value *node(json::Value &graph, std::string_view id) {
    const auto i = find_node(graph, id);
    return i ? &graph["nodes"][static_cast<rapidjson::SizeType>(*i)] : nullptr;
}

json::Value &config_of(json::Value &node, json::Allocator &alloc) {
    if (!json::find(node, "config") || !node["config"].IsObject())
        set_member(node, "config", json::Value(rapidjson::kObjectType), alloc);
    return node["config"];
}

std::vector<size_t> outgoing(const json::Value &graph, std::string_view id) {
    std::vector<size_t> out;
    const json::Value *edges = array_member(graph, "edges");
    if (edges == nullptr) return out;
    for (rapidjson::SizeType i = 0; i < edges->Size(); ++i) {
        if (string_of((*edges)[i], "from") == id) out.push_back(i);
    }
    return out;
}

std::vector<size_t> incoming(const json::Value &graph, std::string_view id) {
    std::vector<size_t> out;
    const json::Value *edges = array_member(graph, "edges");
    if (edges == nullptr) return out;
    for (rapidjson::SizeType i = 0; i < edges->Size(); ++i) {
        if (string_of((*edges)[i], "to") == id) out.push_back(i);
    }
    return out;
}

std::vector<std::string> gate_loop(const json::Value &graph, std::string_view id) {
    std::vector<std::string> gates;
    const json::Value &edges = graph["edges"];
    for (const size_t e : outgoing(graph, id)) {
        const std::string to = string_of(edges[static_cast<rapidjson::SizeType>(e)], "to");
        const json::Value *n = node(graph, to);
        if (n == nullptr || string_of(*n, "type") != "gate" || to == id) continue;
        if (std::find(gates.begin(), gates.end(), to) != gates.end()) continue;
        for (const size_t back : outgoing(graph, to)) {
            if (string_of(edges[static_cast<rapidjson::SizeType>(back)], "to") == id) {
                gates.push_back(to);
                break;
            }
        }
    }
    return gates;
}

bool is_entry(const json::Value &graph, std::string_view id) {
    return string_of(graph, "entry") == id;
}

bool is_exit(const json::Value &graph, std::string_view id) {
    const json::Value *exits = array_member(graph, "exits");
    if (exits == nullptr) return false;
    return std::any_of(exits->Begin(), exits->End(),
                       [&](const json::Value &e) { return view(e) == id; });
}

bool on_cycle(const json::Value &graph, std::string_view id) {
    std::vector<std::string> seen, todo = {std::string(id)};
    while (!todo.empty()) {
        const std::string at = todo.back();
        todo.pop_back();
        for (const size_t e : outgoing(graph, at)) {
            const std::string to =
                string_of(graph["edges"][static_cast<rapidjson::SizeType>(e)], "to");
            if (to == id) return true;
            if (std::find(seen.begin(), seen.end(), to) != seen.end()) continue;
            seen.push_back(to);
            todo.push_back(to);
        }
    }
    return false;
}

bool valid_id(std::string_view id) {
    if (id.empty()) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

std::string id_part(std::string_view text) {
    std::string out;
    bool any = false;
    for (const char ch : text) {
        char c = ch;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        any = any || alnum;
        if (alnum || c == '.' || c == '-') {
            out += c;
        } else if (out.empty() || out.back() != '_') {
            out += '_';
        }
    }
    if (!any) return {};
    // No empty segment between dots at the ends: "x." would make "node.x..check".
    while (!out.empty() && (out.front() == '.' || out.front() == '_'))
        out.erase(0, 1);
    while (!out.empty() && (out.back() == '.' || out.back() == '_'))
        out.pop_back();
    return out;
}

std::string unique_id(const json::Value &graph, std::string_view base) {
    std::string id(base);
    for (int n = 2; find_node(graph, id); ++n)
        id = std::string(base) + "." + std::to_string(n);
    return id;
}

json::Value copy_node(const json::Value &node, std::string_view id, json::Allocator &alloc) {
    json::Value out(node, alloc);
    set_member(out, "id", json::string_value(id, alloc), alloc);
    return out;
}

void insert_node_after(json::Value &graph, std::string_view after, json::Value node,
                       json::Allocator &alloc) {
    json::Value &nodes = array_of(graph, "nodes", alloc);
    const auto at = find_node(graph, after);
    nodes.PushBack(node, alloc);
    if (!at) return;
    // Bubble the new last element back to just after `after`.
    for (rapidjson::SizeType i = nodes.Size() - 1; i > *at + 1; --i)
        nodes[i].Swap(nodes[i - 1]);
}

void add_edge(json::Value &graph, std::string_view from, std::string_view to, std::string_view when,
              json::Allocator &alloc) {
    json::Value edge(rapidjson::kObjectType);
    edge.AddMember("from", json::string_value(from, alloc), alloc);
    edge.AddMember("to", json::string_value(to, alloc), alloc);
    if (!when.empty()) edge.AddMember("when", json::string_value(when, alloc), alloc);
    array_of(graph, "edges", alloc).PushBack(edge, alloc);
}

void remove_node(json::Value &graph, std::string_view id) {
    if (const auto i = find_node(graph, id)) {
        json::Value &nodes = graph["nodes"];
        nodes.Erase(nodes.Begin() + *i);
    }
    if (json::Value *edges = json::find(graph, "edges") ? &graph["edges"] : nullptr;
        edges != nullptr && edges->IsArray()) {
        for (rapidjson::SizeType i = edges->Size(); i-- > 0;) {
            const json::Value &e = (*edges)[i];
            if (string_of(e, "from") == id || string_of(e, "to") == id)
                edges->Erase(edges->Begin() + i);
        }
    }
}

} // namespace tinyllm::graph_edit
