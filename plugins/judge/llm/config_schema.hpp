// The llm judge's config schema (what `tinyllm plugins inspect llm` prints).
#pragma once

namespace tinyllm::llm_judge {

inline constexpr const char *kConfigSchema = R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "llm judge",
  "description": "Grades an answer by asking a model with a rubric prompt file and a JSON Schema for its verdict (Ollama structured output); against the reference answer when the request has one.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "prompt_id": {
      "description": "The grading prompt file (prompts/README.md): its format is the verdict the model must answer ({score, verdict, reasons}), its model.role the model asked unless model says otherwise.",
      "type": "string", "minLength": 1, "default": "grading/answer_quality"
    },
    "pairwise_prompt_id": {
      "description": "The prompt file compare uses: two answers in, {preference: a|b|tie, reasons} out.",
      "type": "string", "minLength": 1, "default": "grading/pairwise"
    },
    "model": {
      "description": "The model that grades: a models.yaml name, or {role, min_size} for the first model of a role's ladder. Default: the prompt's model.role (judge), else default_model.",
      "type": ["string", "object"],
      "minLength": 1,
      "additionalProperties": false,
      "required": ["role"],
      "properties": {
        "role": {"type": "string", "minLength": 1},
        "min_size": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?[bBmM]$"}
      }
    },
    "samples": {
      "description": "How many times the model is asked per grade; more samples, steadier verdicts, proportionally more model time.",
      "type": "integer", "minimum": 1, "maximum": 9, "default": 1
    },
    "aggregate": {
      "description": "How samples combine: majority passes when more than half of the samples' verdicts pass (a tie fails); mean passes when the mean score reaches pass_score. The score is the mean either way.",
      "enum": ["majority", "mean"], "default": "majority"
    },
    "pass_score": {
      "description": "The normalised score (0 to 1; a 1-5 scale maps 1 to 0, 3 to 0.5, 5 to 1) that passes under aggregate: mean, and that a sample without a verdict field needs.",
      "type": "number", "minimum": 0, "maximum": 1, "default": 0.5
    },
    "max_attempts": {
      "description": "Times one sample is asked before the grade fails: an answer that is not JSON, or not in the prompt's format, is sent back with what is wrong. Never a pass.",
      "type": "integer", "minimum": 1, "maximum": 5, "default": 2
    },
    "options": {
      "description": "Model options for the judge's requests (over models.yaml's). Default: temperature 0 when samples is 1, else 0.7 with a seed per sample (options.seed + i, seed 0 unless given), so samples differ and repeat.",
      "type": "object"
    }
  }
})";

} // namespace tinyllm::llm_judge
