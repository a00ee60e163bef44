#include "forensics/next_step.hpp"

#include <algorithm>

namespace tinyllm::forensics {
namespace {

bool has(const std::vector<std::string> &list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::string gate_rule_step(const std::string &key, const std::string &n, const NodeHelp &help) {
    if (key == "numeric_answer") {
        if (has(help.tools_called, "calculator")) {
            return "wrong arithmetic from " + n +
                   ", though it called the calculator: make its prompt say to copy the tool's "
                   "result, or let its gate escalate to a bigger model";
        }
        return "wrong arithmetic from " + n +
               ": give it the calculator tool (tools: [calculator]), or let its gate escalate "
               "to a bigger model";
    }
    if (key == "code_block") {
        return n + " answers without a fenced code block: ask for one in its prompt";
    }
    if (key == "code_runs") {
        return n + "'s code does not run: give it the code tool to try its code before answering";
    }
    if (key == "length") {
        return n + "'s answers break the gate's length limit: state the limit in its prompt, or "
                   "cap num_predict";
    }
    if (key == "judge") {
        return "the gate's judge rejects " + n +
               "'s answers: the examples' reasons say why; sharpen its prompt, or escalate to a "
               "bigger model";
    }
    if (key.empty()) {
        return n + "'s answers fail its gate, by a rule the trace did not record: `tinyllm runs "
                   "show ID` shows the gate's reasons";
    }
    return n + "'s answers fail the gate's " + key +
           " rule: put the rule's requirement in its prompt, or raise the gate's max_feedback";
}

std::string wrong_number_step(const std::string &n, const NodeHelp &help) {
    const bool calculator = has(help.tools_called, "calculator");
    const bool gated = has(help.gate_rules_passed, "numeric_answer");
    if (calculator && gated) {
        return "wrong_number from " + n +
               ", though it called the calculator and its numeric_answer gate passed the "
               "answers: the arithmetic was right for another question (a wrong operation or "
               "operand); add a judge rule to its gate, or escalate to a bigger model";
    }
    if (calculator) {
        return "wrong_number from " + n +
               ", though it called the calculator: add a numeric_answer gate, which checks the "
               "answer's computation and sends it back";
    }
    if (gated) {
        return "wrong_number from " + n +
               ", though its numeric_answer gate passed the answers: give it the calculator tool";
    }
    return "wrong_number from " + n + ": add the calculator tool or a numeric_answer gate";
}

std::string judge_step(const std::string &key, const std::string &n, const NodeHelp &help) {
    if (key == "failure=wrong_number") return wrong_number_step(n, help);
    if (key == "failure=no_number") {
        return n + " answers without a final number: ask for one in its prompt, or add a "
                   "numeric_answer gate with require: true";
    }
    if (key == "failure=tests_failed") {
        return n + "'s code fails the tests: give it the code tool, or add a code_runs gate";
    }
    if (key == "failure=no_code") {
        return n + " answers without code: add a code_block gate with feedback";
    }
    if (key == "failure=schema_violation") {
        return n + "'s JSON breaks the schema: use structured output (format), or add a "
                   "json_schema gate with feedback";
    }
    if (key == "failure=pattern_mismatch") {
        return n + "'s answers miss the expected pattern: add a regex gate with feedback";
    }
    return "judges reject " + n + "'s answers" + (key.empty() ? "" : " (" + key + ")") +
           ": compare the examples with the expected answers; a gate with a judge rule sends "
           "such answers back before they are final";
}

} // namespace

std::string next_step(Category category, const std::string &key, const std::string &node,
                      const NodeHelp &help) {
    const std::string n = node.empty() ? "the run" : node;
    switch (category) {
    case Category::backend_unavailable:
        if (key == "remote") {
            return "the model server answered " + n +
                   " with an error: check that the model exists there (`tinyllm models list`, "
                   "`tinyllm models pull NAME`)";
        }
        return "the model server did not answer " + n +
               ": check that it runs and is reachable (`tinyllm doctor`); a retry policy on the "
               "node (retry: {max_attempts: 3}) rides out short outages";
    case Category::timeout:
        return "time ran out in " + n +
               ": check the model server's load (`tinyllm doctor`), raise the node's timeout_ms "
               "or limits.request_timeout_ms, or use a smaller model";
    case Category::tool_error:
        return "the " + key + " tool failed in " + n +
               ": rerun an example's call with `tinyllm tool " + key +
               " ARGS` (`tinyllm runs show ID` has the arguments); `tinyllm doctor` checks "
               "the sandbox";
    case Category::wrong_route:
        return n + " misroutes these requests (" + key +
               "): add keywords, patterns or examples of the expected route to its rules, and "
               "measure with `tinyllm eval routing`";
    case Category::tool_loop:
        return n + " still asked for tools after max_tool_rounds: raise max_tool_rounds, or say "
                   "in its prompt when to stop calling tools and answer";
    case Category::format:
        if (key == "json" || key == "json_schema") {
            return n + "'s answers fail the gate's " + key +
                   " rule: use structured output (the model node's format) so the model cannot "
                   "answer otherwise";
        }
        return n + "'s output breaks the protocol: for a model's structured answer give the node a "
                   "format schema; `tinyllm runs show ID` shows what it wrote";
    case Category::empty_answer:
        return n + " answered nothing: check its prompt and num_predict, and put a non_empty rule "
                   "in a gate with feedback so an empty answer is asked again";
    case Category::gate_rule: return gate_rule_step(key, n, help);
    case Category::judge_verdict: return judge_step(key, n, help);
    case Category::uncategorised: break;
    }
    if (key == "limit_exceeded") {
        return "a graph limit (max_steps, max_visits) ended these runs at " + n +
               ": `tinyllm runs show ID` shows the loop";
    }
    if (key == "plugin") {
        return "a plugin crashed in " + n +
               ": the run's error names it; check it with `tinyllm plugins validate FILE`";
    }
    if (key == "interrupted") {
        return "the process running these runs died (killed, out of memory): the system's logs "
               "say why";
    }
    return "no structured signal says more about " + n +
           "'s failures: `tinyllm runs show ID` shows the trace";
}

} // namespace tinyllm::forensics
