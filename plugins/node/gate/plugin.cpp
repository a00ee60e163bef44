// The quality gate node: checks the answer in the message against the configured rules and
// routes it on (pass), back to its model with feedback (retry), to a bigger model (escalate), to
// a fallback (fail), or fails the run. A thin ABI shell over Gate (gate.hpp).
#include "gate.hpp"
#include "report.hpp"
#include "schema.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::gate {

namespace {

// The rules' tool calls go through the host with the node's own call, so they are traced with
// the node and stop when it is cancelled.
class HostTools final : public Tools {
public:
    HostTools(const sdk::Host &host, const sdk::Call &call) : host_(host), call_(call) {}
    std::string call(const std::string &tool, const std::string &arguments_json) override {
        return host_.call_tool(call_, tool, arguments_json);
    }
    std::string grade(const std::string &judge, const std::string &request_json) override {
        return host_.grade(call_, judge, request_json);
    }
    void checkpoint() override { call_.check_cancelled(); }

private:
    const sdk::Host &host_;
    const sdk::Call &call_;
};

class GateNode final : public sdk::Node {
public:
    static constexpr const char *kName = "gate";
    static constexpr const char *kDescription =
        "checks the answer against rules (length, regex, JSON Schema, code that runs, arithmetic) "
        "and routes pass, retry with feedback, escalate to a bigger model, or fail";
    static constexpr const char *kConfigSchema = gate::kConfigSchema;

    GateNode(sdk::Host host, std::string_view config_json) : host_(host), gate_(config_json) {}

    // A graph naming a tool that does not exist fails when it is built, not on its first answer.
    void activate(sdk::Call &) override {
        for (const ConfiguredRule &r : gate_.config().rules) {
            const std::string tool = r.rule->tool();
            if (tool.empty()) continue;
            try {
                host_.describe_tool(tool);
            } catch (const sdk::Error &e) {
                if (e.status() != TLLM_ERR_NOT_FOUND) throw;
                throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, r.label + ".tool: " + e.what());
            }
        }
    }

    std::string process(sdk::Call &call, std::string_view message_json) override {
        HostTools tools(host_, call);
        const Verdict v = gate_.assess(message_json, tools);
        call.emit(decision_event(v.decision, v.checks));
        if (v.decision.action == Action::stop) {
            // The answer is not what the graph agreed to deliver, and asking again will not
            // change that: PROTOCOL, which the executor does not retry (docs/graphs.md#running).
            throw sdk::Error(TLLM_ERR_PROTOCOL, failure_message(v.decision, v.checks));
        }
        return node_output(v.decision, v.checks);
    }

    std::vector<std::string> routes() const override { return routes_of(gate_.config().policy); }

private:
    sdk::Host host_;
    Gate gate_;
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.node.gate",
    .name = "Quality gate node",
    .version = "0.1.0",
    .description = "A graph node that checks an answer (non-empty, length, regular expressions, "
                   "JSON and JSON Schema, code blocks that run in the code tool, arithmetic "
                   "checked with the calculator) and decides: pass, retry with feedback, escalate "
                   "to a bigger model, or fail.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

} // namespace tinyllm::gate

TINYLLM_PLUGIN(tinyllm::gate::kInfo, tinyllm::gate::GateNode)
