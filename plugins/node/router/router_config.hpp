// The router node's config: its JSON Schema (what the host validates and fills defaults from,
// and what `tinyllm plugins inspect router` prints) and the parsed form the stages are built
// from. The schema cannot say that every route named in rules, examples, thresholds or
// `default` is one of `routes`; parse_config checks that and names the key.
#pragma once

#include "config_schema.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinyllm::router {

struct RouteRules {
    std::vector<std::string> keywords; // whole words or phrases, case-insensitive
    std::vector<std::string> patterns; // RE2 syntax
};

struct RulesConfig {
    std::vector<RouteRules> by_route; // one per route, in routes order
    int64_t min_score = 1;
};

struct SemanticConfig {
    std::string model;              // a models.yaml name; "" = default_model
    double threshold = 0.75;        // cosine similarity needed
    std::vector<double> thresholds; // one per route: its own threshold, or `threshold`
    double margin = 0.02;           // the best route's lead over the runner-up
    std::vector<std::pair<int, std::string>> examples; // (route index, text)
};

struct ModelStageConfig {
    std::string prompt_id;
    std::string model; // "" = the prompt's role, else default_model
    double min_confidence = 0.6;
};

struct RouterConfig {
    std::vector<std::string> routes;
    int default_route = 0;
    std::optional<RulesConfig> rules;
    std::optional<SemanticConfig> semantic;
    std::optional<ModelStageConfig> model;
};

// Reads a config (the host has applied the schema's defaults and validated it; anything the
// schema cannot check is checked here). Throws tinyllm::Error(invalid_argument) naming the key:
// "rules.poetry: not one of the routes (math, code, general)". Patterns are compiled by the
// rules stage, which names a bad one the same way.
RouterConfig parse_config(std::string_view json);

// The index of `name` in `routes`, or -1.
int route_index(const std::vector<std::string> &routes, std::string_view name);

// "math, code, general", for messages.
std::string route_list(const std::vector<std::string> &routes);

} // namespace tinyllm::router
