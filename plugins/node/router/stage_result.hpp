// What the router's stages conclude about one request, and the record the cascade keeps of each
// stage it ran. Plain data, free of the SDK, so every stage can be tested on its own.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::router {

// sure: the stage decided (the cascade stops); unsure: it ran but no route is clear enough;
// skipped: it could not run (no usable examples, empty input); failed: it broke on this request
// (a model error, an answer that is not JSON). Only `sure` stops the cascade.
enum class Outcome { sure, unsure, skipped, failed };

constexpr std::string_view to_string(Outcome outcome) noexcept {
    switch (outcome) {
    case Outcome::sure: return "sure";
    case Outcome::unsure: return "unsure";
    case Outcome::skipped: return "skipped";
    case Outcome::failed: return "failed";
    }
    return "failed";
}

// A score of "no opinion" about a route (a semantic stage without examples for it, the routes a
// model did not pick): written as null.
inline constexpr double kNoScore = std::numeric_limits<double>::quiet_NaN();
inline bool has_score(double score) noexcept {
    return !std::isnan(score);
}

struct StageResult {
    Outcome outcome = Outcome::unsure;
    int route = -1;             // index into the routes when sure, else -1
    double confidence = 0;      // 0..1 when sure
    std::vector<double> scores; // one per route (kNoScore: none), or empty when not computed
    std::string detail;         // one line for humans: why sure, unsure, skipped or failed

    static StageResult skipped(std::string why) {
        return {Outcome::skipped, -1, 0, {}, std::move(why)};
    }
    static StageResult failed(std::string why) {
        return {Outcome::failed, -1, 0, {}, std::move(why)};
    }
};

struct StageRecord {
    std::string_view stage; // "rules", "semantic", "model" (static names)
    double ms = 0;
    StageResult result;
};

// The router's answer for one request: the route, which stage gave it ("default" when none was
// sure), and every stage that ran, in order.
struct Decision {
    int route = -1;
    std::string_view stage;
    double confidence = 0;
    std::vector<double> scores; // the deciding stage's, one per route
    std::vector<StageRecord> stages;
};

} // namespace tinyllm::router
