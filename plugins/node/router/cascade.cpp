#include "cascade.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <chrono>
#include <cmath>

namespace tinyllm::router {

namespace {

using Clock = std::chrono::steady_clock;

// Figures rounded for the record: microseconds of a stage's time, and scores to 6 decimals
// (enough to compare with a threshold, short enough to read).
double rounded(double v, double scale) {
    return std::round(v * scale) / scale;
}

void write_scores(json::Writer &w, const std::vector<double> &scores,
                  const std::vector<std::string> &routes) {
    w.StartObject();
    for (size_t r = 0; r < routes.size(); ++r) {
        // A route without a score is left out, not null: the output is a JSON merge patch, in
        // which null deletes, so a null could never reach the message.
        const double s = r < scores.size() ? scores[r] : kNoScore;
        if (!has_score(s) || !std::isfinite(s)) continue;
        w.Key(routes[r].data(), static_cast<rapidjson::SizeType>(routes[r].size()));
        // Counts (the rules stage's) read as counts: 2, not 2.0.
        const double v = rounded(s, 1e6);
        if (v == std::floor(v) && std::fabs(v) < 1e15) {
            w.Int64(static_cast<int64_t>(v));
        } else {
            w.Double(v);
        }
    }
    w.EndObject();
}

void write_string(json::Writer &w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

} // namespace

Decision decide(std::string_view text, std::span<const Step> steps, size_t route_count,
                int default_route) {
    Decision decision;
    decision.stages.reserve(steps.size());
    for (const Step &step : steps) {
        const auto start = Clock::now();
        StageResult result;
        try {
            result = step.run(text);
        } catch (const sdk::Error &e) {
            if (e.status() == TLLM_ERR_CANCELLED) throw;
            result = StageResult::failed(e.what());
        } catch (const std::exception &e) {
            result = StageResult::failed(e.what());
        }
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (result.outcome == Outcome::sure &&
            (result.route < 0 || static_cast<size_t>(result.route) >= route_count)) {
            result = StageResult::failed("the stage chose route " + std::to_string(result.route) +
                                         ", which does not exist");
        }
        decision.stages.push_back({step.name, ms, std::move(result)});
        const StageResult &last = decision.stages.back().result;
        if (last.outcome == Outcome::sure) {
            decision.route = last.route;
            decision.stage = step.name;
            decision.confidence = last.confidence;
            decision.scores = last.scores;
            return decision;
        }
    }
    decision.route = default_route;
    decision.stage = "default";
    decision.confidence = 0;
    decision.scores.assign(route_count, kNoScore);
    return decision;
}

std::string output_json(const Decision &decision, const std::vector<std::string> &routes) {
    rapidjson::StringBuffer buffer;
    json::Writer w(buffer);
    const std::string &route = routes[static_cast<size_t>(decision.route)];
    w.StartObject();
    w.Key("patch");
    w.StartObject();
    w.Key("data");
    w.StartObject();
    w.Key("router");
    w.StartObject();
    w.Key("route");
    write_string(w, route);
    w.Key("stage");
    write_string(w, decision.stage);
    w.Key("confidence");
    w.Double(rounded(decision.confidence, 1e6));
    w.Key("scores");
    write_scores(w, decision.scores, routes);
    w.Key("stages");
    w.StartArray();
    for (const StageRecord &record : decision.stages) {
        w.StartObject();
        w.Key("stage");
        write_string(w, record.stage);
        w.Key("ms");
        w.Double(rounded(record.ms, 1e4));
        w.Key("outcome");
        write_string(w, to_string(record.result.outcome));
        w.Key("detail");
        write_string(w, record.result.detail);
        if (!record.result.scores.empty()) {
            w.Key("scores");
            write_scores(w, record.result.scores, routes);
        }
        w.EndObject();
    }
    w.EndArray();
    w.EndObject(); // router
    w.EndObject(); // data
    w.EndObject(); // patch
    w.Key("route");
    write_string(w, route);
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::string event_json(const Decision &decision, const std::vector<std::string> &routes) {
    rapidjson::StringBuffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("type");
    w.String("decision");
    w.Key("kind");
    w.String("route");
    w.Key("route");
    write_string(w, routes[static_cast<size_t>(decision.route)]);
    w.Key("stage");
    write_string(w, decision.stage);
    w.Key("confidence");
    w.Double(rounded(decision.confidence, 1e6));
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

} // namespace tinyllm::router
