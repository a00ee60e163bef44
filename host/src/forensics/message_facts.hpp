// What forensics reads from a message that a node received or produced (graph/message.hpp):
// its answer ("content"), the router's decision (data.router.route, written by the router node)
// and the quality gate's decision (data.gate, written by the gate node:
// plugins/node/gate/README.md#what-it-writes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::forensics {

struct GateCheck {
    std::string rule; // the rule's name (its type unless the graph named it)
    bool pass = true;
    std::string reason; // "" when it passed
};

struct GateDecision {
    std::string action; // pass, retry, escalate, fail
    std::vector<GateCheck> checks;
    // The names of the failed checks, in rule order.
    std::vector<std::string> failed_rules() const;
};

struct MessageFacts {
    std::optional<std::string> content;
    std::optional<std::string> route; // data.router.route
    std::optional<GateDecision> gate; // data.gate
};

// The facts of a message's JSON text. Text that is not a JSON object, or members of another
// type than the writers give them, leave the facts absent: a report must not fail on one odd run.
MessageFacts read_message(std::string_view message_json);

// True when `text` is empty or only whitespace (ASCII or Unicode spaces are not told apart:
// the gate's non_empty rule decides that finer point, and its verdict is read separately).
bool blank(std::string_view text);

} // namespace tinyllm::forensics
