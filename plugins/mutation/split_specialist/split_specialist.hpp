// The split_specialist mutation: a node that fails mostly on one category of requests becomes a
// router over the categories plus one copy of the node per category, the weak category's with a
// bigger model and step-by-step instructions (README.md). What is here takes the request and
// the host's services as an interface, so it is tested without a host; plugin.cpp is the ABI
// shell.
#pragma once

#include "graph_edit/request.hpp"

#include <string>
#include <string_view>

namespace tinyllm::mutation {

struct SplitConfig {
    double min_share = 0.6; // of the node's failures in the weak category
    double min_ratio = 2.0; // its failure rate against the other categories'
    int64_t min_graded = 5; // graded runs the weak category needs
    bool escalate = true;   // weak_category.escalate
    int steps = 1;          // weak_category.steps
    std::string prompt_id = "meta/expansion_step_by_step"; // weak_category.prompt_id ("": none)
    std::string router_prompt_id = "meta/expansion_split"; // router.prompt_id
    double min_confidence = 0.6;                           // router.min_confidence
};

inline constexpr const char *kSplitSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "min_share": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.6,
                  "description": "The least share of the node's failures that must be in one category (dataset label) for a split."},
    "min_ratio": {"type": "number", "minimum": 1, "default": 2.0,
                  "description": "The least ratio of that category's failure rate to the other categories' together."},
    "min_graded": {"type": "integer", "minimum": 1, "default": 5,
                   "description": "The graded runs the weak category needs before its failure rate counts."},
    "weak_category": {
      "type": "object", "additionalProperties": false, "default": {},
      "description": "What the weak category's sub-specialist gets besides a copy of the node.",
      "properties": {
        "escalate": {"type": "boolean", "default": true,
                     "description": "Start higher on the node's role ladder (the weak category is the one that needs a bigger model)."},
        "steps": {"type": "integer", "minimum": 1, "maximum": 8, "default": 1,
                  "description": "How many rungs higher."},
        "prompt_id": {"type": "string", "default": "meta/expansion_step_by_step",
                      "description": "A prompt file whose system prompt is added to the node's (the node's prompt becomes inline: system and prompt); \"\": the node's prompt unchanged."}
      }
    },
    "router": {
      "type": "object", "additionalProperties": false, "default": {},
      "description": "The router that sends each request to its category's sub-specialist.",
      "properties": {
        "prompt_id": {"type": "string", "minLength": 1, "default": "meta/expansion_split",
                      "description": "Its classifier prompt (the router node's model stage; the route enum becomes the categories)."},
        "min_confidence": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.6,
                           "description": "Below it the request goes to the weak category's sub-specialist (the router's default)."}
      }
    }
  }
})json";

// Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT) naming the option.
SplitConfig parse_split_config(std::string_view config_json);

graph_edit::Proposal propose_split(const graph_edit::Request &request, const SplitConfig &config,
                                   graph_edit::Services &services);

} // namespace tinyllm::mutation
