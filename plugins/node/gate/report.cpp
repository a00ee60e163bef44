#include "report.hpp"

#include "answer/text.hpp"

#include "tinyllm/json.hpp"

#include <cmath>

namespace tinyllm::gate {

using answer::count_noun;
using answer::excerpt;

namespace {

void string(json::Writer &w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void strings(json::Writer &w, const std::vector<std::string> &items) {
    w.StartArray();
    for (const std::string &s : items)
        string(w, s);
    w.EndArray();
}

// What the model reads next time ({{feedback}} in its prompt): one "- reason" line per failure.
std::string feedback_of(const std::vector<std::string> &reasons) {
    std::string text;
    for (const std::string &r : reasons)
        text += (text.empty() ? "- " : "\n- ") + r;
    return text;
}

void write_checks(json::Writer &w, const std::vector<Check> &checks) {
    w.StartArray();
    for (const Check &c : checks) {
        w.StartObject();
        w.Key("rule");
        string(w, c.rule);
        w.Key("pass");
        w.Bool(c.pass);
        w.Key("reason");
        string(w, c.reason);
        if (!c.detail.empty()) {
            w.Key("detail");
            string(w, c.detail);
        }
        w.Key("ms");
        w.Double(std::round(c.ms * 1000) / 1000); // microseconds are enough
        w.EndObject();
    }
    w.EndArray();
}

} // namespace

std::vector<std::string> reasons_of(const std::vector<Check> &checks) {
    std::vector<std::string> reasons;
    for (const Check &c : checks)
        if (!c.pass) reasons.push_back(c.reason);
    return reasons;
}

std::string node_output(const Decision &decision, const std::vector<Check> &checks) {
    const std::vector<std::string> reasons = reasons_of(checks);
    const bool passed = decision.action == Action::pass;
    rapidjson::StringBuffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("patch");
    w.StartObject();
    w.Key("feedback");
    if (passed) {
        w.Null(); // the next node must not read an old complaint about a fixed answer
    } else {
        string(w, feedback_of(reasons));
    }
    w.Key("data");
    w.StartObject();
    w.Key("gate");
    w.StartObject();
    w.Key("pass");
    w.Bool(passed);
    w.Key("action");
    string(w, action_name(decision.action));
    w.Key("reasons");
    strings(w, reasons);
    w.Key("failures");
    w.Int64(decision.failures);
    w.Key("checks");
    write_checks(w, checks);
    w.EndObject();
    if (decision.action == Action::escalate) {
        w.Key("escalation");
        w.Int64(decision.escalations);
    }
    w.EndObject();
    w.EndObject();
    w.Key("route");
    string(w, action_name(decision.action));
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::string decision_event(const Decision &decision, const std::vector<Check> &checks) {
    rapidjson::StringBuffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("type");
    w.String("decision");
    w.Key("kind");
    w.String("gate");
    w.Key("pass");
    w.Bool(decision.action == Action::pass);
    w.Key("action");
    string(w, action_name(decision.action));
    w.Key("failures");
    w.Int64(decision.failures);
    w.Key("reasons");
    strings(w, reasons_of(checks));
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::string failure_message(const Decision &decision, const std::vector<Check> &checks) {
    std::string reasons;
    for (const std::string &r : reasons_of(checks))
        reasons += (reasons.empty() ? "" : "; ") + r;
    return "quality gate failed after " + count_noun(decision.failures, "attempt") + ": " + reasons;
}

} // namespace tinyllm::gate
