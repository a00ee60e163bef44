// The mutation kind (tinyllm.mutation/1) in the host: runtime::Mutation over the test mutations
// (tests/plugins/test_mutations.cpp), loaded in this process and in a plugin process of their own
// (the real tinyllm-plugin-host), with the host checking every request before the plugin sees it
// and every output after (outside the schema: the mutation's error, never a candidate); a crash
// in propose; the MutationSet by name (every component, plus entries of the tools.yaml /
// judges.yaml shape); and the loader's check of a mutation table.
#include "config/component_entries.hpp"
#include "config/config.hpp"
#include "isolation/plugin_process.hpp"
#include "plugin/loader.hpp"
#include "runtime/call_context.hpp"
#include "runtime/mutation.hpp"
#include "runtime/mutation_set.hpp"
#include "runtime/runtime.hpp"
#include "tinyllm/json.hpp"

#include "test_support_common.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace tinyllm::runtime {
namespace {

using test_support::error_of;
using test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::filesystem::path kPlugin = TINYLLM_TEST_MUTATIONS_PLUGIN;

// A graph file as JSON (defaults filled in), two nodes, and what forensics found on the second.
constexpr const char *kRequest = R"({
  "graph": {"id": "sample", "version": "1.2.0", "description": "two nodes", "entry": "first",
            "exits": ["second"], "limits": {"max_steps": 10, "timeout_ms": 0},
            "nodes": [{"id": "first", "type": "passthrough", "config": {}},
                      {"id": "second", "type": "model", "config": {"prompt": "{{input}}"},
                       "retry": {"max_attempts": 1, "backoff_ms": 200, "max_backoff_ms": 5000}}],
            "edges": [{"from": "first", "to": "second"}]},
  "node": "second",
  "failures": [{"category": "timeout", "key": "timeout", "count": 3, "labels": {"math": 3},
                "examples": [{"input": "2+2", "output": "", "reasons": ["timed out"]}]}],
  "metrics": {"requests": 10, "graded": 10, "failures": 3, "failure_rate": 0.3},
  "roles": {"math": ["qwen2.5:1.5b", "qwen2.5:3b"]}
})";

// The request with `member` replaced by `value` (JSON text), or removed when `value` is empty.
std::string request_with(const char *member, const std::string &value) {
    json::Document doc = json::parse(kRequest, "request");
    doc.RemoveMember(member);
    if (!value.empty()) {
        json::Document v = json::parse(value, "value");
        doc.AddMember(json::Value(member, doc.GetAllocator()), json::Value(v, doc.GetAllocator()),
                      doc.GetAllocator());
    }
    return json::to_string(doc);
}

isolation::ProcessOptions process_options() {
    isolation::ProcessOptions o;
    o.plugin_host = TINYLLM_TEST_PLUGIN_HOST;
    o.start_timeout = std::chrono::milliseconds(5000);
    o.stop_grace = std::chrono::milliseconds(200);
    o.max_crashes = 3;
    return o;
}

// The test mutations, loaded in this process or in a process of their own.
std::unique_ptr<plugin::LoadedPlugin> load(bool isolated) {
    std::vector<plugin::LoadFailure> failures;
    plugin::LoadResult r = isolated ? isolation::load_isolated(kPlugin, process_options())
                                    : plugin::load_plugin(kPlugin, failures);
    if (auto *f = std::get_if<plugin::LoadFailure>(&r)) {
        ADD_FAILURE() << plugin::describe(*f);
        return nullptr;
    }
    EXPECT_TRUE(failures.empty());
    return std::move(std::get<std::unique_ptr<plugin::LoadedPlugin>>(r));
}

plugin::ComponentRef component(const plugin::LoadedPlugin &p, std::string_view name) {
    for (const tllm_component *c : p.components) {
        if (name == c->name) return {c, &p};
    }
    ADD_FAILURE() << "no component " << name;
    return {};
}

// Each test runs against the plugin in this process (false) and in its own process (true).
class MutationKind : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        plugin_ = load(GetParam());
        ASSERT_TRUE(plugin_);
    }
    // An instance of the component `type` named `name`, created and activated.
    std::unique_ptr<Mutation> make(const char *type, const std::string &config = "{}",
                                   const std::string &name = "m") {
        auto m = std::make_unique<Mutation>(name, component(*plugin_, type), config, nullptr);
        CallContext activation(CancelToken(), std::nullopt, {});
        m->activate(activation);
        return m;
    }
    MutationProposal propose(Mutation &m, const std::string &request = kRequest) {
        CallContext call(CancelToken(), std::nullopt, {});
        return m.propose(call, request);
    }

    std::unique_ptr<plugin::LoadedPlugin> plugin_;
};

