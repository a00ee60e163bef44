// Shared by the mutation tests: the shipped default graph as the host hands it to a mutation
// (config/graphs/default.yaml loaded by the host's graph loader, defaults filled in), an
// expansion request around it, scripted host services (the repository's prompt files, the
// models.yaml ladders, the calculator and code tools, a scripted model), and the check every
// candidate must pass: the host's graph loader and builder with the real node plugins.
#pragma once

#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "graph_edit/graph_edit.hpp"
#include "graph_edit/model_ref.hpp"
#include "graph_edit/request.hpp"
#include "plugin/registry.hpp"
#include "prompts/prompt_file.hpp"
#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <gtest/gtest.h>

#include "test_support_common.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace tinyllm::mutation::test {

namespace fs = std::filesystem;
namespace ge = graph_edit;

inline fs::path source_dir() {
    return TINYLLM_SOURCE_DIR;
}

// A graph file as the host hands it to mutations: loaded, checked, defaults filled in.
inline std::string graph_json(const fs::path &file) {
    const graph::GraphDef def = graph::load_graph_def(file);
    return json::to_string(*def.document);
}

inline std::string default_graph() {
    static const std::string text = graph_json(source_dir() / "config/graphs/default.yaml");
    return text;
}

// A graph written as YAML (or JSON) text, as the host hands it over.
inline std::string graph_from_text(const std::string &yaml) {
    const test_support::TempDir dir;
    return graph_json(dir.write("graph.yaml", yaml));
}

// config/models.yaml's ladders.
inline const char *kRoles =
    R"({"router":["qwen2.5:0.5b"],"general":["qwen2.5:0.5b","qwen2.5:1.5b","qwen2.5:3b"],)"
    R"("math":["qwen2.5:1.5b","qwen2.5:3b"],"code":["qwen2.5:1.5b","qwen2.5:3b"],)"
    R"("judge":["qwen2.5:1.5b","qwen2.5:3b"]})";

// Math failures concentrated in word problems: 30 of 70 against 10 of 70 arithmetic ones.
inline const char *kMathFailures = R"([
  {"category":"judge_verdict","key":"failure=wrong_number","count":31,
   "labels":{"word_problems":25,"arithmetic":6},
   "examples":[{"input":"Noah buys 9 notebooks at $3 each. How much does he spend in dollars?",
                "output":"9 + 3 = 12\nThe answer is 12.","expected":"27",
                "reasons":["the final number 12 is not 27"],"label":"word_problems",
                "tools":["calculator"]},
               {"input":"What is 38 * 13?","output":"38 * 13 = 484\nThe answer is 484.",
                "expected":"494","reasons":["the final number 484 is not 494"],
                "label":"arithmetic","tools":[]}]},
  {"category":"gate_rule","key":"numeric_answer","count":9,
   "labels":{"word_problems":5,"arithmetic":4},
   "examples":[{"input":"A train travels 120 km in 2 hours. What is its speed in km/h?",
                "output":"120 / 2 = 61\nThe answer is 61.","expected":"60",
                "reasons":["\"120 / 2 = 61\" is wrong: the calculator gives 60"],
                "label":"word_problems","tools":[]}]}])";

inline const char *kMathMetrics =
    R"({"requests":140,"graded":140,"failures":40,"failure_rate":0.286,)"
    R"("labels":{"arithmetic":{"graded":70,"failures":10},)"
    R"("word_problems":{"graded":70,"failures":30}},)"
    R"("models":{"qwen2.5:1.5b":120,"qwen2.5:3b":20},"tools":{"calculator":60}})";

inline std::string request_json(const std::string &graph, const std::string &node,
                                const std::string &failures = kMathFailures,
                                const std::string &metrics = kMathMetrics,
                                const std::string &roles = kRoles) {
    std::string out = R"({"graph":)" + graph + R"(,"node":)";
    json::append_quoted(out, node);
    out += R"(,"failures":)" + failures + R"(,"metrics":)" + metrics + R"(,"roles":)" + roles + "}";
    return out;
}

inline ge::Request request(const std::string &graph, const std::string &node,
                           const std::string &failures = kMathFailures,
                           const std::string &metrics = kMathMetrics,
                           const std::string &roles = kRoles) {
    return ge::parse_request(request_json(graph, node, failures, metrics, roles));
}

