// The escalate_model mutation: the node answers with the next bigger model of its role's ladder
// (README.md). What is here takes the request text and the host's services as an interface, so
// it is tested without a host; plugin.cpp is the ABI shell.
#pragma once

#include "graph_edit/request.hpp"

#include <string_view>

namespace tinyllm::mutation {

struct EscalateConfig {
    int steps = 1;    // rungs up the ladder
    bool pin = false; // write the model's name instead of {role, min_size}
};

// The JSON Schema `tinyllm plugins inspect escalate_model` prints (the host fills in the
// defaults before create).
inline constexpr const char *kEscalateSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "steps": {"type": "integer", "minimum": 1, "maximum": 8, "default": 1,
              "description": "How many rungs up the role's ladder the node's first model moves (capped at the biggest model)."},
    "pin": {"type": "boolean", "default": false,
            "description": "Write the bigger model's name (model: qwen2.5:3b) instead of {role, min_size}; a pinned model has no ladder left for a gate to escalate on. Without a size in the model's name the name is written anyway."}
  }
})json";

// Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT) naming the option.
EscalateConfig parse_escalate_config(std::string_view config_json);

graph_edit::Proposal propose_escalation(const graph_edit::Request &request,
                                        const EscalateConfig &config,
                                        graph_edit::Services &services);

} // namespace tinyllm::mutation
