#include "cli/schema_help.hpp"

namespace tinyllm::cli {
namespace {

std::string type_of(const json::Value &prop) {
    const json::Value *t = json::find(prop, "type");
    if (t == nullptr) return json::find(prop, "enum") != nullptr ? "enum" : "any";
    if (t->IsString()) return t->GetString();
    std::string out;
    if (t->IsArray()) {
        for (const auto &x : t->GetArray()) {
            if (!x.IsString()) continue;
            out += (out.empty() ? "" : "|") + std::string(x.GetString());
        }
    }
    return out.empty() ? "any" : out;
}

void describe(const json::Value &schema, const std::string &prefix, std::vector<std::string> &out) {
    const json::Value *props = json::find(schema, "properties");
    if (props == nullptr || !props->IsObject()) return;
    for (const auto &m : props->GetObject()) {
        const std::string key = prefix + m.name.GetString();
        const json::Value &p = m.value;
        std::string line = key;
        line.resize(std::max<size_t>(line.size() + 1, 24), ' ');
        std::string type = type_of(p);
        type.resize(std::max<size_t>(type.size() + 1, 16), ' ');
        line += type;
        if (const json::Value *d = json::find(p, "default"))
            line += "default " + json::to_string(*d);
        if (auto env = json::get_string(p, "x-env")) line += "   env " + *env;
        const json::Value *items = json::find(p, "items");
        if (json::get_bool(p, "x-path").value_or(false) ||
            (items != nullptr && items->IsObject() &&
             json::get_bool(*items, "x-path").value_or(false))) {
            line += "   path (relative to the config file)";
        }
        out.push_back(line);
        if (auto desc = json::get_string(p, "description")) out.push_back("    " + *desc);
        if (const json::Value *e = json::find(p, "enum"))
            out.push_back("    one of " + json::to_string(*e));
        describe(p, key + ".", out);
        if (const json::Value *items = json::find(p, "items"); items && items->IsObject()) {
            describe(*items, key + "[].", out);
        }
    }
}

} // namespace

std::vector<std::string> describe_schema(const json::Value &schema) {
    std::vector<std::string> out;
    describe(schema, "", out);
    if (out.empty()) out.push_back("(no properties)");
    return out;
}

} // namespace tinyllm::cli
