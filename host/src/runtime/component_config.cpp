#include "runtime/component_config.hpp"

#include <spdlog/spdlog.h>

#include <optional>

namespace tinyllm::runtime {

PreparedConfig prepare_config(const config::Schema *schema, const json::Value &given,
                              const config::Located &where, std::string_view label) {
    PreparedConfig out;
    out.doc.CopyFrom(given, out.doc.GetAllocator());
    if (schema == nullptr) return out;
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
