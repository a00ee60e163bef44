// The router's cascade: its stages in order, each run until one is sure; the default route when
// none is. Every stage that ran is recorded (outcome, time, detail, scores), so data.router says
// why a request went where it went. Also the JSON the node answers and the event it emits.
#pragma once

#include "stage_result.hpp"

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::router {

struct Step {
    std::string_view name; // "rules", "semantic", "model"
    std::function<StageResult(std::string_view text)> run;
};

// Runs `steps` on `text` until one is sure. A step that throws is recorded as failed with the
// exception's message, except a cancellation (sdk::Error with TLLM_ERR_CANCELLED), which is
// rethrown: the caller wants the call to stop, not a route. A sure result with a route outside
// 0..route_count-1 is recorded as failed (a bug in the stage, not a reason to fail the run).
Decision decide(std::string_view text, std::span<const Step> steps, size_t route_count,
                int default_route);

// {"patch":{"data":{"router":{route, stage, confidence, scores, stages}}},"route":"<route>"}: a
// JSON merge patch of the message (data.router replaced member by member) and the route.
std::string output_json(const Decision &decision, const std::vector<std::string> &routes);

// {"type":"decision","kind":"route","route":"math","stage":"rules","confidence":1.0}
std::string event_json(const Decision &decision, const std::vector<std::string> &routes);

} // namespace tinyllm::router
