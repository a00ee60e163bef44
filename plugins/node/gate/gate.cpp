#include "gate.hpp"

#include "message.hpp"

#include <algorithm>
#include <chrono>

namespace tinyllm::gate {

namespace {

// Reasons become "- reason" lines of feedback and part of a one-line error.
std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\r', ' ');
    return text;
}

} // namespace

Gate::Gate(std::string_view config_json) : config_(parse_config(config_json)) {}

std::vector<Check> Gate::evaluate(const Answer &answer, Tools &tools) const {
    std::vector<Check> checks;
    checks.reserve(config_.rules.size());
    for (const ConfiguredRule &r : config_.rules) {
        tools.checkpoint();
        const auto start = std::chrono::steady_clock::now();
        Outcome outcome = r.rule->check(answer, tools);
        const std::chrono::duration<double, std::milli> took =
            std::chrono::steady_clock::now() - start;
        Check c;
        c.rule = r.name;
        c.pass = outcome.pass;
        c.ms = took.count();
        c.detail = std::move(outcome.detail);
        if (!outcome.pass) {
            c.reason = one_line(r.message.empty() ? std::move(outcome.reason) : r.message);
            if (!r.message.empty()) c.detail = one_line(std::move(outcome.reason)); // for the trace
        }
        checks.push_back(std::move(c));
    }
    return checks;
}

Verdict Gate::assess(std::string_view message_json, Tools &tools) const {
    GateInput in = read_message(message_json);
    const Answer answer(std::move(in.content), std::move(in.input));
    Verdict v;
    v.checks = evaluate(answer, tools);
    const bool passed =
        std::all_of(v.checks.begin(), v.checks.end(), [](const Check &c) { return c.pass; });
    v.decision = decide(config_.policy, in.history, passed);
    return v;
}

} // namespace tinyllm::gate
