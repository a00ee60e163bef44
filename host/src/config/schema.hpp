// JSON Schema (draft-04, as RapidJSON implements it) for config files and plugin configs:
// validation that reports the FIRST problem as one line naming file:line:column and the key,
// plus the two things a schema also drives: defaults and environment overrides.
#pragma once

#include "config/env.hpp"
#include "config/source_map.hpp"

#include "tinyllm/json.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

// One value taken from the environment instead of the file (an "x-env" property).
struct EnvOverride {
    std::string pointer;  // of the property, relative to the validated value
    std::string variable; // "TINYLLM_LOG_LEVEL"
    std::string value;
};

// The first problem found in a value, before it is tied to a file.
struct Violation {
    std::string pointer; // of the offending node (for "unknown key": of the member)
    std::string message; // "expected integer, got string \"abc\""
    bool at_key = false; // the key itself is wrong: point at the key, name the parent
};

// A parsed and compiled schema. Compile once, validate many values.
class Schema {
public:
    // `what` names the schema in the error thrown when `text` is not a JSON object.
    explicit Schema(std::string_view text, std::string_view what = "schema",
                    ErrorCode code = ErrorCode::internal);
    ~Schema();
    Schema(Schema &&) noexcept;
    Schema &operator=(Schema &&) noexcept;
    Schema(const Schema &) = delete;
    Schema &operator=(const Schema &) = delete;

    // The schema document (for printing descriptions and defaults).
    const json::Value &root() const;

    // The first violation, or nullopt when `value` is valid.
    std::optional<Violation> check(const json::Value &value) const;

    // Throw Error(ErrorCode::config) for the first violation, e.g.
    //   "models.yaml:12:7: backends[0].config.timeout_ms: expected integer, got string \"abc\""
    // `where` locates `value` in its file. A violation in a value that came from `overrides`
    // names the variable instead of the file.
    void validate(const json::Value &value, const Located &where,
                  const std::vector<EnvOverride> &overrides = {}) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Validate against a schema given as text (compiled for this one call).
void validate(const json::Value &value, std::string_view schema_text, const Located &where,
              const std::vector<EnvOverride> &overrides = {});

// Fill in the "default" of every absent property, recursively through objects (and through the
// "items" of arrays). Values of the wrong type are left for validation to report.
void apply_defaults(json::Value &value, const json::Value &schema, json::Allocator &alloc);

// For every string property with "x-env": "VAR" whose VAR is set and non-empty, set the
// property to VAR's value (creating absent parent objects). Returns what was applied, so the
// caller can log it and `validate` can blame the variable for a bad value.
std::vector<EnvOverride> apply_env_overrides(json::Value &value, const json::Value &schema,
                                             json::Allocator &alloc, const Getenv &getenv);

} // namespace tinyllm::config
