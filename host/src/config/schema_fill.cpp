// The two ways a schema changes a value before validation: defaults and environment overrides.
#include "config/schema.hpp"

namespace tinyllm::config {

namespace {

const json::Value *properties_of(const json::Value &schema) {
    const json::Value *properties = json::find(schema, "properties");
    return properties != nullptr && properties->IsObject() ? properties : nullptr;
}

json::Value::MemberIterator find_member(json::Value &object, const json::Value &name) {
    return object.FindMember(name);
}

// Only string properties take an environment value: a variable is always text.
bool allows_string(const json::Value &schema) {
    const json::Value *type = json::find(schema, "type");
    if (type == nullptr) return true;
    if (type->IsString()) return std::string_view(type->GetString()) == "string";
    if (!type->IsArray()) return false;
    for (const json::Value &item : type->GetArray()) {
        if (item.IsString() && std::string_view(item.GetString()) == "string") return true;
    }
    return false;
}

void set_member(json::Value &object, const json::Value &name, json::Value value,
                json::Allocator &alloc) {
    auto it = find_member(object, name);
    if (it != object.MemberEnd()) {
        it->value = value;
    } else {
        object.AddMember(json::Value(name, alloc), value, alloc);
    }
}

void collect_env_overrides(json::Value &object, const json::Value &schema, json::Allocator &alloc,
                           const Getenv &getenv, const std::string &pointer,
                           std::vector<EnvOverride> &out) {
    const json::Value *properties = properties_of(schema);
    if (properties == nullptr) return;
    for (const auto &property : properties->GetObject()) {
        if (!property.value.IsObject()) continue;
        const std::string key(property.name.GetString(), property.name.GetStringLength());
        const std::string child = append_pointer(pointer, key);
        const auto variable = json::get_string(property.value, "x-env");
        if (variable && allows_string(property.value)) {
            const auto value = getenv(*variable);
            if (!value || value->empty()) continue;
            set_member(object, property.name, json::string_value(*value, alloc), alloc);
            out.push_back({child, *variable, *value});
            continue;
        }
        if (properties_of(property.value) == nullptr) continue;
        auto it = find_member(object, property.name);
        if (it != object.MemberEnd()) {
            if (it->value.IsObject()) {
                collect_env_overrides(it->value, property.value, alloc, getenv, child, out);
            }
            continue;
        }
        // Build the absent parent aside and keep it only if a variable filled something in.
        json::Value created(rapidjson::kObjectType);
        const size_t before = out.size();
        collect_env_overrides(created, property.value, alloc, getenv, child, out);
        if (out.size() > before) set_member(object, property.name, std::move(created), alloc);
    }
}

} // namespace

void apply_defaults(json::Value &value, const json::Value &schema, json::Allocator &alloc) {
    if (!schema.IsObject()) return;
    if (value.IsArray()) {
        const json::Value *items = json::find(schema, "items");
        if (items == nullptr || !items->IsObject()) return;
        for (json::Value &item : value.GetArray())
            apply_defaults(item, *items, alloc);
        return;
    }
    const json::Value *properties = properties_of(schema);
    if (!value.IsObject() || properties == nullptr) return;
    for (const auto &property : properties->GetObject()) {
        if (!property.value.IsObject()) continue;
        auto it = find_member(value, property.name);
        if (it == value.MemberEnd()) {
            const auto fallback = property.value.FindMember("default");
            if (fallback == property.value.MemberEnd()) continue;
            value.AddMember(json::Value(property.name, alloc), json::Value(fallback->value, alloc),
                            alloc);
            it = find_member(value, property.name); // AddMember may have moved the members
        }
        apply_defaults(it->value, property.value, alloc);
    }
}

std::vector<EnvOverride> apply_env_overrides(json::Value &value, const json::Value &schema,
                                             json::Allocator &alloc, const Getenv &getenv) {
    std::vector<EnvOverride> out;
    if (value.IsObject()) collect_env_overrides(value, schema, alloc, getenv, "", out);
    return out;
}

} // namespace tinyllm::config
