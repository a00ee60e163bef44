#include "runtime/component_config.hpp"

#include "config/paths.hpp"

#include <spdlog/spdlog.h>

#include <optional>

namespace tinyllm::runtime {

void resolve_config_paths(json::Value &value, const json::Value &schema,
                          const std::filesystem::path &base, const config::Getenv &getenv,
                          json::Allocator &alloc) {
    if (!schema.IsObject()) return;
    if (json::get_bool(schema, "x-path").value_or(false)) {
        if (!value.IsString() || value.GetStringLength() == 0) return;
        const std::string_view text(value.GetString(), value.GetStringLength());
        // "~" without HOME stays as written: the component's error names the path.
        if (const auto path = config::resolve_path(text, base, getenv)) {
            value = json::string_value(path->string(), alloc);
        }
        return;
    }
    if (value.IsArray()) {
        const json::Value *items = json::find(schema, "items");
        if (items == nullptr) return;
        for (json::Value &item : value.GetArray())
            resolve_config_paths(item, *items, base, getenv, alloc);
        return;
    }
    if (!value.IsObject()) return;
    const json::Value *properties = json::find(schema, "properties");
    const json::Value *others = json::find(schema, "additionalProperties");
    for (auto &member : value.GetObject()) {
        const json::Value *property =
            properties != nullptr && properties->IsObject()
                ? json::find(*properties, {member.name.GetString(), member.name.GetStringLength()})
                : nullptr;
        if (property == nullptr) property = others;
        if (property != nullptr) resolve_config_paths(member.value, *property, base, getenv, alloc);
    }
}

PreparedConfig prepare_config(const config::Schema *schema, const json::Value &given,
                              const config::Located &where, std::string_view label) {
    PreparedConfig out;
    out.doc.CopyFrom(given, out.doc.GetAllocator());
    if (schema == nullptr) return out;
    if (where.positions != nullptr && !where.positions->file().empty()) {
        // The file's name as it was opened (often relative to the working directory).
        const std::filesystem::path dir =
            config::absolute_from(std::filesystem::path(where.positions->file()).parent_path(), {});
        resolve_config_paths(out.doc, schema->root(), dir, config::process_getenv,
                             out.doc.GetAllocator());
    }
    config::apply_defaults(out.doc, schema->root(), out.doc.GetAllocator());
    out.overrides = config::apply_env_overrides(out.doc, schema->root(), out.doc.GetAllocator(),
                                                config::process_getenv);
    for (const auto &o : out.overrides) {
        spdlog::info("{}: {} from ${} = {}", label, o.pointer, o.variable, o.value);
    }
    schema->validate(out.doc, where, out.overrides);
    return out;
}

ComponentConfig make_component_config(const tllm_component &component, const json::Value &given,
                                      const config::Located &where, std::string_view label) {
    std::optional<config::Schema> schema;
    if (component.config_schema != nullptr) {
        schema.emplace(component.config_schema, std::string("config schema of ") + component.name);
    }
    PreparedConfig prepared = prepare_config(schema ? &*schema : nullptr, given, where, label);
    return {json::to_string(prepared.doc), std::move(prepared.overrides)};
}

} // namespace tinyllm::runtime
