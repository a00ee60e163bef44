#include "policy.hpp"

namespace tinyllm::gate {

Decision decide(const Policy &policy, const History &history, bool passed) {
    Decision d;
    d.failures = history.failures;
    d.escalations = history.escalations;
    if (passed) return d; // failures stay as they were: the trace shows how it got there
    d.failures = history.failures + 1;
    if (d.failures <= policy.max_feedback) {
        d.action = Action::retry;
    } else if (policy.escalate && history.rung && history.rungs &&
               *history.rung + 1 < *history.rungs) {
        d.action = Action::escalate;
        d.escalations = history.escalations + 1;
    } else {
        d.action = policy.fallback ? Action::fail : Action::stop;
    }
    return d;
}

std::string_view action_name(Action action) {
    switch (action) {
    case Action::pass: return "pass";
    case Action::retry: return "retry";
    case Action::escalate: return "escalate";
    case Action::fail: return "fail";
    case Action::stop: return "error";
    }
    return "error";
}

std::vector<std::string> routes_of(const Policy &policy) {
    std::vector<std::string> routes = {"pass"};
    if (policy.max_feedback > 0) routes.emplace_back("retry");
    if (policy.escalate) routes.emplace_back("escalate");
    if (policy.fallback) routes.emplace_back("fail");
    return routes;
}

} // namespace tinyllm::gate
