// The escalate_model mutation as a tinyllm.mutation/1 component: a thin ABI shell over
// propose_escalation.
#include "escalate_model.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::mutation {

namespace {

class EscalateModel final : public sdk::Mutation {
public:
    static constexpr const char *kName = "escalate_model";
    static constexpr const char *kDescription =
        "the node answers with the next bigger model of its role's ladder";
    static constexpr const char *kConfigSchema = kEscalateSchema;

    EscalateModel(sdk::Host host, std::string_view config_json)
        : host_(host), config_(parse_escalate_config(config_json)) {}

    std::string propose(sdk::Call &call, std::string_view request_json) override {
        graph_edit::HostServices services(host_, call);
        return propose_escalation(graph_edit::parse_request(request_json), config_, services)
            .to_json();
    }

private:
    sdk::Host host_;
    EscalateConfig config_;
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.mutation.escalate_model",
    .name = "Escalate model",
    .version = "0.1.0",
    .description = "A self-improvement strategy: a node that keeps failing answers with the next "
                   "bigger model of its role's ladder (models.yaml).",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

} // namespace tinyllm::mutation

TINYLLM_PLUGIN(tinyllm::mutation::kInfo, tinyllm::mutation::EscalateModel)
