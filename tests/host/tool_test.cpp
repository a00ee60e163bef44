// The tool registry and tool calls, against the test tools in tests/plugins/test_tools.cpp
// loaded from the build tree: naming and tools.yaml, argument validation before the plugin
// runs, result checks, the trace record of every call, and the tllm_host services.
#include "runtime/runtime.hpp"

#include "config/config.hpp"
#include "plugin/registry.hpp"
#include "runtime/instance_host.hpp"
#include "tinyllm/json.hpp"

#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace tinyllm::runtime {
namespace {

using host_test::error_of;
using host_test::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const plugin::Registry &registry() {
    return host_test::good_plugins();
}

constexpr const char *kModels = "backends: [{name: b, type: echo}]\nmodels: [{name: m}]\n";

class ToolTest : public ::testing::Test {
protected:
    // Loads a config dir with `tools_yaml` as tools.yaml (none when empty).
    const config::Config &load(const std::string &tools_yaml = "") {
        dir_.write("system.yaml", "logging: {level: warn}\n");
        dir_.write("models.yaml", kModels);
        if (!tools_yaml.empty()) tools_file_ = dir_.write("tools.yaml", tools_yaml).string();
        config::LoadOptions options;
        options.config_dir = dir_.path();
        options.getenv = [](const std::string &name) -> std::optional<std::string> {
            if (name == "HOME") return "/home/tester";
            return std::nullopt;
        };
        config_ = config::load(options);
        return config_;
    }
    std::string tools_file_;

private:
    TempDir dir_;
    config::Config config_;
};

struct Recorder : CallObserver {
    std::vector<ToolCallRecord> calls;
    void on_model_call(const ModelCallRecord &) override {}
    void on_tool_call(const ToolCallRecord &r) override { calls.push_back(r); }
};

CallContext make_call() {
    return CallContext(CancelToken(), std::nullopt, nullptr);
}

std::vector<std::string> names(const ToolSet &tools) {
    std::vector<std::string> out;
    for (const auto &e : tools.entries())
        out.push_back(e.name);
    return out;
}

TEST_F(ToolTest, EveryToolComponentIsAvailableUnderItsOwnName) {
    Runtime runtime(load(), registry());
    runtime.prepare_components();
    EXPECT_THAT(names(runtime.tools()), ::testing::ElementsAre("activated", "bad_result", "echo",
                                                               "fail", "pair", "picky", "wait"));
    CallContext call = make_call();
    const json::Document result =
        json::parse_object(runtime.call_tool(call, "echo", R"({"text":"hi","times":2})"), "r");
    EXPECT_EQ(json::get_string(result, "content"), "hihi");
    EXPECT_EQ(json::get_bool(result, "is_error"), false);
}

TEST_F(ToolTest, ToolsYamlRenamesConfiguresDescribesAndDisables) {
    Runtime runtime(load("tools:\n"
                         "  - name: shout\n"
                         "    type: echo\n"
                         "    description: says it loudly\n"
                         "    config: {prefix: '!'}\n"
                         "  - {name: fail, enabled: false}\n"),
                    registry());
    runtime.prepare_components();
    EXPECT_THAT(names(runtime.tools()), ::testing::ElementsAre("activated", "bad_result", "echo",
                                                               "pair", "picky", "shout", "wait"));
    CallContext call = make_call();
    EXPECT_THAT(runtime.call_tool(call, "shout", R"({"text":"x"})"), HasSubstr(R"("!x")"));
    EXPECT_THAT(runtime.call_tool(call, "echo", R"({"text":"x"})"), HasSubstr(R"("x")"));
    const json::Document def = json::parse_object(runtime.describe_tool("shout"), "definition");
    EXPECT_EQ(json::get_string(def, "type"), "function");
    EXPECT_EQ(json::get_string(def["function"], "name"), "shout");
    EXPECT_EQ(json::get_string(def["function"], "description"), "says it loudly");
    EXPECT_EQ(json::get_string(def["function"]["parameters"], "type"), "object");

    const auto e = error_of([&] { runtime.call_tool(call, "fail", "{}"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::not_found);
    EXPECT_THAT(e->what(), StartsWith("no tool named \"fail\""));
}

TEST_F(ToolTest, UnknownNamesSuggestTheClosestTool) {
    Runtime runtime(load(), registry());
    runtime.prepare_components();
    CallContext call = make_call();
    const auto e = error_of([&] { runtime.call_tool(call, "ecko", "{}"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::not_found);
    EXPECT_STREQ(e->what(), "no tool named \"ecko\" (did you mean \"echo\"?)");
}

TEST_F(ToolTest, AnUnknownTypeInToolsYamlIsReportedWithItsLine) {
    Runtime runtime(load("tools:\n  - {name: calc, type: calculatr}\n"), registry());
    runtime.prepare_components();
    CallContext call = make_call();
    const auto e = error_of([&] { runtime.call_tool(call, "calc", "{}"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::plugin);
    EXPECT_THAT(e->what(), HasSubstr("tools.yaml:2:"));
    EXPECT_THAT(e->what(), HasSubstr("no loaded plugin provides tool type \"calculatr\""));
}

TEST_F(ToolTest, ToolsYamlErrorsNameFileLineAndColumn) {
    const auto bad_key = error_of([&] { load("tools:\n  - {name: x, colour: red}\n"); });
    ASSERT_TRUE(bad_key);
    EXPECT_EQ(bad_key->code(), ErrorCode::config);
    EXPECT_THAT(bad_key->what(), HasSubstr("tools.yaml:2:"));
    EXPECT_THAT(bad_key->what(), HasSubstr("colour"));

    const auto dup = error_of([&] { load("tools:\n  - {name: x}\n  - {name: x}\n"); });
    ASSERT_TRUE(dup);
    EXPECT_THAT(dup->what(), HasSubstr("tools.yaml:3:"));
    EXPECT_THAT(dup->what(), HasSubstr("duplicate tool name \"x\" (first at line 2)"));
}

TEST_F(ToolTest, ConfigThatFailsThePluginSchemaNamesTheFile) {
    Runtime runtime(load("tools:\n  - name: echo\n    config: {prefix: 3}\n"), registry());
    runtime.prepare_components();
    CallContext call = make_call();
    const auto e = error_of([&] { runtime.call_tool(call, "echo", R"({"text":"x"})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::config);
    EXPECT_THAT(e->what(), HasSubstr("tools.yaml:3:"));
    EXPECT_THAT(e->what(), HasSubstr("prefix"));
}

TEST_F(ToolTest, ACreateFailureIsRememberedAndRepeated) {
    Runtime runtime(load("tools:\n  - name: picky\n    config: {mode: bad}\n"), registry());
    runtime.prepare_components();
    CallContext call = make_call();
    const auto first = error_of([&] { runtime.call_tool(call, "picky", "{}"); });
    const auto second = error_of([&] { runtime.call_tool(call, "picky", "{}"); });
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_EQ(first->code(), ErrorCode::config);
    EXPECT_THAT(first->what(), HasSubstr("mode \"bad\" is not allowed"));
    EXPECT_STREQ(first->what(), second->what());
}

// ---- Eager creation: ToolSet::prepare and prepare_all ---------------------------------------

// What the "activated" tool says about its own instance: "activated <n>".
std::string activations(Runtime &runtime, const std::string &tool) {
    CallContext call = make_call();
    const json::Document result = json::parse_object(runtime.call_tool(call, tool, "{}"), "r");
    return json::get_string(result, "content").value_or("?");
}

TEST_F(ToolTest, PrepareCreatesAndActivatesAToolOnce) {
    Runtime runtime(load(), registry());
    ToolSet &tools = runtime.tools();
    tools.prepare("activated");
    Tool &first = tools.get("activated");
    EXPECT_EQ(first.name(), "activated");
    EXPECT_EQ(activations(runtime, "activated"), "activated 1");

    // Again, by name or with every other tool: the same instance, not activated again.
    tools.prepare("activated");
    tools.prepare_all();
    runtime.prepare_components();
    EXPECT_EQ(&tools.get("activated"), &first);
    EXPECT_EQ(activations(runtime, "activated"), "activated 1");
}

TEST_F(ToolTest, PrepareAllCreatesEveryTool) {
    Runtime runtime(load(), registry());
    runtime.tools().prepare_all();
    for (const ToolSet::Entry &entry : runtime.tools().entries()) {
        EXPECT_EQ(runtime.tools().get(entry.name).name(), entry.name);
    }
    EXPECT_EQ(activations(runtime, "activated"), "activated 1");
}

TEST_F(ToolTest, AToolNobodyPreparedIsAnInternalErrorNotCreatedOnTheCallersThread) {
    Runtime runtime(load(), registry());
    const auto e = error_of([&] { runtime.tools().get("echo"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::internal);
    EXPECT_THAT(e->what(), HasSubstr("tool echo was not created before it was called"));

    // The same through a call and through the host's describe.
    CallContext call = make_call();
    const auto called = error_of([&] { runtime.call_tool(call, "echo", R"({"text":"x"})"); });
    ASSERT_TRUE(called);
    EXPECT_EQ(called->code(), ErrorCode::internal);
    const auto described = error_of([&] { runtime.describe_tool("echo"); });
    ASSERT_TRUE(described);
    EXPECT_EQ(described->code(), ErrorCode::internal);

    // Preparing one tool prepares only that one.
    runtime.tools().prepare("pair");
    EXPECT_NO_THROW(runtime.tools().get("pair"));
    EXPECT_EQ(error_of([&] { runtime.tools().get("echo"); })->code(), ErrorCode::internal);
    // A name that is no tool stays not_found, prepared or not.
    EXPECT_EQ(error_of([&] { runtime.tools().get("nope"); })->code(), ErrorCode::not_found);
    EXPECT_EQ(error_of([&] { runtime.tools().prepare("nope"); })->code(), ErrorCode::not_found);
}

TEST_F(ToolTest, PrepareAllRemembersFailuresWithoutThrowingAndGetThrowsThem) {
    Runtime runtime(load("tools:\n"
                         "  - name: picky\n"
                         "    config: {mode: bad}\n"
                         "  - name: broken\n"
                         "    type: activated\n"
                         "    config: {fail: true}\n"),
                    registry());
    ToolSet &tools = runtime.tools();
    EXPECT_NO_THROW(tools.prepare_all());

    // Creation refused: the config error, the same every time.
    const auto picky = error_of([&] { tools.get("picky"); });
    ASSERT_TRUE(picky);
    EXPECT_EQ(picky->code(), ErrorCode::config);
    EXPECT_THAT(picky->what(), HasSubstr("mode \"bad\" is not allowed"));
    const auto picky_again = error_of([&] { tools.prepare("picky"); });
    ASSERT_TRUE(picky_again);
    EXPECT_STREQ(picky_again->what(), picky->what());

    // Activation failed: remembered like a creation failure, naming the tool and its type.
    const auto broken = error_of([&] { tools.get("broken"); });
    ASSERT_TRUE(broken);
    EXPECT_EQ(broken->code(), ErrorCode::unavailable);
    EXPECT_THAT(broken->what(),
                StartsWith("tool broken (activated): activate failed: activated: not ready on "
                           "purpose (attempt "));
    // Not activated again: the attempt number in the message would have changed.
    const auto prepared_again = error_of([&] { tools.prepare("broken"); });
    ASSERT_TRUE(prepared_again);
    EXPECT_STREQ(prepared_again->what(), broken->what());
    tools.prepare_all();
    CallContext call = make_call();
    const auto called = error_of([&] { runtime.call_tool(call, "broken", "{}"); });
    ASSERT_TRUE(called);
    EXPECT_EQ(called->code(), ErrorCode::unavailable);
    EXPECT_STREQ(called->what(), broken->what());
    const auto described = error_of([&] { runtime.describe_tool("broken"); });
    ASSERT_TRUE(described);
    EXPECT_STREQ(described->what(), broken->what());

    // The other tools work; the same component under its own name activated fine.
    EXPECT_EQ(activations(runtime, "activated"), "activated 1");
    EXPECT_THAT(runtime.call_tool(call, "echo", R"({"text":"ok"})"), HasSubstr(R"("ok")"));
}

TEST_F(ToolTest, PrepareThrowsAFailureAndRemembersIt) {
    Runtime runtime(load("tools:\n  - {name: broken, type: activated, config: {fail: true}}\n"),
                    registry());
    const auto first = error_of([&] { runtime.tools().prepare("broken"); });
    ASSERT_TRUE(first);
    EXPECT_EQ(first->code(), ErrorCode::unavailable);
    EXPECT_THAT(first->what(), HasSubstr("tool broken (activated): activate failed: "));
    const auto got = error_of([&] { runtime.tools().get("broken"); });
    ASSERT_TRUE(got);
    EXPECT_STREQ(got->what(), first->what());
}

TEST_F(ToolTest, ArgumentsAreCheckedAgainstTheSchemaBeforeThePluginRuns) {
    Runtime runtime(load(), registry());
    runtime.prepare_components();
    CallContext call = make_call();
    struct Case {
        const char *arguments;
        const char *message;
    };
    for (const Case &c : {
             Case{"{}", "tool echo: arguments: missing required key \"text\""},
             Case{R"({"text":3})", "tool echo: argument text: expected string, got integer 3"},
             Case{R"({"text":"a","times":0})", "tool echo: argument times: "},
             Case{R"({"text":"a","loud":true})", "tool echo: argument loud: unknown key \"loud\""},
             Case{"[1]", "tool echo: arguments must be a JSON object, got array"},
             Case{"{nope", "tool echo: arguments"},
         }) {
        const auto e = error_of([&] { runtime.call_tool(call, "echo", c.arguments); });
        ASSERT_TRUE(e) << c.arguments;
        EXPECT_EQ(e->code(), ErrorCode::invalid_argument) << c.arguments;
        EXPECT_THAT(e->what(), StartsWith(c.message)) << c.arguments;
    }
}

TEST_F(ToolTest, DefaultsFromTheSchemaReachThePlugin) {
    Runtime runtime(load(), registry());
    runtime.prepare_components();
    CallContext call = make_call();
    // "times" defaults to 1 in the schema; without the default the tool would repeat 0 times.
    EXPECT_THAT(runtime.call_tool(call, "echo", R"({"text":"once"})"),
                HasSubstr(R"("content":"once")"));
}

TEST_F(ToolTest, PluginErrorsAndBadResultsAreErrorsWithTheirMessage) {
    Runtime runtime(load(), registry());
    runtime.prepare_components();
    CallContext call = make_call();
    const auto refused = error_of([&] { runtime.call_tool(call, "fail", "{}"); });
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code(), ErrorCode::invalid_argument);
    EXPECT_STREQ(refused->what(), "fail: refused on purpose at column 3");

    // An outcome that failed is a result, not an error.
    EXPECT_THAT(runtime.call_tool(call, "fail", R"({"outcome":true})"),
                HasSubstr(R"("is_error":true)"));

    const auto bad = error_of([&] { runtime.call_tool(call, "bad_result", "{}"); });
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->code(), ErrorCode::protocol);
    EXPECT_THAT(bad->what(), StartsWith("tool bad_result returned an invalid result document"));
}

TEST_F(ToolTest, EveryCallIsRecordedWithItsArgumentsResultAndError) {
    Runtime runtime(load(), registry());
    runtime.prepare_components();
    Recorder recorder;
    CallContext call = make_call();
    call.set_observer(&recorder);
    runtime.call_tool(call, "echo", R"({"text":"a"})");
    (void)error_of([&] { runtime.call_tool(call, "fail", "{}"); });
    (void)error_of([&] { runtime.call_tool(call, "nope", "{}"); });
    ASSERT_EQ(recorder.calls.size(), 3u);
    EXPECT_EQ(recorder.calls[0].tool, "echo");
    EXPECT_EQ(recorder.calls[0].arguments, R"({"text":"a"})");
    EXPECT_THAT(recorder.calls[0].result, HasSubstr(R"("content":"a")"));
    EXPECT_EQ(recorder.calls[0].error, "");
    EXPECT_GT(recorder.calls[0].started_at_ms, 0);
    EXPECT_EQ(recorder.calls[1].result, "");
    EXPECT_EQ(recorder.calls[1].error, "fail: refused on purpose at column 3");
    EXPECT_THAT(recorder.calls[2].error, StartsWith("no tool named \"nope\""));
}

TEST_F(ToolTest, CancellationStopsARunningTool) {
    Runtime runtime(load(), registry());
    runtime.prepare_components();
    CancelToken token;
    CallContext call(token, std::nullopt, nullptr);
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        token.cancel();
    });
    const auto e = error_of([&] { runtime.call_tool(call, "wait", R"({"ms":10000})"); });
    canceller.join();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::cancelled);
}

TEST_F(ToolTest, PluginsReachToolsThroughTheHostServices) {
    Runtime runtime(load(), registry());
    runtime.prepare_components();
    CallContext parent = make_call();
    Recorder recorder;
    parent.set_observer(&recorder);
    InstanceHost host("test:tools", &runtime);
    const tllm_host *h = host.raw();
    const auto *tools =
        static_cast<const tllm_tools_service_v1 *>(h->get_service(h, TLLM_SERVICE_TOOLS));
    ASSERT_TRUE(TLLM_HAS_FIELD(tools, tllm_tools_service_v1, describe));

    char *out = nullptr;
    ASSERT_EQ(tools->call(h, parent.raw(), "echo", R"({"text":"via host"})", &out), TLLM_OK);
    EXPECT_THAT(out, HasSubstr("via host"));
    h->free_string(h, out);
    ASSERT_EQ(recorder.calls.size(), 1u); // recorded on the calling node's observer

    ASSERT_EQ(tools->call(h, parent.raw(), "echo", "{}", &out), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_THAT(out, HasSubstr("missing required key \"text\""));
    h->free_string(h, out);

    ASSERT_EQ(tools->describe(h, "pair", &out), TLLM_OK);
    const json::Document def = json::parse_object(out, "definition");
    h->free_string(h, out);
    EXPECT_EQ(json::get_string(def["function"], "description"), "joins a name and a number");

    ASSERT_EQ(tools->describe(h, "nope", &out), TLLM_ERR_NOT_FOUND);
    h->free_string(h, out);
}

TEST_F(ToolTest, ConcurrentCallsShareOneInstance) {
    Runtime runtime(load(), registry());
    runtime.prepare_components();
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                CallContext call = make_call();
                const std::string text = std::to_string(t) + "-" + std::to_string(i);
                if (runtime.call_tool(call, "echo", R"({"text":")" + text + R"("})")
                        .find('"' + text + '"') != std::string::npos) {
                    ++ok;
                }
            }
        });
    }
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 400);
}

} // namespace
} // namespace tinyllm::runtime
