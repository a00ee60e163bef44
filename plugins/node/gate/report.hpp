// The documents a decision produces: the node's output (a merge patch of the message and the
// route), the "decision" event a CLI prints, and the error that ends a run.
#pragma once

#include "policy.hpp"

#include <string>
#include <vector>

namespace tinyllm::gate {

struct Check {
    std::string rule; // the rule's name (default: its type)
    bool pass = true;
    std::string reason; // "" when it passed
    std::string detail; // what was checked, or the rule's own reason behind a custom message
    double ms = 0;      // how long the check took
};

// The reasons of the failed checks, in rule order.
std::vector<std::string> reasons_of(const std::vector<Check> &checks);

// {"patch":{"feedback":...,"data":{"gate":{...},"escalation":N}},"route":"..."}: a merge patch,
// so the rest of data (the router's, the model's) is left as it is.
std::string node_output(const Decision &decision, const std::vector<Check> &checks);

// {"type":"decision","kind":"gate","pass":...,"action":"...","failures":N,"reasons":[...]}
std::string decision_event(const Decision &decision, const std::vector<Check> &checks);

// "quality gate failed after 3 attempts: reason; reason"
std::string failure_message(const Decision &decision, const std::vector<Check> &checks);

} // namespace tinyllm::gate
