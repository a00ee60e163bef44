// The add_tool mutation as a tinyllm.mutation/1 component: a thin ABI shell over propose_tool.
#include "add_tool.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::mutation {

namespace {

class AddTool final : public sdk::Mutation {
public:
    static constexpr const char *kName = "add_tool";
    static constexpr const char *kDescription =
        "gives a model node the tool its failures call for (calculator, code)";
    static constexpr const char *kConfigSchema = kAddToolSchema;

    AddTool(sdk::Host host, std::string_view config_json)
        : host_(host), config_(parse_add_tool_config(config_json)) {}

    std::string propose(sdk::Call &call, std::string_view request_json) override {
        graph_edit::HostServices services(host_, call);
        return propose_tool(graph_edit::parse_request(request_json), config_, services).to_json();
    }

private:
    sdk::Host host_;
    AddToolConfig config_;
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.mutation.add_tool",
    .name = "Add tool",
    .version = "0.1.0",
    .description = "A self-improvement strategy: a model node whose failures are wrong numbers "
                   "gets the calculator, one whose code fails gets the code tool.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

} // namespace tinyllm::mutation

TINYLLM_PLUGIN(tinyllm::mutation::kInfo, tinyllm::mutation::AddTool)
