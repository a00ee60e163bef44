// The gate plugin (tinyllm-gate.so) loaded and made the way a graph makes its nodes (the host's
// schema check with defaults, create, activate), with scripted host services: the routes it
// declares, the tool calls it makes through the host, the decision event it emits, and the
// status its final failure carries.
#include "graph/graph_builder.hpp"
#include "plugin/registry.hpp"
#include "runtime/call_context.hpp"
#include "runtime/node.hpp"
#include "tinyllm/json.hpp"

#include "test_support_common.hpp"

#include <gmock/gmock.h>

#include <map>

namespace tinyllm::gate::test {
namespace {

using test_support::error_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const plugin::Registry &gate_registry() {
    static const plugin::Registry *registry = [] {
        auto *r = new plugin::Registry; // never freed: instances may still be alive at exit
        r->load_file(TINYLLM_GATE_PLUGIN);
        return r;
    }();
    return *registry;
}

// Tools by name: each answers with a fixed result document, or fails with an Error.
class ScriptedServices final : public runtime::HostServices {
public:
    messages::ChatResponse chat(const tllm_call *, messages::ChatRequest) override {
        throw Error(ErrorCode::unsupported, "the gate asks no model");
    }
    std::string call_tool(const tllm_call *, const std::string &tool,
                          const std::string &arguments_json) override {
        calls.emplace_back(tool, arguments_json);
        const auto it = results.find(tool);
        if (it == results.end())
            throw Error(ErrorCode::not_found, "no tool named \"" + tool + "\"");
        if (failure) throw *failure;
        return it->second;
    }
    std::string describe_tool(const std::string &tool) override {
        if (results.count(tool) == 0)
            throw Error(ErrorCode::not_found, "no tool named \"" + tool + "\"");
        return R"({"type":"function","function":{"name":")" + tool + R"("}})";
    }
    std::map<std::string, std::string> results;
    std::optional<Error> failure;
    std::vector<std::pair<std::string, std::string>> calls;
};

struct GateNode {
    ScriptedServices services;
    std::unique_ptr<runtime::Node> node;
    std::vector<std::string> events;

    explicit GateNode(const std::string &config, std::map<std::string, std::string> tools = {}) {
        services.results = std::move(tools);
        graph::NodeDef def;
        def.id = "check";
        def.type = "gate";
        def.config = std::make_shared<json::Document>(json::parse(config, "config"));
        node = graph::build_node(def, gate_registry(), &services);
    }
    std::string process(const std::string &message) {
        runtime::CallContext call(runtime::CancelToken{}, std::nullopt,
                                  [this](std::string_view e) { events.emplace_back(e); });
        return node->process(call, message);
    }
};

// What building a gate with `config` throws.
std::optional<Error> build_error(const std::string &config,
                                 std::map<std::string, std::string> tools = {}) {
    return error_of([&] { GateNode n(config, std::move(tools)); });
}

TEST(GatePlugin, RoutesFollowTheConfigAfterTheSchemasDefaults) {
    // Defaults: max_feedback 1, escalate true, fallback false.
    EXPECT_THAT(*GateNode(R"({"rules":[{"type":"non_empty"}]})").node->routes(),
                ElementsAre("pass", "retry", "escalate"));
    EXPECT_THAT(*GateNode(R"({"rules":[{"type":"non_empty"}],"max_feedback":0,)"
                          R"("escalate":false,"fallback":true})")
                     .node->routes(),
                ElementsAre("pass", "fail"));
}

TEST(GatePlugin, ThePatchAndTheDecisionEvent) {
    GateNode n(R"({"rules":[{"type":"regex","pattern":"\\d"}]})");
    const json::Document out = json::parse(n.process(R"({"content":"four"})"), "output");
    EXPECT_STREQ(out["route"].GetString(), "retry");
    EXPECT_STREQ(out["patch"]["feedback"].GetString(),
                 "- the answer does not match the pattern \"\\d\"");
    ASSERT_EQ(n.events.size(), 1u);
    EXPECT_EQ(n.events[0], R"({"type":"decision","kind":"gate","pass":false,"action":"retry",)"
                           R"("failures":1,"reasons":["the answer does not match the pattern )"
                           R"(\"\\d\""]})");
    const json::Document pass = json::parse(n.process(R"({"content":"4"})"), "output");
    EXPECT_STREQ(pass["route"].GetString(), "pass");
    EXPECT_TRUE(pass["patch"]["feedback"].IsNull());
}

