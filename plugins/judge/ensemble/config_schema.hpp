// The ensemble judge's config schema (what `tinyllm plugins inspect ensemble` prints).
#pragma once

namespace tinyllm::ensemble {

inline constexpr const char *kConfigSchema = R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "ensemble judge",
  "description": "Combines other judges, by name: every one grades the same request, and the ensemble passes when all pass, any passes, or their weighted mean score reaches a threshold.",
  "type": "object",
  "additionalProperties": false,
  "required": ["judges"],
  "properties": {
    "judges": {
      "description": "The judges to ask, by name (judges.yaml names or judge components; `tinyllm judges list`). Each grades every request; one that fails fails the ensemble's grade, naming it.",
      "type": "array", "minItems": 1, "uniqueItems": true,
      "items": {"type": "string", "minLength": 1}
    },
    "mode": {
      "description": "all: pass when every judge passes, score the lowest. any: pass when one passes, score the highest. weighted: score the weighted mean of the scores, pass when it reaches threshold.",
      "enum": ["all", "any", "weighted"], "default": "all"
    },
    "weights": {
      "description": "weighted: each judge's weight (default 1), by name; also the weight of its vote in compare.",
      "type": "object",
      "additionalProperties": {"type": "number", "minimum": 0}
    },
    "threshold": {
      "description": "weighted: the weighted mean score (0 to 1) that passes.",
      "type": "number", "minimum": 0, "maximum": 1, "default": 0.5
    }
  },
  "examples": [{"judges": ["rules"]}]
})";

} // namespace tinyllm::ensemble
