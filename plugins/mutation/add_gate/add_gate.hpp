// The add_gate mutation: a node without a quality gate gets one (rules chosen from its
// failures, a retry loop with feedback, then the role's bigger models); a node whose gate
// rejects its answers to the end gets one more feedback round (README.md). What is here takes
// the request and the host's services as an interface, so it is tested without a host;
// plugin.cpp is the ABI shell.
#pragma once

#include "graph_edit/request.hpp"

#include <string>
#include <string_view>

namespace tinyllm::mutation {

struct AddGateConfig {
    int max_feedback = 1;                  // of a new gate
    bool escalate = true;                  // of a new gate
    int max_length = 6000;                 // its length rule
    std::string calculator = "calculator"; // its numeric_answer rule's tool
    std::string judge;                     // "" = no judge rule
    bool raise_feedback = true;            // with a gate already: one more feedback round
};

inline constexpr const char *kAddGateSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "max_feedback": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1,
                     "description": "A new gate's max_feedback: how often a rejected answer goes back to the model with the reasons."},
    "escalate": {"type": "boolean", "default": true,
                 "description": "A new gate's escalate: after the feedback rounds, the next bigger model of the node's role."},
    "max_length": {"type": "integer", "minimum": 1, "default": 6000,
                   "description": "A new gate's length rule: the most characters an answer may have."},
    "calculator": {"type": "string", "minLength": 1, "default": "calculator",
                   "description": "The tool of a new gate's numeric_answer rule (for arithmetic failures); without that tool the rule is left out."},
    "judge": {"type": "string", "default": "",
              "description": "A judge (judges.yaml) for a judge rule in a new gate, so that it catches wrong answers no exact rule can tell; \"\": none, and a node whose failures no exact rule catches gets no gate."},
    "raise_feedback": {"type": "boolean", "default": true,
                       "description": "A node that has a gate, whose failures are that gate's rejections: propose one more feedback round (max_feedback + 1)."}
  }
})json";

// Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT) naming the option.
AddGateConfig parse_add_gate_config(std::string_view config_json);

graph_edit::Proposal propose_gate(const graph_edit::Request &request, const AddGateConfig &config,
                                  graph_edit::Services &services);

} // namespace tinyllm::mutation