TEST(GatePlugin, TheFinalFailureIsAProtocolErrorTheExecutorDoesNotRetry) {
    GateNode n(R"({"rules":[{"type":"non_empty"}],"max_feedback":1,"escalate":true})");
    const auto e = error_of([&] {
        n.process(R"({"content":"","data":{"gate":{"failures":1},"model":{"rung":1,"rungs":2}}})");
    });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::protocol);
    EXPECT_THAT(e->what(), HasSubstr("quality gate failed after 2 attempts: the answer is empty"));
    ASSERT_EQ(n.events.size(), 1u);
    EXPECT_THAT(n.events[0], HasSubstr(R"("action":"error")"));
}

TEST(GatePlugin, ToolRulesCallTheHostsTools) {
    GateNode n(R"({"rules":[{"type":"code_runs"},{"type":"numeric_answer","tool":"calc"}]})",
               {{"code", R"({"content":"7\n","is_error":false,"wall_ms":12})"},
                {"calc", R"({"content":"7","is_error":false,"value":"7"})"}});
    const json::Document out =
        json::parse(n.process(R"({"content":"3 + 4 = 7\n```python\nprint(3 + 4)\n```\n"})"), "out");
    EXPECT_STREQ(out["route"].GetString(), "pass") << json::to_string(out);
    EXPECT_THAT(
        n.services.calls,
        ElementsAre(std::make_pair(std::string("code"),
                                   std::string(R"({"code":"print(3 + 4)\n","language":"python"})")),
                    std::make_pair(std::string("calc"), std::string(R"({"expression":"3 + 4"})"))));
}

TEST(GatePlugin, AnUnavailableToolFailsTheNodeWithItsStatus) {
    GateNode n(R"({"rules":[{"type":"code_runs"}]})", {{"code", "{}"}});
    n.services.failure = Error(ErrorCode::unavailable, "bubblewrap is not installed");
    const auto e = error_of([&] { n.process(R"({"content":"```sh\nls\n```"})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::unavailable); // retryable, unlike a failed answer
    EXPECT_THAT(e->what(), HasSubstr("bubblewrap is not installed"));
}

TEST(GatePlugin, ACancelledRunStopsBeforeTheNextCheck) {
    GateNode n(R"({"rules":[{"type":"non_empty"},{"type":"numeric_answer"}]})",
               {{"calculator", R"({"content":"2","value":"2"})"}});
    runtime::CancelToken token;
    token.cancel();
    runtime::CallContext call(token, std::nullopt, {});
    const auto e = error_of([&] { n.node->process(call, R"({"content":"1 + 1 = 2"})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::cancelled);
    EXPECT_TRUE(n.services.calls.empty());
}

TEST(GatePlugin, AMissingToolFailsTheBuild) {
    const auto e = build_error(R"({"rules":[{"type":"non_empty"},{"type":"numeric_answer"}]})");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::config);
    EXPECT_THAT(e->what(),
                HasSubstr("activate failed: rules[1].tool: no tool named \"calculator\""));
}

TEST(GatePlugin, TheSchemaRefusesUnknownTypesAndKeys) {
    const auto type = build_error(R"({"rules":[{"type":"jsn"}]})");
    ASSERT_TRUE(type);
    EXPECT_EQ(type->code(), ErrorCode::config);
    EXPECT_THAT(type->what(), HasSubstr("rules[0].type: must be one of: non_empty, length, regex, "
                                        "json, json_schema, code_block, code_runs, "
                                        "numeric_answer, judge (got \"jsn\")"));
    const auto key = build_error(R"({"rules":[{"type":"regex","patern":"x"}]})");
    ASSERT_TRUE(key);
    EXPECT_THAT(key->what(), HasSubstr("unknown key \"patern\" (did you mean \"pattern\"?)"));
    const auto top = build_error(R"({"rules":[{"type":"json"}],"max_feedbak":2})");
    ASSERT_TRUE(top);
    EXPECT_THAT(top->what(), HasSubstr("(did you mean \"max_feedback\"?)"));
    const auto none = build_error("{}");
    ASSERT_TRUE(none);
    EXPECT_THAT(none->what(), HasSubstr("missing required key \"rules\""));
    const auto empty = build_error(R"({"rules":[]})");
    ASSERT_TRUE(empty);
    EXPECT_THAT(empty->what(), HasSubstr("must have at least 1 item"));
}

TEST(GatePlugin, CreateErrorsNameTheRule) {
    const auto regex =
        build_error(R"({"rules":[{"type":"json"},{"type":"regex","pattern":"(\\d+"}]})");
    ASSERT_TRUE(regex);
    EXPECT_THAT(regex->what(), HasSubstr("create failed: rules[1].pattern: missing ): (\\d+"));
    const auto judge =
        build_error(R"({"rules":[{"type":"judge","judge":"strict","min_score":"high"}]})");
    ASSERT_TRUE(judge);
    EXPECT_THAT(judge->what(), HasSubstr("rules[0].min_score"));
}

} // namespace
} // namespace tinyllm::gate::test
