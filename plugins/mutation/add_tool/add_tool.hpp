// The add_tool mutation: gives a model node the tool its failures call for — the calculator for
// wrong numbers, the code tool for code that fails (README.md). What is here takes the request
// and the host's services as an interface, so it is tested without a host; plugin.cpp is the
// ABI shell.
#pragma once

#include "graph_edit/request.hpp"

#include <string>
#include <string_view>

namespace tinyllm::mutation {

struct AddToolConfig {
    std::string arithmetic_tool = "calculator"; // "" turns the signal off
    std::string code_tool = "code";
    double min_share = 0.25; // of the node's answer failures
    int max_tool_rounds = 4; // set when the node has none
};

inline constexpr const char *kAddToolSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "tools": {
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "description": "The tool each failure signal calls for; \"\" turns a signal off.",
      "properties": {
        "arithmetic": {"type": "string", "default": "calculator",
                       "description": "For wrong or missing numbers: a gate's numeric_answer rule, a judge's failure=wrong_number or no_number, requests labelled arithmetic, word_problems or math, inputs with a computation in them."},
        "code": {"type": "string", "default": "code",
                 "description": "For code that is missing, does not run or fails its tests: code_block, code_runs, failure=tests_failed or no_code, requests labelled code."}
      }
    },
    "min_share": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.25,
                  "description": "The least share of the node's answer failures that must carry a signal for its tool to be proposed."},
    "max_tool_rounds": {"type": "integer", "minimum": 1, "maximum": 64, "default": 4,
                        "description": "The node's max_tool_rounds when it sets none."}
  }
})json";

// Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT) naming the option.
AddToolConfig parse_add_tool_config(std::string_view config_json);

graph_edit::Proposal propose_tool(const graph_edit::Request &request, const AddToolConfig &config,
                                  graph_edit::Services &services);

} // namespace tinyllm::mutation
