#include "structured.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

namespace tinyllm::sim {

namespace {

std::string_view type_of(const json::Value &schema) {
    const json::Value *type = json::find(schema, "type");
    if (type != nullptr && type->IsString()) return {type->GetString(), type->GetStringLength()};
    if (type != nullptr && type->IsArray()) {
        for (const json::Value &t : type->GetArray()) {
            if (t.IsString() && std::string_view(t.GetString()) != "null") return t.GetString();
        }
    }
    if (json::find(schema, "properties") != nullptr) return "object";
    return "string";
}

// The strings of properties.route.enum, when the schema is a router's.
std::vector<std::string> route_enum(const json::Value &schema) {
    std::vector<std::string> routes;
    const json::Value *properties = json::find(schema, "properties");
    const json::Value *route = properties != nullptr && properties->IsObject()
                                   ? json::find(*properties, "route")
                                   : nullptr;
    const json::Value *values =
        route != nullptr && route->IsObject() ? json::find(*route, "enum") : nullptr;
    if (values == nullptr || !values->IsArray()) return routes;
    for (const json::Value &v : values->GetArray()) {
        if (v.IsString()) routes.emplace_back(v.GetString(), v.GetStringLength());
    }
    return routes;
}

double two_decimals(double x) {
    return std::round(x * 100.0) / 100.0;
}

} // namespace

json::Value minimal_instance(const json::Value &schema, json::Allocator &alloc) {
    if (!schema.IsObject()) return json::Value(rapidjson::kObjectType);
    if (const json::Value *c = json::find(schema, "const")) return json::Value(*c, alloc);
    if (const json::Value *e = json::find(schema, "enum"); e && e->IsArray() && !e->Empty()) {
        return json::Value((*e)[0], alloc);
    }
    const std::string_view type = type_of(schema);
    if (type == "object") {
        json::Value out(rapidjson::kObjectType);
        const json::Value *properties = json::find(schema, "properties");
        const json::Value *required = json::find(schema, "required");
        if (required == nullptr || !required->IsArray()) return out;
        for (const json::Value &name : required->GetArray()) {
            if (!name.IsString()) continue;
            const json::Value *p = properties != nullptr && properties->IsObject()
                                       ? json::find(*properties, name.GetString())
                                       : nullptr;
            json::Value value = p != nullptr ? minimal_instance(*p, alloc) : json::Value();
            out.AddMember(json::Value(name, alloc), value, alloc);
        }
        return out;
    }
    if (type == "array") {
        json::Value out(rapidjson::kArrayType);
        const json::Value *items = json::find(schema, "items");
        const int64_t count = json::get_int(schema, "minItems").value_or(0);
        for (int64_t i = 0; i < count && i < 1000; ++i) {
            out.PushBack(items != nullptr ? minimal_instance(*items, alloc) : json::Value(), alloc);
        }
        return out;
    }
    if (type == "number" || type == "integer") {
        double x = json::get_number(schema, "minimum").value_or(0.0);
        if (const auto maximum = json::get_number(schema, "maximum"); maximum && x > *maximum) {
            x = *maximum;
        }
        if (type == "integer") return json::Value(static_cast<int64_t>(std::ceil(x)));
        return json::Value(x);
    }
    if (type == "boolean") return json::Value(false);
    if (type == "null") return json::Value();
    const int64_t length = json::get_int(schema, "minLength").value_or(0);
    return json::string_value(
        std::string(static_cast<size_t>(std::min<int64_t>(length, 4096)), 'x'), alloc);
}

std::string structured_answer(const json::Value &schema, const Example &example,
                              const ModelSpec &model, const Draw &draw, const std::string &text) {
    json::Document doc;
    json::Allocator &a = doc.GetAllocator();
    json::Value out = minimal_instance(schema, a);
    if (!out.IsObject()) return json::to_string(out);
    const json::Value *properties = json::find(schema, "properties");
    const auto has = [&](const char *name) {
        return properties != nullptr && properties->IsObject() && properties->HasMember(name);
    };
    const auto set = [&](const char *name, json::Value value) {
        out.RemoveMember(name);
        out.AddMember(json::Value(rapidjson::StringRef(name)), value, a);
    };
    const std::vector<std::string> routes = route_enum(schema);
    if (!routes.empty()) {
        // The true route: the example's route, or its category for a router over categories
        // (split_specialist's, in front of one sub-specialist per dataset label).
        const auto listed = [&](const std::string &r) {
            return !r.empty() && std::find(routes.begin(), routes.end(), r) != routes.end();
        };
        const std::string &truth =
            !listed(example.route) && listed(example.category) ? example.category : example.route;
        std::vector<std::string> others;
        bool known = false;
        for (const std::string &r : routes) {
            if (r == truth) {
                known = true;
            } else {
                others.push_back(r);
            }
        }
        const bool right = known && (others.empty() || draw.uniform("routes correctly") <
                                                           model.accuracy_for("routing"));
        const std::string route =
            right ? truth : others[draw.pick("which wrong route", others.size())];
        // Sure when right, less so when wrong: some wrong routes fall below a router's
        // min_confidence and go to its default route, as a hesitant model's would.
        const double u = draw.uniform("confidence");
        set("route", json::string_value(route, a));
        if (has("confidence"))
            set("confidence", json::Value(two_decimals(right ? 0.8 + 0.19 * u : 0.45 + 0.45 * u)));
    } else if (has("answer") && type_of((*properties)["answer"]) == "string") {
        set("answer", json::string_value(text, a));
    }
    return json::to_string(out);
}

std::string json_answer(const std::string &text) {
    json::Document doc(rapidjson::kObjectType);
    doc.AddMember("answer", json::string_value(text, doc.GetAllocator()), doc.GetAllocator());
    return json::to_string(doc);
}

} // namespace tinyllm::sim