INSTANTIATE_TEST_SUITE_P(InProcessAndIsolated, MutationKind, ::testing::Bool(),
                         [](const auto &info) { return info.param ? "isolated" : "in_process"; });

TEST_P(MutationKind, TheLoaderKnowsTheKind) {
    ASSERT_EQ(plugin_->components.size(), 4u);
    for (const tllm_component *c : plugin_->components)
        EXPECT_STREQ(c->kind, TLLM_KIND_MUTATION) << c->name;
    const auto m = make("touch");
    EXPECT_EQ(m->name(), "m");
    EXPECT_STREQ(m->type(), "touch");
    EXPECT_EQ(m->description(), "marks the node touched, count times");
}

// touch edits the graph with the JSON service (set, remove): what it answers in the schema
// becomes candidates, in order, with the reasons.
TEST_P(MutationKind, AnOutputInTheSchemaBecomesCandidates) {
    const auto m = make("touch", R"({"count":2})");
    const MutationProposal p = propose(*m);
    ASSERT_EQ(p.candidates.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        const MutationCandidate &c = p.candidates[i];
        const json::Document graph = json::parse_object(c.graph_json, "candidate graph");
        EXPECT_STREQ(graph["id"].GetString(), "sample");
        EXPECT_EQ(graph["nodes"][1]["config"]["touched"].GetInt(), static_cast<int>(i));
        EXPECT_FALSE(graph["nodes"][0]["config"].HasMember("touched"));
        EXPECT_FALSE(graph.HasMember("description")); // removed
        EXPECT_EQ(c.rationale, "touch " + std::to_string(i) + " of second");
        EXPECT_THAT(c.touched_nodes, ElementsAre("second"));
    }
    EXPECT_THAT(p.reasons, ElementsAre("touched 2 times"));
}

TEST_P(MutationKind, NoCandidateIsAValidAnswer) {
    const auto none = make("touch", R"({"count":0})");
    const MutationProposal p = propose(*none);
    EXPECT_TRUE(p.candidates.empty());
    EXPECT_THAT(p.reasons, ElementsAre("touched 0 times"));
    // Without reasons too: they default to none.
    const auto bare = make("verbatim", R"({"output":"{\"candidates\":[]}"})");
    const MutationProposal q = propose(*bare);
    EXPECT_TRUE(q.candidates.empty());
    EXPECT_TRUE(q.reasons.empty());
}

// What a mutation answers outside the schema is a protocol error naming the mutation and the
// member, never a candidate.
TEST_P(MutationKind, AnOutputOutsideTheSchemaIsTheMutationsErrorNeverACandidate) {
    const std::string ok_candidate =
        R"({"graph":{"id":"sample","nodes":[]},"rationale":"r","touched_nodes":["second"]})";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"not json", "invalid JSON"},
        {"[]", "expected a JSON object, got array"},
        {R"({"reasons":[]})", "missing"},
        {R"({"candidates":{}})", "candidates"},
        {R"({"candidates":[1]})", "candidates[0]"},
        {R"({"candidates":[{"graph":"g","rationale":"r","touched_nodes":[]}]})",
         "candidates[0].graph"},
        {R"({"candidates":[{"graph":{"id":"sample"},"rationale":"r","touched_nodes":[1]}]})",
         "candidates[0].touched_nodes[0]"},
        {R"({"candidates":[{"graph":{"id":"sample"},"rationale":"r","touched_nodes":"second"}]})",
         "candidates[0].touched_nodes"},
        {R"({"candidates":[{"graph":{"id":"sample"},"touched_nodes":[]}]})", "rationale"},
        {R"({"candidates":[{"graph":{"id":"sample"},"rationale":7,"touched_nodes":[]}]})",
         "candidates[0].rationale"},
        {R"({"candidates":[)" + ok_candidate + R"(],"reasons":"none"})", "reasons"},
        {R"({"candidates":[)" + ok_candidate + R"(],"reasons":[false]})", "reasons[0]"},
        {R"({"candidates":[)" + ok_candidate + R"(],"candidate":[]})", "candidate"},
        {R"({"candidates":[)" + ok_candidate +
             R"(,{"graph":{"id":"other"},"rationale":"r","touched_nodes":[]}]})",
         "candidates[1].graph.id: \"other\", not the request graph's id \"sample\""},
        {R"({"candidates":[{"graph":{},"rationale":"r","touched_nodes":[]}]})",
         "candidates[0].graph.id: missing"},
    };
    for (const auto &[output, why] : cases) {
        json::Document config(rapidjson::kObjectType);
        config.AddMember("output", json::string_value(output, config.GetAllocator()),
                         config.GetAllocator());
        const auto m = make("verbatim", json::to_string(config), "v");
        const auto e = error_of([&] { propose(*m); });
        ASSERT_TRUE(e) << output;
        EXPECT_EQ(e->code(), ErrorCode::protocol) << output;
        EXPECT_THAT(e->what(), StartsWith("mutation v answered outside the schema: ")) << output;
        EXPECT_THAT(e->what(), HasSubstr(why)) << output;
    }
}

