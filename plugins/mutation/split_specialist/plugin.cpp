// The split_specialist mutation as a tinyllm.mutation/1 component: a thin ABI shell over
// propose_split.
#include "split_specialist.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::mutation {

namespace {

class SplitSpecialist final : public sdk::Mutation {
public:
    static constexpr const char *kName = "split_specialist";
    static constexpr const char *kDescription =
        "splits a node that fails mostly on one category of requests into a router and one "
        "sub-specialist per category, the weak one with a bigger model and step-by-step "
        "instructions";
    static constexpr const char *kConfigSchema = kSplitSchema;

    SplitSpecialist(sdk::Host host, std::string_view config_json)
        : host_(host), config_(parse_split_config(config_json)) {}

    std::string propose(sdk::Call &call, std::string_view request_json) override {
        graph_edit::HostServices services(host_, call);
        return propose_split(graph_edit::parse_request(request_json), config_, services).to_json();
    }

private:
    sdk::Host host_;
    SplitConfig config_;
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.mutation.split_specialist",
    .name = "Split specialist",
    .version = "0.1.0",
    .description = "A self-improvement strategy: a node that fails mostly on one category of "
                   "requests becomes a router and one sub-specialist per category; the weak "
                   "category's gets a bigger model and step-by-step instructions.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

} // namespace tinyllm::mutation

TINYLLM_PLUGIN(tinyllm::mutation::kInfo, tinyllm::mutation::SplitSpecialist)
