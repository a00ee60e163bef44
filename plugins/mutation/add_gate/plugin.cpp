// The add_gate mutation as a tinyllm.mutation/1 component: a thin ABI shell over propose_gate.
#include "add_gate.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::mutation {

namespace {

class AddGate final : public sdk::Mutation {
public:
    static constexpr const char *kName = "add_gate";
    static constexpr const char *kDescription =
        "puts a quality gate (rules from the failures, feedback, escalation) after a node that "
        "has none, or gives a node's gate one more feedback round";
    static constexpr const char *kConfigSchema = kAddGateSchema;

    AddGate(sdk::Host host, std::string_view config_json)
        : host_(host), config_(parse_add_gate_config(config_json)) {}

    std::string propose(sdk::Call &call, std::string_view request_json) override {
        graph_edit::HostServices services(host_, call);
        return propose_gate(graph_edit::parse_request(request_json), config_, services).to_json();
    }

private:
    sdk::Host host_;
    AddGateConfig config_;
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.mutation.add_gate",
    .name = "Add gate",
    .version = "0.1.0",
    .description = "A self-improvement strategy: a quality gate after a node that has none, with "
                   "rules its failures call for, a retry with feedback and escalation; or one "
                   "more feedback round for a gate that rejects to the end.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

} // namespace tinyllm::mutation

TINYLLM_PLUGIN(tinyllm::mutation::kInfo, tinyllm::mutation::AddGate)