// The request is checked before the plugin runs: `failing` would answer unavailable if it ran.
TEST_P(MutationKind, ARequestOutsideTheSchemaIsRefusedBeforeThePluginRuns) {
    const auto m = make("failing", "{}", "f");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"not json", "mutation f: request: invalid JSON"},
        {"[]", "mutation f: request: expected object"},
        {request_with("graph", ""), "missing"},
        {request_with("graph", "[]"), "graph"},
        {request_with("graph", R"({"id":"g"})"), "nodes"},
        {request_with("node", ""), "node"},
        {request_with("node", "3"), "node"},
        {request_with("node", R"("third")"),
         "mutation f: request: node: \"third\" is not one of graph.nodes[].id (first, second)"},
        {request_with("failures", ""), "failures"},
        {request_with("failures", "{}"), "failures"},
        {request_with("failures", "[1]"), "failures[0]"},
        {request_with("metrics", ""), "metrics"},
        {request_with("metrics", "[]"), "metrics"},
        {request_with("roles", ""), "roles"},
        {request_with("roles", R"({"math":"qwen"})"), "roles.math"},
        {request_with("roles", R"({"math":[1]})"), "roles.math[0]"},
    };
    for (const auto &[request, why] : cases) {
        const auto e = error_of([&] { propose(*m, request); });
        ASSERT_TRUE(e) << request;
        EXPECT_EQ(e->code(), ErrorCode::invalid_argument) << e->what();
        EXPECT_THAT(e->what(), StartsWith("mutation f: ")) << request;
        EXPECT_THAT(e->what(), HasSubstr(why)) << request;
    }
    // A request in the schema reaches it, and its own error comes back as it is.
    const auto e = error_of([&] { propose(*m); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::unavailable);
    EXPECT_THAT(e->what(), HasSubstr("failing: the model server is down on purpose"));
    // Members it does not know are a newer caller's: they pass.
    const auto touch = make("touch");
    EXPECT_EQ(propose(*touch, request_with("later", R"({"x":1})")).candidates.size(), 1u);
}

