// Hand-built traces for the forensics tests: messages as the nodes write them (content,
// data.router, data.gate) and runs made of node executions, with the run's end filled in the
// way the executor fills it.
#pragma once

#include "forensics/analysis.hpp"
#include "forensics/classify.hpp"
#include "store/grades.hpp"
#include "tinyllm/json.hpp"
#include "trace/trace.hpp"

#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace tinyllm::forensics_test {

struct Check {
    std::string rule;
    bool pass = true;
    std::string reason;
};

// data.gate as the gate node writes it (plugins/node/gate/report.cpp).
inline std::string gate_data(const std::string &action, const std::vector<Check> &checks) {
    std::string out =
        R"("gate":{"pass":)" + std::string(action == "pass" ? "true" : "false") + R"(,"action":)";
    json::append_quoted(out, action);
    out += R"(,"reasons":[],"failures":1,"checks":[)";
    for (size_t i = 0; i < checks.size(); ++i) {
        out += (i ? "," : "") + std::string(R"({"rule":)");
        json::append_quoted(out, checks[i].rule);
        out += R"(,"pass":)" + std::string(checks[i].pass ? "true" : "false") + R"(,"reason":)";
        json::append_quoted(out, checks[i].reason);
        out += R"(,"ms":0.01})";
    }
    return out + "]}";
}

// data.router as the router node writes it.
inline std::string router_data(const std::string &route) {
    std::string out = R"("router":{"route":)";
    json::append_quoted(out, route);
    return out + R"(,"stage":"rules","confidence":1})";
}

// A message with `content` and the data members given (each "name":{...}).
inline std::string message(const std::string &content, const std::vector<std::string> &data = {}) {
    std::string out = R"({"input":"q","content":)";
    json::append_quoted(out, content);
    out += R"(,"route":"","attempt":1,"data":{)";
    for (size_t i = 0; i < data.size(); ++i)
        out += (i ? "," : "") + data[i];
    return out + "}}";
}

class RunBuilder {
public:
    explicit RunBuilder(std::string id, std::string graph = "default") {
        run_.id = std::move(id);
        run_.graph_id = std::move(graph);
        run_.graph_version = "1.0.0";
        run_.input = "What is 12*7?";
        run_.started_at_ms = 1'700'000'000'000;
    }

    // Executions that follow go to `branch` ("" the main path).
    RunBuilder &branch(std::string b) {
        branch_ = std::move(b);
        return *this;
    }

    RunBuilder &ok(const std::string &node, const std::string &type, std::string output,
                   std::string route = "") {
        trace::NodeExecution &n = add(node, type);
        n.status = trace::NodeStatus::succeeded;
        n.output = std::move(output);
        n.route = std::move(route);
        return *this;
    }

    RunBuilder &fail(const std::string &node, const std::string &type, const std::string &code,
                     const std::string &error,
                     trace::NodeStatus status = trace::NodeStatus::failed) {
        trace::NodeExecution &n = add(node, type);
        n.status = status;
        n.error_code = code;
        n.error = error;
        return *this;
    }

    // A model call (and a tool call) of the last execution, `at` ms into the run.
    RunBuilder &model_call(const std::string &error = "", int64_t at = 0) {
        trace::ModelCall c;
        c.model = "qwen2.5:0.5b";
        c.backend = "local";
        c.started_at_ms = run_.started_at_ms + at;
        c.error = error;
        run_.nodes.back().model_calls.push_back(c);
        return *this;
    }
    RunBuilder &tool_call(const std::string &tool, const std::string &result,
                          const std::string &error = "", int64_t at = 0) {
        run_.nodes.back().tool_calls.push_back(
            {tool, "{}", result, run_.started_at_ms + at, 100, error});
        return *this;
    }

    // The run as the executor ends it: failed at the last failed execution, or succeeded with
    // the last output's content as the answer.
    trace::Run failed(const std::string &code = "", const std::string &message = "") {
        run_.status = trace::RunStatus::failed;
        for (auto it = run_.nodes.rbegin(); it != run_.nodes.rend(); ++it) {
            if (it->status == trace::NodeStatus::succeeded) continue;
            run_.error_node = it->node_id;
            run_.error_code = it->error_code;
            run_.error_message = "node " + it->node_id + " failed: " + it->error;
            break;
        }
        if (!code.empty()) run_.error_code = code;
        if (!message.empty()) run_.error_message = message;
        return run_;
    }
    trace::Run failed_at(const std::string &node, const std::string &code,
                         const std::string &message) {
        run_.status = trace::RunStatus::failed;
        run_.error_node = node;
        run_.error_code = code;
        run_.error_message = message;
        return run_;
    }
    trace::Run succeeded() {
        run_.status = trace::RunStatus::succeeded;
        run_.output = run_.nodes.back().output;
        run_.answer = json::get_string(json::parse(run_.output, "output"), "content").value_or("");
        return run_;
    }
    trace::Run with_status(trace::RunStatus status) {
        run_.status = status;
        return run_;
    }

private:
    trace::NodeExecution &add(const std::string &node, const std::string &type) {
        trace::NodeExecution n;
        n.seq = static_cast<int64_t>(run_.nodes.size());
        n.node_id = node;
        n.node_type = type;
        n.branch = branch_;
        n.started_at_ms = run_.started_at_ms + n.seq;
        for (const auto &earlier : run_.nodes) {
            if (earlier.node_id == node) ++n.visit;
        }
        run_.nodes.push_back(std::move(n));
        return run_.nodes.back();
    }

    trace::Run run_;
    std::string branch_;
};

inline store::GradeRecord grade(const std::string &run_id, std::optional<bool> pass,
                                std::optional<double> score, const std::string &labels = "",
                                const std::string &reasons = R"(["the answer is wrong"])") {
    store::GradeRecord g;
    g.run_id = run_id;
    g.judge = "rules";
    g.pass = pass;
    g.score = score;
    g.labels = labels;
    g.reasons = reasons;
    return g;
}

// The one run's finding, with the run alone as the window (its own decisions in the book).
inline std::optional<forensics::Finding> classify_one(const forensics::RunEvidence &evidence,
                                                      forensics::ClassifyOptions options = {}) {
    const forensics::TraceView view(evidence.run);
    forensics::GateRuleBook book;
    book.learn(view);
    return forensics::classify(evidence, view, book, options);
}

inline std::optional<forensics::Finding> classify_one(const trace::Run &run) {
    return classify_one(forensics::RunEvidence{run, {}, std::nullopt});
}

} // namespace tinyllm::forensics_test
