#include "isolation/descriptor_json.hpp"

#include <cstring>

namespace tinyllm::isolation {
namespace {

json::Value text(const char *s, json::Allocator &a) {
    return s != nullptr ? json::string_value(s, a) : json::Value(rapidjson::kNullType);
}

const char *c_string(const json::Value &object, const char *key) {
    const json::Value *v = json::find(object, key);
    return v != nullptr && v->IsString() ? v->GetString() : nullptr;
}

} // namespace

std::string descriptor_json(const plugin::LoadedPlugin &plugin) {
    const tllm_plugin_descriptor &d = *plugin.descriptor;
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("id", text(d.id, a), a);
    doc.AddMember("name", text(d.name, a), a);
    doc.AddMember("version", text(d.version, a), a);
    doc.AddMember("description", text(d.description, a), a);
    doc.AddMember("vendor", text(d.vendor, a), a);
    doc.AddMember("license", text(d.license, a), a);
    json::Value abi(rapidjson::kArrayType);
    abi.PushBack(d.abi.major, a).PushBack(d.abi.minor, a);
    doc.AddMember("abi", abi, a);
    json::Value components(rapidjson::kArrayType);
    for (const tllm_component *c : plugin.components) {
        json::Value one(rapidjson::kObjectType);
        // The index in the plugin's table: what the host names when it asks for an instance.
        uint32_t index = 0;
        for (; index < d.component_count; ++index) {
            if (&d.components[index] == c) break;
        }
        if (index == d.component_count) {
            // A plugin built against a newer minor: entries with a longer stride.
            const auto *base = reinterpret_cast<const unsigned char *>(d.components);
            index = static_cast<uint32_t>((reinterpret_cast<const unsigned char *>(c) - base) /
                                          d.components[0].struct_size);
        }
        one.AddMember("index", index, a);
        one.AddMember("kind", text(c->kind, a), a);
        one.AddMember("name", text(c->name, a), a);
        one.AddMember("description", text(c->description, a), a);
        one.AddMember("config_schema", text(c->config_schema, a), a);
        one.AddMember("flags", c->flags, a);
        one.AddMember("has_activate", c->activate != nullptr, a);
        if (std::strcmp(c->kind, TLLM_KIND_TOOL) == 0) {
            const auto *tool = static_cast<const tllm_tool_v1 *>(c->vtable);
            one.AddMember("parameters_schema", text(tool->parameters_schema, a), a);
            one.AddMember("has_check",
                          TLLM_HAS_FIELD(tool, tllm_tool_v1, check) && tool->check != nullptr, a);
        }
        components.PushBack(one, a);
    }
    doc.AddMember("components", components, a);
    return json::to_string(doc);
}

std::unique_ptr<DescriptorCopy> parse_descriptor_json(std::string_view text) {
    auto copy = std::make_unique<DescriptorCopy>();
    copy->doc = json::parse_object(text, "the plugin process's descriptor");
    const json::Value &doc = copy->doc;
    tllm_plugin_descriptor &d = copy->descriptor;
    d.abi = {TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR};
    if (const json::Value *abi = json::find(doc, "abi"); abi != nullptr && abi->IsArray() &&
                                                         abi->Size() == 2 && (*abi)[0].IsUint() &&
                                                         (*abi)[1].IsUint()) {
        d.abi = {(*abi)[0].GetUint(), (*abi)[1].GetUint()}; // the plugin's, as plugins list shows
    }
    d.struct_size = sizeof d;
    d.id = c_string(doc, "id");
    d.name = c_string(doc, "name");
    d.version = c_string(doc, "version");
    d.description = c_string(doc, "description");
    d.vendor = c_string(doc, "vendor");
    d.license = c_string(doc, "license");
    if (d.id == nullptr || d.name == nullptr || d.version == nullptr) {
        throw Error(ErrorCode::protocol,
                    "the plugin process's descriptor lacks id, name or version");
    }
    const json::Value *components = json::find(doc, "components");
    if (components == nullptr || !components->IsArray()) {
        throw Error(ErrorCode::protocol, "the plugin process's descriptor lacks components");
    }
    const size_t n = components->Size();
    copy->components.resize(n);
    copy->indexes.resize(n);
    copy->tools.resize(n);
    for (size_t i = 0; i < n; ++i) {
        const json::Value &c = (*components)[static_cast<rapidjson::SizeType>(i)];
        tllm_component &out = copy->components[i];
        out.struct_size = sizeof out;
        out.kind = c_string(c, "kind");
        out.name = c_string(c, "name");
        out.description = c_string(c, "description");
        out.config_schema = c_string(c, "config_schema");
        out.flags = static_cast<uint32_t>(json::get_int(c, "flags").value_or(0));
        copy->indexes[i] = static_cast<uint32_t>(json::get_int(c, "index").value_or(0));
        if (out.kind == nullptr || out.name == nullptr) {
            throw Error(ErrorCode::protocol, "a component in the plugin process's descriptor "
                                             "lacks its kind or name");
        }
        if (std::strcmp(out.kind, TLLM_KIND_TOOL) == 0) {
            copy->tools[i].struct_size = sizeof(tllm_tool_v1);
            copy->tools[i].parameters_schema = c_string(c, "parameters_schema");
        }
    }
    d.component_count = static_cast<uint32_t>(n);
    d.components = copy->components.data();
    return copy;
}

} // namespace tinyllm::isolation
