#include "versions/diff.hpp"

#include <map>
#include <set>

namespace tinyllm::versions {

namespace {

using Kind = Change::Kind;

std::string text_of(const json::Value &v) {
    if (v.IsString()) return json::to_string(v); // quoted: "" and " x" stay visible
    return json::to_string(v);
}

std::string str(const json::Value &object, const char *key) {
    return json::get_string(object, key).value_or("");
}

// Every leaf that differs, as "path: old -> new"; arrays are compared whole.
void diff_values(const std::string &path, const json::Value *a, const json::Value *b,
                 std::vector<std::string> &out) {
    if (a != nullptr && b != nullptr && a->IsObject() && b->IsObject()) {
        std::set<std::string> keys;
        for (const auto &m : a->GetObject())
            keys.emplace(m.name.GetString(), m.name.GetStringLength());
        for (const auto &m : b->GetObject())
            keys.emplace(m.name.GetString(), m.name.GetStringLength());
        for (const std::string &k : keys) {
            diff_values(path.empty() ? k : path + "." + k, json::find(*a, k), json::find(*b, k),
                        out);
        }
        return;
    }
    if (a != nullptr && b != nullptr && *a == *b) return;
    out.push_back(path + ": " + (a ? text_of(*a) : std::string("(none)")) + " -> " +
                  (b ? text_of(*b) : std::string("(none)")));
}

std::map<std::string, const json::Value *> nodes_by_id(const json::Value &graph) {
    std::map<std::string, const json::Value *> out;
    if (const json::Value *nodes = json::find(graph, "nodes"); nodes && nodes->IsArray()) {
        for (const json::Value &n : nodes->GetArray())
            out.emplace(str(n, "id"), &n);
    }
    return out;
}

std::string edge_key(const json::Value &e) {
    std::string key = str(e, "from") + " -> " + str(e, "to");
    const std::string when = str(e, "when");
    if (!when.empty()) key += " [" + when + "]";
    return key;
}

std::vector<std::string> edge_keys(const json::Value &graph) {
    std::vector<std::string> out;
    if (const json::Value *edges = json::find(graph, "edges"); edges && edges->IsArray()) {
        for (const json::Value &e : edges->GetArray())
            out.push_back(edge_key(e));
    }
    return out;
}

} // namespace

std::vector<Change> diff_graphs(const json::Value &from, const json::Value &to) {
    std::vector<Change> out;
    // The graph's own settings.
    for (const char *key : {"description", "entry", "exits", "limits"}) {
        std::vector<std::string> lines;
        diff_values(key, json::find(from, key), json::find(to, key), lines);
        for (std::string &line : lines) {
            const size_t colon = line.find(": ");
            out.push_back({Kind::changed, line.substr(0, colon), line.substr(colon + 2)});
        }
    }
    const auto a = nodes_by_id(from);
    const auto b = nodes_by_id(to);
    for (const auto &[id, node] : a) {
        if (b.count(id) == 0) out.push_back({Kind::removed, "node " + id, str(*node, "type")});
    }
    for (const auto &[id, node] : b) {
        const auto old = a.find(id);
        if (old == a.end()) {
            out.push_back({Kind::added, "node " + id, str(*node, "type")});
            continue;
        }
        std::vector<std::string> lines;
        diff_values("", old->second, node, lines);
        for (std::string &line : lines)
            out.push_back({Kind::changed, "node " + id, std::move(line)});
    }
    const std::vector<std::string> ea = edge_keys(from);
    const std::vector<std::string> eb = edge_keys(to);
    const std::multiset<std::string> sa(ea.begin(), ea.end());
    const std::multiset<std::string> sb(eb.begin(), eb.end());
    for (const std::string &e : ea)
        if (sb.count(e) < sa.count(e)) out.push_back({Kind::removed, "edge " + e, ""});
    for (const std::string &e : eb)
        if (sa.count(e) < sb.count(e)) out.push_back({Kind::added, "edge " + e, ""});
    return out;
}

std::string to_line(const Change &change) {
    switch (change.kind) {
    case Kind::added:
        return "+ " + change.subject + (change.detail.empty() ? "" : " (" + change.detail + ")");
    case Kind::removed:
        return "- " + change.subject + (change.detail.empty() ? "" : " (" + change.detail + ")");
    case Kind::changed: return "~ " + change.subject + ": " + change.detail;
    }
    return "";
}

} // namespace tinyllm::versions