// The host's services, scripted: prompt files from the repository's prompts/, the ladders of
// kRoles (min_size by the names' sizes), the calculator and code tools, and a model whose
// answer the test sets (every request is kept).
class FakeServices : public ge::Services {
public:
    std::string prompt(const std::string &id) override {
        ++prompt_reads;
        const fs::path file = source_dir() / "prompts" / (id + ".yaml");
        if (!fs::exists(file)) throw sdk::Error(TLLM_ERR_NOT_FOUND, "no prompt \"" + id + "\"");
        return prompts::to_json(prompts::load_prompt_file(file, id));
    }
    std::vector<std::string> role_models(const std::string &role,
                                         const std::string &min_size) override {
        const json::Document roles = json::parse_object(roles_json, "roles");
        const json::Value *ladder = json::find(roles, role);
        if (ladder == nullptr)
            throw sdk::Error(TLLM_ERR_NOT_FOUND, "no model has the role " + role);
        const auto least = ge::parameters_of(min_size);
        std::vector<std::string> out;
        for (const json::Value &m : ladder->GetArray()) {
            const auto size = ge::size_of(m.GetString());
            if (least && (!size || *ge::parameters_of(*size) < *least)) continue;
            out.emplace_back(m.GetString());
        }
        return out;
    }
    bool has_tool(const std::string &name) override { return tools.count(name) > 0; }
    std::string chat(const sdk::ChatRequest &request) override {
        requests.push_back(request);
        if (answer) return answer(request);
        throw sdk::Error(TLLM_ERR_UNAVAILABLE, "no model in this test");
    }

    std::string roles_json = kRoles;
    std::set<std::string> tools = {"calculator", "code"};
    std::function<std::string(const sdk::ChatRequest &)> answer;
    std::vector<sdk::ChatRequest> requests;
    int prompt_reads = 0;
};

// The node plugins the shipped graphs use, from the build tree; loaded once.
inline const plugin::Registry &node_registry() {
    static const plugin::Registry *registry = [] {
        auto *r = new plugin::Registry; // never freed: instances may outlive the tests
        r->set_log_failures(false);
        for (const char *file : {TINYLLM_ROUTER_PLUGIN, TINYLLM_GATE_PLUGIN, TINYLLM_MODEL_PLUGIN,
                                 TINYLLM_PASSTHROUGH_PLUGIN})
            r->load_file(file);
        if (r->plugins().size() != 4) ADD_FAILURE() << "cannot load the node plugins";
        return r;
    }();
    return *registry;
}

// "" when `graph_json` passes what the host checks of a candidate: loaded as a graph file
// (schema, ids, edges, conditions) and built with the real node plugins (each node's config
// against its schema, routes against edges, reachability, bounded loops); else the error.
inline std::string graph_error(const std::string &graph_json) {
    const test_support::TempDir dir;
    try {
        // JSON is YAML: the file the host would write for a candidate.
        graph::build_graph(graph::load_graph_def(dir.write("candidate.yaml", graph_json)),
                           node_registry(), nullptr, graph::BuildMode::definition);
        return {};
    } catch (const Error &e) {
        return e.what();
    }
}

inline json::Document parse(const std::string &text) {
    return json::parse(text, "test JSON");
}

// Set node `id`'s config.<key> to the JSON `value`.
inline void set_config(json::Document &graph, const std::string &id, const std::string &key,
                       const std::string &value) {
    json::Allocator &a = graph.GetAllocator();
    ge::set_member(ge::config_of(*ge::node(graph, id), a), key, json::Value(parse(value), a), a);
}

// The node `id` of a graph document (a failure when absent).
inline const json::Value &node_of(const json::Value &graph, const std::string &id) {
    const json::Value *n = ge::node(graph, id);
    if (n == nullptr) {
        ADD_FAILURE() << "no node " << id;
        static const json::Value none(rapidjson::kObjectType);
        return none;
    }
    return *n;
}

inline std::string text(const json::Value &value) {
    return json::to_string(value);
}

// The node ids of a graph, in order.
inline std::vector<std::string> node_ids(const json::Value &graph) {
    std::vector<std::string> out;
    for (const json::Value &n : graph["nodes"].GetArray())
        out.push_back(ge::string_of(n, "id"));
    return out;
}

// The edges as "from -> to [when]" lines, in order.
inline std::vector<std::string> edge_lines(const json::Value &graph) {
    std::vector<std::string> out;
    for (const json::Value &e : graph["edges"].GetArray()) {
        const std::string when = ge::string_of(e, "when");
        out.push_back(ge::string_of(e, "from") + " -> " + ge::string_of(e, "to") +
                      (when.empty() ? "" : " [" + when + "]"));
    }
    return out;
}

} // namespace tinyllm::mutation::test
