// One instance of a tinyllm.tool/1 component under the name models call it by. Arguments are
// checked against the tool's parameters schema before the plugin sees them, and the result is
// checked to be a result document, so a plugin bug never reaches a model as garbage.
#pragma once

#include "config/schema.hpp"
#include "runtime/component_instance.hpp"

#include <optional>
#include <string>

namespace tinyllm::runtime {

class Tool {
public:
    static constexpr const char *kKind = TLLM_KIND_TOOL; // for ComponentSet
    static constexpr const char *kNoun = "tool";
    // `config_json` must already satisfy the component's config schema. `description`
    // replaces the component's own when set (tools.yaml).
    Tool(std::string name, plugin::ComponentRef ref, const std::string &config_json,
         HostServices *services, std::optional<std::string> description = std::nullopt);

    const std::string &name() const noexcept { return name_; }
    const char *type() const noexcept { return instance_.component().name; }
    // Once, on the loading thread, before the first call (ComponentInstance::activate).
    void activate(CallContext &call) { instance_.activate(call); }
    const std::string &description() const noexcept { return description_; }
    // The JSON Schema text of the arguments object.
    const char *parameters() const noexcept { return vtable_->parameters_schema; }
    // {"type":"function","function":{"name","description","parameters"}}: what a chat
    // request's "tools" list takes.
    const std::string &definition() const noexcept { return definition_; }

    // Validates `arguments_json` (Error invalid_argument naming the argument), fills the
    // schema's defaults, invokes the plugin and returns its result document
    // {"content":"...","is_error":false,...}; throws Error.
    std::string invoke(CallContext &call, const std::string &arguments_json);

    struct Health {
        std::string detail;
        bool warning = false;
    };
    // The tool's own check that it can work here (`tinyllm doctor`); throws Error saying what
    // is missing. A tool without a check is ready once created.
    Health check(CallContext &call);

private:
    std::string name_;
    ComponentInstance instance_;
    const tllm_tool_v1 *vtable_;
    config::Schema schema_;
    std::string description_;
    std::string definition_;
};

// A tool definition (as Tool::definition) for a tool component that has no instance yet.
std::string tool_definition(std::string_view name, std::string_view description,
                            const char *parameters_schema);

} // namespace tinyllm::runtime
