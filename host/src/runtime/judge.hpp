// One instance of a tinyllm.judge/1 component under the name callers use (judges.yaml or the
// component's own). The grade request is checked before the plugin sees it and the verdict
// after, so a judge that answers outside the schema is a judge error, never a pass.
#pragma once

#include "config/schema.hpp"
#include "runtime/component_instance.hpp"

#include <optional>
#include <string>

namespace tinyllm::runtime {

class Judge {
public:
    static constexpr const char *kKind = TLLM_KIND_JUDGE; // for ComponentSet
    static constexpr const char *kNoun = "judge";

    // `config_json` must already satisfy the component's config schema. `description`
    // replaces the component's own when set (judges.yaml).
    Judge(std::string name, plugin::ComponentRef ref, const std::string &config_json,
          HostServices *services, std::optional<std::string> description = std::nullopt);

    const std::string &name() const noexcept { return name_; }
    const char *type() const noexcept { return instance_.component().name; }
    const std::string &description() const noexcept { return description_; }
    // Once, on the loading thread, before the first call (ComponentInstance::activate).
    void activate(CallContext &call) { instance_.activate(call); }
    bool can_compare() const noexcept;

    // A grade request (plugin.h, tllm_judge_v1) -> the verdict, normalised:
    //   {"score":0.5,"pass":false,"reasons":[...],"labels":{...}}
    // Throws Error: invalid_argument naming the member for a request outside the schema,
    // protocol for a verdict outside it, the plugin's own error otherwise.
    std::string grade(CallContext &call, const std::string &request_json);
    // A comparison request -> {"preference":"a"|"b"|"tie","reasons":[...],"labels":{...}};
    // unsupported for a judge without compare.
    std::string compare(CallContext &call, const std::string &request_json);

private:
    std::string name_;
    ComponentInstance instance_;
    const tllm_judge_v1 *vtable_;
    std::string description_;
};

} // namespace tinyllm::runtime