// In a process of its own a mutation that crashes fails its call, naming the plugin; the host
// goes on, and the next call gets a new process.
TEST(MutationIsolation, ACrashInProposeFailsTheCallNamingThePluginAndTheHostGoesOn) {
    const auto plugin = load(true);
    ASSERT_TRUE(plugin);
    Mutation crash("c", component(*plugin, "crash"), "{}", nullptr);
    Mutation touch("t", component(*plugin, "touch"), "{}", nullptr);
    CallContext call(CancelToken(), std::nullopt, {});
    const auto e = error_of([&] { crash.propose(call, kRequest); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::plugin) << e->what();
    EXPECT_THAT(e->what(), HasSubstr("plugin org.tinyllm.test.mutations crashed (SIGSEGV) in "
                                     "mutation c (propose)"));
    EXPECT_THAT(e->what(), HasSubstr("restarted for the next call"));
    CallContext next(CancelToken(), std::nullopt, {});
    EXPECT_EQ(touch.propose(next, kRequest).candidates.size(), 1u);
}

// ---- MutationSet --------------------------------------------------------------------------

const plugin::Registry &mutation_plugins() {
    static const plugin::Registry &r = []() -> const plugin::Registry & {
        static plugin::Registry reg;
        reg.set_log_failures(false);
        reg.load({{kPlugin, "--plugins", true}});
        return reg;
    }();
    return r;
}

// Entries as a config file lists them (the shape tools.yaml and judges.yaml share), read with
// the one parser of that shape.
std::vector<config::ComponentEntry> strategies(const TempDir &dir, const std::string &yaml) {
    const std::string schema_text =
        R"({"type":"object","additionalProperties":false,"properties":{"strategies":)" +
        config::component_entries_schema({"mutation", "The name expansion uses", "One line."}) +
        "}}";
    const config::Schema schema(schema_text, "strategies schema");
    const config::ConfigFile file =
        config::load_config_file(dir.write("expansion.yaml", yaml), schema,
                                 [](const std::string &) { return std::nullopt; });
    return config::parse_component_entries(file, "strategies", "mutation");
}

TEST(MutationSet, EveryMutationUnderItsOwnNamePlusTheConfiguredEntries) {
    const TempDir dir;
    const std::vector<config::ComponentEntry> configured =
        strategies(dir, "strategies:\n"
                        "  - name: twice\n"
                        "    type: touch\n"
                        "    config: {count: 2}\n"
                        "    description: touches twice\n"
                        "  - name: verbatim\n"
                        "    enabled: false\n"
                        "  - name: nowhere\n"
                        "    type: tuoch\n");
    MutationSet set(configured, mutation_plugins(), nullptr);
    std::vector<std::string> names;
    for (const auto &e : set.entries())
        names.push_back(e.name);
    EXPECT_THAT(names, ElementsAre("crash", "failing", "nowhere", "touch", "twice"));
    EXPECT_EQ(MutationSet::description_of(*set.find("twice")), "touches twice");

    set.prepare("twice");
    set.prepare("touch");
    CallContext call(CancelToken(), std::nullopt, {});
    EXPECT_EQ(set.get("twice").propose(call, kRequest).candidates.size(), 2u);
    EXPECT_EQ(set.get("touch").propose(call, kRequest).candidates.size(), 1u); // its defaults
    EXPECT_EQ(set.get("twice").description(), "touches twice");

    const auto unknown = error_of([&] { set.prepare("nowhere"); });
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->code(), ErrorCode::plugin);
    EXPECT_THAT(unknown->what(), HasSubstr("mutation nowhere: no loaded plugin provides mutation "
                                           "type \"tuoch\" (did you mean \"touch\"?)"));
    const auto missing = error_of([&] { set.get("verbatim"); });
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->code(), ErrorCode::not_found);
    EXPECT_THAT(missing->what(), HasSubstr("no mutation named \"verbatim\""));
}

TEST(MutationSet, TheRuntimeHasEveryMutationComponent) {
    const TempDir dir;
    dir.write("system.yaml",
              "logging: {level: warn}\ndata_dir: " + (dir.path() / "data").string() + "\n");
    // A backend no plugin provides: recorded, not thrown; the mutations do not need one.
    dir.write("models.yaml",
              "backends:\n  - {name: none, type: absent}\nmodels:\n  - {name: m, backend: none}\n");
    config::LoadOptions options;
    options.config_dir = dir.path();
    options.getenv = [](const std::string &) -> std::optional<std::string> { return std::nullopt; };
    const config::Config config = config::load(options);
    Runtime runtime(config, mutation_plugins());
    EXPECT_EQ(runtime.mutations().entries().size(), 4u);
    ASSERT_NE(runtime.mutations().find("touch"), nullptr);
    runtime.mutations().prepare("touch");
    CallContext call(CancelToken(), std::nullopt, {});
    EXPECT_EQ(runtime.mutations().get("touch").propose(call, kRequest).candidates.size(), 1u);
}

// ---- the loader ------------------------------------------------------------------------------

TEST(MutationLoader, AMutationTableWithoutProposeIsRefusedAndTheOtherComponentLoads) {
    std::vector<plugin::LoadFailure> failures;
    plugin::LoadResult result = plugin::load_plugin(TINYLLM_TEST_BAD_MUTATION_PLUGIN, failures);
    auto *plugin = std::get_if<std::unique_ptr<plugin::LoadedPlugin>>(&result);
    ASSERT_NE(plugin, nullptr) << plugin::describe(std::get<plugin::LoadFailure>(result));
    ASSERT_EQ((*plugin)->components.size(), 1u);
    EXPECT_STREQ((*plugin)->components[0]->name, "beside-mutation");
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].kind, plugin::FailureKind::invalid_descriptor);
    EXPECT_THAT(failures[0].message, HasSubstr("plugin org.tinyllm.test.bad-mutation: component 1 "
                                               "(no-propose): mutation has no propose function"));
}

} // namespace
} // namespace tinyllm::runtime
