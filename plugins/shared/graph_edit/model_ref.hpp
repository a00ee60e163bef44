// Which model a model node asks, and the next one up its role's ladder: what escalate_model
// proposes for a node and split_specialist for the sub-specialist of the weak category.
#pragma once

#include "graph_edit/request.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::graph_edit {

// The model a model node asks (plugins/node/model: config.model, else the prompt file's
// model.role and min_size, else default_model).
struct ModelRef {
    std::string role;     // a role: its ladder (from min_size on)
    std::string min_size; // with role: "1.5b", "" for the whole ladder
    std::string name;     // a pinned models.yaml name; "" with a role or for default_model
    std::string source;   // where it was read: "its config", "prompt file specialists/math"
};

// Throws sdk::Error when the prompt file cannot be read (the message names it).
ModelRef model_of(const json::Value &node, Services &services);

// The size a model's name states: the last of its parts (split at ':', '-', '_', '/') that is a
// number with b or m, lower case: "qwen2.5:3b" -> "3b", "qwen-sim-1.5b" -> "1.5b",
// "llama3.2:1b-instruct" -> "1b"; nullopt when none does.
std::optional<std::string> size_of(std::string_view model_name);
// "1.5b" -> 1.5e9, "700m" -> 7e8; nullopt for anything else.
std::optional<double> parameters_of(std::string_view size);

// One step (or more) up the ladder.
struct Step {
    std::string from;          // the model the node asks first now
    std::string to;            // the model it will ask first
    std::string model_json;    // the node's new config.model: {"role":..,"min_size":..} or "name"
    bool keeps_ladder = false; // by role (the gate still escalates above `to`), not pinned
    std::string ladder;        // "math: qwen2.5:1.5b -> qwen2.5:3b", for rationales
};

struct StepResult {
    std::optional<Step> step;
    std::string reason; // why there is none
};

// The model `steps` rungs above the one the node asks first. By role: the role's ladder
// (request.roles, else the host's) from min_size on; the new model is {role, min_size: the
// target's size} when the target's name states a size bigger than the current one's and `pin` is
// false, else the target's name. A pinned name or default_model (the node's most-called model in
// the metrics): the longest role ladder holding it, and the next name, pinned. None at the top of
// the ladder, or when no ladder holds the model.
StepResult step_up(const ModelRef &model, const Request &request, Services &services, int steps,
                   bool pin);

// How many models the node can be asked with, from the one it asks first to the top of its
// role's ladder (a gate's escalation climbs them); 1 for a pinned model or default_model.
size_t rungs_of(const ModelRef &model, const Request &request, Services &services);

} // namespace tinyllm::graph_edit
