#include "forensics/message_facts.hpp"

#include "tinyllm/json.hpp"

namespace tinyllm::forensics {
namespace {

std::optional<GateDecision> gate_of(const json::Value &data) {
    const json::Value *gate = json::find(data, "gate");
    if (gate == nullptr || !gate->IsObject()) return std::nullopt;
    GateDecision d;
    d.action = json::get_string(*gate, "action").value_or("");
    if (const json::Value *checks = json::find(*gate, "checks");
        checks != nullptr && checks->IsArray()) {
        for (const json::Value &c : checks->GetArray()) {
            if (!c.IsObject()) continue;
            GateCheck check;
            check.rule = json::get_string(c, "rule").value_or("");
            check.pass = json::get_bool(c, "pass").value_or(true);
            check.reason = json::get_string(c, "reason").value_or("");
            d.checks.push_back(std::move(check));
        }
    }
    return d;
}

} // namespace

std::vector<std::string> GateDecision::failed_rules() const {
    std::vector<std::string> rules;
    for (const GateCheck &c : checks) {
        if (!c.pass) rules.push_back(c.rule);
    }
    return rules;
}

MessageFacts read_message(std::string_view message_json) {
    MessageFacts facts;
    if (message_json.empty()) return facts;
    json::Document doc;
    if (!json::parse_into(doc, message_json) || !doc.IsObject()) return facts;
    facts.content = json::get_string(doc, "content");
    const json::Value *data = json::find(doc, "data");
    if (data == nullptr || !data->IsObject()) return facts;
    if (const json::Value *router = json::find(*data, "router");
        router != nullptr && router->IsObject()) {
        facts.route = json::get_string(*router, "route");
    }
    facts.gate = gate_of(*data);
    return facts;
}

bool blank(std::string_view text) {
    for (const char c : text) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
    }
    return true;
}

} // namespace tinyllm::forensics
