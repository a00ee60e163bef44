#include "cli/plugin_json.hpp"

namespace tinyllm::cli {

namespace {

using json::Value;

std::string opt(const char *s) {
    return s != nullptr ? s : "";
}

} // namespace

const char *tool_parameters(const tllm_component &c) {
    if (std::string_view(c.kind) != TLLM_KIND_TOOL) return nullptr;
    return static_cast<const tllm_tool_v1 *>(c.vtable)->parameters_schema;
}

json::Value plugin_to_json(const plugin::LoadedPlugin &p, json::Allocator &a, bool with_schema) {
    const tllm_plugin_descriptor &d = *p.descriptor;
    Value v(rapidjson::kObjectType);
    v.AddMember("id", json::string_value(d.id, a), a);
    v.AddMember("name", json::string_value(d.name, a), a);
    v.AddMember("version", json::string_value(d.version, a), a);
    v.AddMember("description", json::string_value(opt(d.description), a), a);
    v.AddMember("vendor", json::string_value(opt(d.vendor), a), a);
    v.AddMember("license", json::string_value(opt(d.license), a), a);
    v.AddMember(
        "abi",
        json::string_value(std::to_string(d.abi.major) + "." + std::to_string(d.abi.minor), a), a);
    v.AddMember("path", json::string_value(p.path.string(), a), a);
    v.AddMember("isolation", json::string_value(p.isolated ? "process" : "in_process", a), a);
    Value comps(rapidjson::kArrayType);
    for (const tllm_component *c : p.components) {
        Value cv(rapidjson::kObjectType);
        cv.AddMember("kind", json::string_value(c->kind, a), a);
        cv.AddMember("name", json::string_value(c->name, a), a);
        cv.AddMember("description", json::string_value(opt(c->description), a), a);
        cv.AddMember("serialized", Value((c->flags & TLLM_COMPONENT_SERIALIZED) != 0), a);
        if (with_schema) {
            if (c->config_schema != nullptr) {
                const json::Document schema = json::parse(c->config_schema, "config_schema");
                cv.AddMember("config_schema", Value(schema, a), a);
            } else {
                cv.AddMember("config_schema", Value(rapidjson::kNullType), a);
            }
            if (const char *parameters = tool_parameters(*c)) {
                const json::Document schema = json::parse(parameters, "parameters_schema");
                cv.AddMember("parameters_schema", Value(schema, a), a);
            }
        }
        comps.PushBack(cv, a);
    }
    v.AddMember("components", comps, a);
    return v;
}

Value failure_to_json(const plugin::LoadFailure &f, json::Allocator &a) {
    Value v(rapidjson::kObjectType);
    v.AddMember("path", json::string_value(f.path.string(), a), a);
    v.AddMember("error", json::string_value(std::string(plugin::to_string(f.kind)), a), a);
    v.AddMember("message", json::string_value(f.message, a), a);
    return v;
}

json::Document registry_json(const plugin::Registry &registry) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    Value plugins(rapidjson::kArrayType), failures(rapidjson::kArrayType);
    for (const auto &p : registry.plugins())
        plugins.PushBack(plugin_to_json(*p, a, false), a);
    for (const auto &f : registry.failures())
        failures.PushBack(failure_to_json(f, a), a);
    doc.AddMember("plugins", plugins, a);
    doc.AddMember("failures", failures, a);
    return doc;
}

} // namespace tinyllm::cli
