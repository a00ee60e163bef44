// The rules judge as a tinyllm.judge/1 component: a thin ABI shell over RulesJudge.
#include "config_schema.hpp"
#include "rules_judge.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::judge {

namespace {

// The checks' tool calls (calculator, code) go through the host with the grade's own call, so
// they are traced with whatever asked for the grade and stop when it is cancelled.
class HostTools final : public answer::Tools {
public:
    HostTools(const sdk::Host &host, const sdk::Call &call) : host_(host), call_(call) {}
    std::string call(const std::string &tool, const std::string &arguments_json) override {
        return host_.call_tool(call_, tool, arguments_json);
    }
    void checkpoint() override { call_.check_cancelled(); }

private:
    const sdk::Host &host_;
    const sdk::Call &call_;
};

class RulesJudgeComponent final : public sdk::Judge {
public:
    static constexpr const char *kName = "rules";
    static constexpr const char *kDescription =
        "grades with exact checks and no model: exact or contained reference answer, numeric "
        "equality (exact through the calculator), regex, JSON Schema, code that passes tests";
    static constexpr const char *kConfigSchema = judge::kConfigSchema;

    RulesJudgeComponent(sdk::Host host, std::string_view config_json)
        : host_(host), judge_(parse_rules_config(config_json)) {}

    // A calculator that is not there makes numeric checks compare as floating point instead of
    // failing every grade; a configured code tool that is missing is an error, found now.
    // Runs before any grade, so the judge is replaced while nothing reads it.
    void activate(sdk::Call &) override {
        if (judge_.config().calculator.empty()) return;
        try {
            host_.describe_tool(judge_.config().calculator);
        } catch (const sdk::Error &e) {
            if (e.status() != TLLM_ERR_NOT_FOUND) throw;
            host_.debug("no calculator tool: numeric checks compare as floating point");
            RulesConfig c = judge_.config();
            c.calculator.clear();
            judge_ = RulesJudge(std::move(c));
        }
    }

    std::string grade(sdk::Call &call, std::string_view request_json) override {
        const sdk::Json doc = host_.parse_json(request_json, "grade request");
        GradeInput in;
        in.input = std::string(doc.string("/input").value_or(""));
        in.output = std::string(doc.string("/output").value_or(""));
        if (auto e = doc.string("/expected")) in.expected = std::string(*e);
        if (auto ctx = doc.write("/context")) {
            in.context = json::parse_object(*ctx, "context", ErrorCode::invalid_argument);
        }
        HostTools tools(host_, call);
        RulesVerdict v = judge_.grade(in, tools);
        sdk::Verdict out;
        out.pass = v.pass;
        out.score = v.pass ? 1.0 : 0.0;
        out.reasons = std::move(v.reasons);
        out.labels = std::move(v.labels);
        return out.to_json();
    }

private:
    sdk::Host host_;
    RulesJudge judge_;
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.judge.rules",
    .name = "Rules judge",
    .version = "0.1.0",
    .description = "A judge that grades answers with exact checks and no model: a reference "
                   "answer matched exactly or contained, numbers compared exactly through the "
                   "calculator, regular expressions, JSON Schema, and code run against tests in "
                   "the sandbox.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

} // namespace tinyllm::judge

TINYLLM_PLUGIN(tinyllm::judge::kInfo, tinyllm::judge::RulesJudgeComponent)
