// The rules judge's config schema (what `tinyllm plugins inspect rules` prints).
#pragma once

namespace tinyllm::judge {

inline constexpr const char *kConfigSchema = R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "rules judge",
  "description": "Grades an answer against a reference answer, a pattern, a JSON Schema or tests, with exact checks and no model.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "check": {
      "description": "Which check grades: auto picks by what the request carries (context.check; code_tests when context.tests is given; numeric when the expected answer is a number; exact or contains for other expected text; regex or json_schema when a pattern or schema is configured).",
      "enum": ["auto", "exact", "contains", "numeric", "regex", "json_schema", "code_tests"],
      "default": "auto"
    },
    "pattern": {"description": "regex: an RE2 pattern the answer must contain (context.pattern overrides).", "type": "string"},
    "schema": {"description": "json_schema: the JSON Schema the answer (or its ```json block) must match.", "type": "object"},
    "tolerance": {"description": "numeric: the relative difference still counted equal, besides rounding to the decimals the answer writes.", "type": "number", "minimum": 0, "default": 1e-9},
    "case_sensitive": {"description": "exact and contains: compare letters' case too.", "type": "boolean", "default": false},
    "calculator": {"description": "numeric: the calculator tool that evaluates the expected answer exactly (fractions, big integers); empty: compare as floating point.", "type": "string", "default": "calculator"},
    "code_tool": {"description": "code_tests: the sandboxed code tool that runs the answer's code with the tests.", "type": "string", "default": "code"}
  }
})";

} // namespace tinyllm::judge
