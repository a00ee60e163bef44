// The router node's config schema: what the host validates a config against and fills its
// defaults from, and what `tinyllm plugins inspect router` prints (hence the descriptions).
// A constant expression, because the plugin's descriptor is static data.
#pragma once

namespace tinyllm::router {

inline constexpr const char *kConfigSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": ["routes", "default"],
  "examples": [{
    "routes": ["math", "code", "general"], "default": "general",
    "rules": {"math": {"keywords": ["calculate", "how much"], "patterns": ["\\d+\\s*[-+*/]\\s*\\d+"]},
              "code": {"keywords": ["python", "function"], "patterns": ["```"]}}
  }],
  "properties": {
    "routes": {
      "type": "array", "minItems": 1, "uniqueItems": true,
      "items": {"type": "string", "pattern": "^[a-z0-9_.-]+$"},
      "description": "The routes this node returns; graph edges test them (route == \"math\")."
    },
    "default": {
      "type": "string",
      "description": "One of routes: taken when no stage is sure (below every threshold, a tie) or a stage fails."
    },
    "rules": {
      "type": "object",
      "description": "Stage 1, per route: rules.<route> = {keywords: whole words or phrases in any case, patterns: RE2 regexes found anywhere}. The route with the most matching keywords and patterns wins; a tie is not sure.",
      "properties": {
        "min_score": {"type": "integer", "minimum": 1, "default": 1,
                      "description": "Matches (keywords and patterns) the best route needs."}
      },
      "additionalProperties": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "keywords": {"type": "array", "default": [], "items": {"type": "string", "minLength": 1},
                       "description": "Whole words or phrases (\"how much\"), case-insensitive."},
          "patterns": {"type": "array", "default": [], "items": {"type": "string", "minLength": 1},
                       "description": "RE2 regular expressions, found anywhere in the request (case-sensitive unless (?i))."}
        }
      }
    },
    "semantic": {
      "type": "object",
      "additionalProperties": false,
      "required": ["examples"],
      "description": "Stage 2, embeddings: the request's cosine similarity to example requests of each route (its closest example counts).",
      "properties": {
        "model": {"type": "string", "default": "",
                  "description": "A models.yaml model that embeds; empty = default_model."},
        "threshold": {"type": "number", "minimum": -1, "maximum": 1, "default": 0.75,
                      "description": "The similarity the best route needs to be sure."},
        "thresholds": {"type": "object", "default": {},
                       "additionalProperties": {"type": "number", "minimum": -1, "maximum": 1},
                       "description": "Per route overrides of threshold: {math: 0.8}."},
        "margin": {"type": "number", "minimum": 0, "maximum": 2, "default": 0.02,
                   "description": "How much the best route's similarity must exceed the runner-up's."},
        "examples": {"type": "object", "minProperties": 1,
                     "additionalProperties": {"type": "array", "minItems": 1,
                                              "items": {"type": "string", "minLength": 1}},
                     "description": "Example requests per route: {math: [\"what is 12 times 7\"]}."}
      }
    },
    "model": {
      "type": "object",
      "additionalProperties": false,
      "required": ["prompt_id"],
      "description": "Stage 3, a model: a prompt file whose answer is {\"route\", \"confidence\"} (the route's enum becomes these routes).",
      "properties": {
        "prompt_id": {"type": "string", "minLength": 1,
                      "description": "A prompt file id: routing/task_classifier is prompts/routing/task_classifier.yaml."},
        "model": {"type": "string", "default": "",
                  "description": "A models.yaml model; empty = the first model of the prompt's role, else default_model."},
        "min_confidence": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.6,
                           "description": "The confidence the model's answer needs to be sure."}
      }
    }
  }
})json";

} // namespace tinyllm::router
