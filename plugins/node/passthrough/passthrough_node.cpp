// The passthrough node: returns the message unchanged. A graph uses it as a named meeting point
// (the join after a fan-out, an entry that only routes through its edges).
#include <tinyllm/plugin.hpp>

namespace {

class PassthroughNode final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "passthrough";
    static constexpr const char *kDescription = "returns the message unchanged (joins, entries)";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","additionalProperties":false,"properties":{}})";

    PassthroughNode(tinyllm::sdk::Host, std::string_view) {}

    std::string process(tinyllm::sdk::Call &, std::string_view message) override {
        std::string out;
        out.reserve(message.size() + 16);
        out += "{\"message\":";
        out += message;
        out += '}';
        return out;
    }
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.node.passthrough",
    .name = "Passthrough node",
    .version = "0.1.0",
    .description = "A graph node that passes its message on unchanged.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

TINYLLM_PLUGIN(kInfo, PassthroughNode)
