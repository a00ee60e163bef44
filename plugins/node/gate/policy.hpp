// What the gate does with a verdict. The state lives in the message (data.gate.failures,
// data.escalation, data.model), not in the node: the same instance serves concurrent runs, and a
// run's history travels with it through the graph's loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::gate {

struct Policy {
    int64_t max_feedback = 1; // failed answers sent back to the same model with the reasons
    bool escalate = true;     // then re-ask with the next bigger model of the role, while any
    bool fallback = false;    // then route "fail" (true) or fail the node (false)
};

// What the message says about earlier gate decisions and the model that answered.
struct History {
    int64_t failures = 0;         // data.gate.failures
    int64_t escalations = 0;      // data.escalation
    std::optional<int64_t> rung;  // data.model.rung: the answering model's place in its ladder
    std::optional<int64_t> rungs; // data.model.rungs: how many models the ladder has
};

enum class Action {
    pass,     // route "pass"
    retry,    // route "retry": the same model again, with feedback
    escalate, // route "escalate": the next bigger model, with feedback
    fail,     // route "fail": a fallback node takes over
    stop,     // no route: the node fails, and with it the run
};

struct Decision {
    Action action = Action::pass;
    int64_t failures = 0;    // the new data.gate.failures
    int64_t escalations = 0; // the new data.escalation
};

Decision decide(const Policy &policy, const History &history, bool passed);

// "pass", "retry", "escalate", "fail"; "error" for stop (it is not a route).
std::string_view action_name(Action action);

// The routes a gate with `policy` can return, for the host's build-time check of the edges.
std::vector<std::string> routes_of(const Policy &policy);

} // namespace tinyllm::gate
