#include "cli/decision_line.hpp"

#include <cstdio>

namespace tinyllm::cli {

std::string decision_line(std::string_view node, const json::Value &event) {
    const std::string kind = json::get_string(event, "kind").value_or("");
    std::string line = std::string(node.empty() ? kind : node) + ": ";
    if (kind == "route") {
        line += "route " + json::get_string(event, "route").value_or("?");
        std::string how = json::get_string(event, "stage").value_or("");
        if (const json::Value *c = json::find(event, "confidence"); c && c->IsNumber()) {
            char number[32];
            std::snprintf(number, sizeof number, "confidence %.2f", c->GetDouble());
            how += (how.empty() ? "" : ", ") + std::string(number);
        }
        if (!how.empty()) line += " (" + how + ")";
        return line;
    }
    if (kind == "gate") {
        const bool pass = json::get_bool(event, "pass").value_or(false);
        line += pass ? "pass" : "fail";
        const std::string action = json::get_string(event, "action").value_or("");
        if (!pass && !action.empty()) line += ", " + action;
        if (const json::Value *reasons = json::find(event, "reasons");
            reasons && reasons->IsArray() && !reasons->Empty()) {
            line += ":";
            bool first = true;
            for (const auto &r : reasons->GetArray()) {
                if (!r.IsString()) continue;
                line += (first ? " " : "; ") + std::string(r.GetString(), r.GetStringLength());
                first = false;
            }
        }
        return line;
    }
    return line + json::to_string(event); // a decision of a kind this host does not know
}

} // namespace tinyllm::cli
