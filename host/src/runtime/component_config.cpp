#include "runtime/component_config.hpp"

#include <spdlog/spdlog.h>

namespace tinyllm::runtime {

ComponentConfig make_component_config(const tllm_component &component, const json::Value &given,
                                      const config::Located &where, std::string_view label) {
    json::Document cfg;
    cfg.CopyFrom(given, cfg.GetAllocator());
    ComponentConfig out;
    if (component.config_schema != nullptr) {
        const config::Schema schema(component.config_schema,
                                    std::string("config schema of ") + component.name);
        config::apply_defaults(cfg, schema.root(), cfg.GetAllocator());
        out.overrides = config::apply_env_overrides(cfg, schema.root(), cfg.GetAllocator(),
                                                    config::process_getenv);
        for (const auto &o : out.overrides) {
            spdlog::info("{}: {} from ${} = {}", label, o.pointer, o.variable, o.value);
        }
        schema.validate(cfg, where, out.overrides);
    }
    out.json = json::to_string(cfg);
    return out;
}

} // namespace tinyllm::runtime
