// The JSON Schema of the gate's config: the host validates a node's config against it (and
// fills in the defaults) before create, and `tinyllm plugins inspect gate` prints it.
#pragma once

namespace tinyllm::gate {

// Rules share one item schema listing every rule type's options, so that a misspelt type or key
// gets a message naming it (a oneOf would only say "matches none of the forms"); config.cpp
// refuses an option the rule's type does not take.
inline constexpr const char *kConfigSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": ["rules"],
  "examples": [{"rules": [{"type": "non_empty"}, {"type": "length", "max": 4000}]}],
  "properties": {
    "rules": {
      "type": "array",
      "minItems": 1,
      "description": "The checks of the answer (the message's content), in order. All are evaluated; every failed rule gives one reason.",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["type"],
        "properties": {
          "type": {
            "type": "string",
            "enum": ["non_empty", "length", "regex", "json", "json_schema", "code_block", "code_runs", "numeric_answer", "judge"],
            "description": "non_empty: has non-whitespace text. length: min/max characters (code points). regex: pattern must (not) match. json: valid JSON (a ```json block counts). json_schema: valid JSON matching schema. code_block: has a fenced code block. code_runs: the first python/sh block runs without error through the code tool. numeric_answer: the last \"EXPRESSION = NUMBER\" and the final number agree with the calculator. judge: a judge (judges.yaml, `tinyllm judges`) passes the answer."
          },
          "name": {"type": "string", "minLength": 1,
                   "description": "All rules: the rule's name in checks and reasons (default: its type)."},
          "message": {"type": "string", "minLength": 1,
                      "description": "All rules: the reason given to the model when the rule fails, instead of the rule's own (which stays in the check's detail)."},
          "min": {"type": "integer", "minimum": 0,
                  "description": "length: the fewest characters (Unicode code points) allowed."},
          "max": {"type": "integer", "minimum": 0,
                  "description": "length: the most characters (Unicode code points) allowed."},
          "pattern": {"type": "string",
                      "description": "regex: an RE2 pattern (linear time), searched anywhere in the answer; flags inline: (?i) case, (?s) dot matches newline, (?m) ^ and $ at lines."},
          "must": {"type": "string", "enum": ["match", "not_match"],
                   "description": "regex: whether the pattern must be found (match, the default) or must not be (not_match)."},
          "schema": {"type": "object",
                     "description": "json_schema: the JSON Schema (draft-04) the answer's JSON must match."},
          "language": {"type": "string", "minLength": 1,
                       "description": "code_block: the block's language tag (py, python3 count as python; shell as sh); any language when absent. code_runs: python or sh; the first block of either when absent."},
          "tool": {"type": "string", "minLength": 1,
                   "description": "code_runs: the tool that runs the code (default code). numeric_answer: the tool that evaluates the expression (default calculator). Checked when the graph is built."},
          "tolerance": {"type": "number", "minimum": 0,
                        "description": "numeric_answer: relative tolerance between the stated and the computed number (default 1e-9); a number written with decimals may also be the result rounded to them."},
          "require": {"type": "boolean",
                      "description": "numeric_answer: fail when the answer has no equation to check (default false: pass, noting it)."},
          "judge": {"type": "string", "minLength": 1,
                    "description": "judge: the judge to ask, by name (judges.yaml or a judge component; default: judges.yaml's default_judge). Swapping it is a config edit."},
          "min_score": {"type": "number", "minimum": 0, "maximum": 1,
                        "description": "judge: the least score that passes, besides the judge's own pass (default: the judge decides alone)."}
        }
      }
    },
    "max_feedback": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1,
                     "description": "How many times a failed answer goes back to the model with the reasons (route \"retry\", feedback set)."},
    "escalate": {"type": "boolean", "default": true,
                 "description": "After the feedback rounds, re-ask with the next bigger model of the answering model's role (route \"escalate\") while data.model says one exists."},
    "fallback": {"type": "boolean", "default": false,
                 "description": "When nothing is left to try: true routes \"fail\" (a fallback node takes the message); false fails the node with the reasons."}
  }
})json";

} // namespace tinyllm::gate
