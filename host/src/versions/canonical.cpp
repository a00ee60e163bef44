#include "versions/canonical.hpp"

#include "tinyllm/digest.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <vector>

namespace tinyllm::versions {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_sorted(Writer &w, const json::Value &v, bool top) {
    if (v.IsObject()) {
        std::vector<const json::Value::Member *> members;
        for (const auto &m : v.GetObject()) {
            if (top && std::string_view(m.name.GetString(), m.name.GetStringLength()) == "version")
                continue;
            members.push_back(&m);
        }
        std::sort(members.begin(), members.end(), [](const auto *a, const auto *b) {
            return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
                   std::string_view(b->name.GetString(), b->name.GetStringLength());
        });
        w.StartObject();
        for (const auto *m : members) {
            w.Key(m->name.GetString(), m->name.GetStringLength());
            write_sorted(w, m->value, false);
        }
        w.EndObject();
    } else if (v.IsArray()) {
        w.StartArray();
        for (const auto &e : v.GetArray())
            write_sorted(w, e, false);
        w.EndArray();
    } else {
        v.Accept(w);
    }
}

} // namespace

std::string canonical_json(const json::Value &graph) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    write_sorted(w, graph, true);
    return {buffer.GetString(), buffer.GetSize()};
}

std::string content_hash(const json::Value &graph) {
    return sha256_hex(canonical_json(graph));
}

} // namespace tinyllm::versions
