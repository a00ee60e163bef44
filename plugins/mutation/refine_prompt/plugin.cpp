// The refine_prompt mutation as a tinyllm.mutation/1 component: a thin ABI shell over
// propose_refinement.
#include "refine_prompt.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::mutation {

namespace {

class RefinePrompt final : public sdk::Mutation {
public:
    static constexpr const char *kName = "refine_prompt";
    static constexpr const char *kDescription =
        "a model rewrites a node's system prompt from the requests it answered wrong";
    static constexpr const char *kConfigSchema = kRefineSchema;

    RefinePrompt(sdk::Host host, std::string_view config_json)
        : host_(host), config_(parse_refine_config(config_json)) {}

    std::string propose(sdk::Call &call, std::string_view request_json) override {
        graph_edit::HostServices services(host_, call);
        return propose_refinement(graph_edit::parse_request(request_json), config_, services)
            .to_json();
    }

private:
    sdk::Host host_;
    RefineConfig config_;
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.mutation.refine_prompt",
    .name = "Refine prompt",
    .version = "0.1.0",
    .description = "A self-improvement strategy: a model rewrites the system prompt of a node "
                   "that keeps failing, from the requests it answered wrong "
                   "(prompts/meta/expansion_refine.yaml).",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

} // namespace tinyllm::mutation

TINYLLM_PLUGIN(tinyllm::mutation::kInfo, tinyllm::mutation::RefinePrompt)
