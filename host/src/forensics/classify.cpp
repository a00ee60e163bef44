#include "forensics/classify.hpp"

#include "forensics/calls.hpp"
#include "forensics/excerpt.hpp"
#include "forensics/grade_facts.hpp"
#include "store/run_store.hpp"

#include <algorithm>

namespace tinyllm::forensics {
namespace {

// The model node's marker for its tool-round limit (plugins/node/model/tool_loop.cpp).
constexpr std::string_view kToolRounds = "(max_tool_rounds)";

bool contains(const std::vector<std::string> &list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

void add_once(std::vector<std::string> &list, const std::string &item) {
    if (!contains(list, item)) list.push_back(item);
}

void blame(Finding &f, const trace::NodeExecution &node) {
    f.node = node.node_id;
    f.node_type = node.node_type;
    for (const trace::ToolCall &c : node.tool_calls)
        add_once(f.help.tools_called, c.tool);
}

Finding blamed_on(const trace::NodeExecution &node, Category category, std::string key,
                  std::string_view text) {
    Finding f;
    f.category = category;
    f.key = std::move(key);
    f.excerpt = excerpt(text);
    blame(f, node);
    return f;
}

// The rules of the gate decision that let the final answer through.
std::vector<std::string> rules_passed(const TraceView &view) {
    std::vector<std::string> rules;
    const auto last = view.last_decision_before(view.size());
    const GateDecision *d = last ? view.decision(*last) : nullptr;
    if (d == nullptr || d->action != "pass") return rules;
    for (const GateCheck &c : d->checks)
        add_once(rules, c.rule);
    return rules;
}

// ---- failed runs ---------------------------------------------------------------------------

Finding stopped_gate_finding(const TraceView &view, size_t i, const GateRuleBook &book) {
    const trace::NodeExecution &gate = view.node(i);
    const StoppedGate stopped = stopped_gate(view, i, book);
    const auto checked = view.previous_in_branch(i);
    const trace::NodeExecution &blamed = checked ? view.node(*checked) : gate;
    const auto content = view.content_received(i);
    const std::string text = gate.node_id + ": " + stopped.reasons;
    Finding f;
    // No key: an empty answer is one cause, whichever rule (or none) caught it.
    if ((content && blank(*content)) || contains(stopped.rules, "non_empty")) {
        f = blamed_on(blamed, Category::empty_answer, "", text);
    } else if (contains(stopped.rules, "json_schema")) {
        f = blamed_on(blamed, Category::format, "json_schema", text);
    } else if (contains(stopped.rules, "json")) {
        f = blamed_on(blamed, Category::format, "json", text);
    } else {
        f = blamed_on(blamed, Category::gate_rule,
                      stopped.rules.empty() ? std::string() : stopped.rules.front(), text);
    }
    f.inferred = stopped.inferred;
    return f;
}

Finding failed_execution_finding(const TraceView &view, size_t i, const GateRuleBook &book) {
    const trace::NodeExecution &n = view.node(i);
    // Runs recorded before the store kept node error codes: the run's code is the node's.
    const std::string &code = n.error_code.empty() ? view.run().error_code : n.error_code;
    if (code == "protocol" && view.is_gate(n.node_id)) return stopped_gate_finding(view, i, book);
    if (code == "protocol" && n.error.find(kToolRounds) != std::string::npos) {
        return blamed_on(n, Category::tool_loop, "", n.error);
    }
    if (n.status == trace::NodeStatus::timed_out || code == "timeout") {
        return blamed_on(n, Category::timeout, "", n.error);
    }
    if (const trace::ToolCall *tool = failed_tool_call(n)) {
        return blamed_on(n, Category::tool_error, tool->tool, tool_failure_text(*tool));
    }
    if (code == "unavailable" || code == "remote") {
        const trace::ModelCall *call = failed_model_call(n);
        const std::string text =
            call != nullptr ? call->model + " on backend " + call->backend + ": " + call->error
                            : n.error;
        return blamed_on(n, Category::backend_unavailable, code, text);
    }
    if (code == "protocol") return blamed_on(n, Category::format, "", n.error);
    return blamed_on(n, Category::uncategorised, code.empty() ? "unknown" : code, n.error);
}

// A run whose end no failed execution explains.
Finding run_level_finding(const TraceView &view) {
    const trace::Run &run = view.run();
    Finding f;
    f.node = run.error_node;
    f.excerpt = excerpt(run.error_message);
    if (run.error_code == "timeout") {
        f.category = Category::timeout;
        return f;
    }
    if (run.error_code == "limit_exceeded") {
        // A loop bounded by max_visits or max_steps, last sent round by a gate: the gate's
        // rules are why it went round.
        const auto last = view.last_decision_before(view.size());
        const GateDecision *d = last ? view.decision(*last) : nullptr;
        if (d != nullptr && d->action != "pass" && !d->failed_rules().empty()) {
            const auto checked = view.previous_in_branch(*last);
            const trace::NodeExecution &blamed = view.node(checked ? *checked : *last);
            std::string reasons;
            for (const GateCheck &c : d->checks) {
                if (!c.pass) reasons += (reasons.empty() ? "" : "; ") + c.reason;
            }
            return blamed_on(blamed, Category::gate_rule, d->failed_rules().front(),
                             run.error_message + "; the gate " + view.node(*last).node_id +
                                 " last said: " + reasons);
        }
    }
    f.category = Category::uncategorised;
    if (run.error_message == store::RunStore::kInterruptedMessage) {
        f.key = "interrupted";
    } else {
        f.key = run.error_code.empty() ? "unknown" : run.error_code;
    }
    return f;
}

// ---- runs that succeeded -------------------------------------------------------------------

// The execution to blame for what the run answered: the node a grade names, else the one that
// wrote the answer, else the last one.
const trace::NodeExecution *answer_node(const TraceView &view, const std::string &graded_node) {
    if (!graded_node.empty()) {
        for (size_t i = view.size(); i-- > 0;) {
            if (view.node(i).node_id == graded_node) return &view.node(i);
        }
    }
    if (const auto producer = view.answer_producer()) return &view.node(*producer);
    return view.size() > 0 ? &view.node(view.size() - 1) : nullptr;
}

std::optional<Finding> weak_answer_finding(const RunEvidence &evidence, const TraceView &view,
                                           const ClassifyOptions &options) {
    const trace::Run &run = evidence.run;
    if (blank(run.answer)) {
        // The node that emptied the answer: the first whose output is blank though what it
        // received was not.
        const trace::NodeExecution *blamed = nullptr;
        for (size_t i = 0; i < view.size() && blamed == nullptr; ++i) {
            const auto &content = view.output(i).content;
            if (view.node(i).status != trace::NodeStatus::succeeded || !content ||
                !blank(*content)) {
                continue;
            }
            const auto received = view.content_received(i);
            if (received && !blank(*received)) blamed = &view.node(i);
        }
        if (blamed == nullptr) blamed = answer_node(view, "");
        Finding f;
        f.category = Category::empty_answer;
        f.excerpt = "the final answer is empty";
        if (blamed != nullptr) blame(f, *blamed);
        f.help.gate_rules_passed = rules_passed(view);
        return f;
    }
    for (const store::GradeRecord &g : evidence.grades) {
        if (!low_grade(g, options.min_score)) continue;
        Finding f;
        f.category = Category::judge_verdict;
        if (const auto failure = label(g, "failure")) f.key = "failure=" + *failure;
        f.excerpt = excerpt(grade_text(g));
        if (const trace::NodeExecution *blamed = answer_node(view, g.node_id)) {
            blame(f, *blamed);
        } else {
            f.node = g.node_id;
        }
        f.help.gate_rules_passed = rules_passed(view);
        return f;
    }
    return std::nullopt;
}

// ---- the route -----------------------------------------------------------------------------

std::optional<std::string> expected_route(const RunEvidence &evidence) {
    if (evidence.expected_route && !evidence.expected_route->empty()) {
        return evidence.expected_route;
    }
    for (const char *name : {"expected_route", "route"}) {
        for (const store::GradeRecord &g : evidence.grades) {
            if (auto route = label(g, name); route && !route->empty()) return route;
        }
    }
    return std::nullopt;
}

// What the answer got wrong, which a wrong route upstream explains better; the
// infrastructure's failures (backend, timeout, tool) happen whatever the route.
bool about_the_answer(Category c) {
    return c == Category::tool_loop || c == Category::format || c == Category::empty_answer ||
           c == Category::gate_rule || c == Category::judge_verdict || c == Category::uncategorised;
}

std::optional<Finding> wrong_route_finding(const RunEvidence &evidence, const TraceView &view,
                                           const Finding &found) {
    const auto expected = expected_route(evidence);
    const auto router = view.router_decision();
    if (!expected || !router) return std::nullopt;
    const std::string &routed = *view.output(*router).route;
    if (routed == *expected) return std::nullopt;
    return blamed_on(view.node(*router), Category::wrong_route,
                     "expected " + *expected + ", routed " + routed,
                     "routed to " + routed + " where the label says " + *expected + "; then " +
                         std::string(describe(found.category)) +
                         (found.node.empty() ? "" : " in " + found.node) + ": " + found.excerpt);
}

} // namespace

std::optional<Finding> classify(const RunEvidence &evidence, const TraceView &view,
                                const GateRuleBook &book, const ClassifyOptions &options) {
    const trace::Run &run = evidence.run;
    std::optional<Finding> found;
    if (run.status == trace::RunStatus::failed) {
        const auto decisive = view.decisive_failure();
        found =
            decisive ? failed_execution_finding(view, *decisive, book) : run_level_finding(view);
    } else if (run.status == trace::RunStatus::succeeded) {
        found = weak_answer_finding(evidence, view, options);
    }
    if (!found) return std::nullopt;
    if (about_the_answer(found->category)) {
        if (auto wrong = wrong_route_finding(evidence, view, *found)) found = std::move(wrong);
    }
    found->run_id = run.id;
    found->run_failed = run.status == trace::RunStatus::failed;
    return found;
}

Recovery recovery_of(const TraceView &view) {
    Recovery r;
    auto add = [](std::vector<std::string> &list, const std::string &item) {
        if (!contains(list, item)) list.push_back(item);
    };
    for (size_t i = 0; i < view.size(); ++i) {
        if (const GateDecision *d = view.decision(i); d != nullptr && d->action != "pass") {
            for (const std::string &rule : d->failed_rules())
                add(r.gate_rules, rule);
        }
        if (failed(view.node(i))) {
            add(r.retried_codes,
                view.node(i).error_code.empty() ? "unknown" : view.node(i).error_code);
        }
    }
    return r;
}

} // namespace tinyllm::forensics
