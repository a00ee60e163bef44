// The refine_prompt mutation: a model rewrites the node's system prompt from the requests it
// answered wrong (prompts/meta/expansion_refine.yaml), and the candidate asks with the rewrite
// inline (README.md). What is here takes the request and the host's services as an interface,
// so it is tested with a scripted model; plugin.cpp is the ABI shell.
#pragma once

#include "graph_edit/request.hpp"

#include <string>
#include <string_view>

namespace tinyllm::mutation {

struct RefineConfig {
    std::string prompt_id = "meta/expansion_refine";
    std::string model;         // a models.yaml name; "": the prompt file's role
    int max_examples = 6;      // failing examples shown to the model
    int min_words = 8;         // a rewrite shorter than this is not usable
    int max_chars = 6000;      // nor one longer than this
    bool fold_examples = true; // the prompt file's examples go into the inline system text
};

inline constexpr const char *kRefineSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "prompt_id": {"type": "string", "minLength": 1, "default": "meta/expansion_refine",
                  "description": "The prompt file that asks for the rewrite; its format must ask for {system, rationale}."},
    "model": {"type": "string", "default": "",
              "description": "The models.yaml model that rewrites; \"\": the first model of the prompt file's role of at least its min_size (general, 3b)."},
    "max_examples": {"type": "integer", "minimum": 1, "maximum": 20, "default": 6,
                     "description": "How many failing examples the model sees (taken in turn from each kind of failure)."},
    "min_words": {"type": "integer", "minimum": 1, "default": 8,
                  "description": "A rewritten system prompt with fewer words is not usable (no candidate)."},
    "max_chars": {"type": "integer", "minimum": 100, "default": 6000,
                  "description": "Nor one with more characters."},
    "fold_examples": {"type": "boolean", "default": true,
                      "description": "Put the prompt file's examples into the new system prompt as text (an inline prompt has no examples of its own)."}
  }
})json";

// Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT) naming the option.
RefineConfig parse_refine_config(std::string_view config_json);

graph_edit::Proposal propose_refinement(const graph_edit::Request &request,
                                        const RefineConfig &config, graph_edit::Services &services);

} // namespace tinyllm::mutation
