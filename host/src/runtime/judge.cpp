#include "runtime/judge.hpp"

#include "runtime/checked_document.hpp"

namespace tinyllm::runtime {

namespace {

// The shapes of plugin.h's tllm_judge_v1 documents. Requests may carry members this host does
// not know (a newer caller's); verdicts may not: an unknown member in a verdict is more likely a
// judge's mistake ("passed" for "pass") than an extension.
constexpr std::string_view kGradeRequestSchema = R"({
  "type": "object",
  "required": ["input", "output"],
  "properties": {
    "input": {"type": "string"},
    "output": {"type": "string"},
    "expected": {"type": "string"},
    "context": {"type": "object"},
    "rubric": {"type": "string"}
  }
})";

constexpr std::string_view kCompareRequestSchema = R"({
  "type": "object",
  "required": ["input", "a", "b"],
  "properties": {
    "input": {"type": "string"},
    "a": {"type": "string"},
    "b": {"type": "string"},
    "expected": {"type": "string"},
    "context": {"type": "object"},
    "rubric": {"type": "string"}
  }
})";

constexpr std::string_view kReasonsAndLabels = R"(
    "reasons": {"type": "array", "items": {"type": "string"}, "default": []},
    "labels": {
      "type": "object",
      "additionalProperties": {"type": ["string", "number", "boolean"]},
      "default": {}
    })";

const config::Schema &grade_request_schema() {
    static const config::Schema schema(kGradeRequestSchema, "grade request schema");
    return schema;
}

const config::Schema &compare_request_schema() {
    static const config::Schema schema(kCompareRequestSchema, "compare request schema");
    return schema;
}

const config::Schema &verdict_schema() {
    static const config::Schema schema(std::string(R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["score", "pass"],
  "properties": {
    "score": {"type": "number", "minimum": 0, "maximum": 1},
    "pass": {"type": "boolean"},)") + std::string(kReasonsAndLabels) +
                                           "}}",
                                       "verdict schema");
    return schema;
}

const config::Schema &preference_schema() {
    static const config::Schema schema(std::string(R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["preference"],
  "properties": {
    "preference": {"enum": ["a", "b", "tie"]},)") +
                                           std::string(kReasonsAndLabels) + "}}",
                                       "preference schema");
    return schema;
}

} // namespace

Judge::Judge(std::string name, plugin::ComponentRef ref, const std::string &config_json,
             HostServices *services, std::optional<std::string> description)
    : name_(std::move(name)), instance_("judge", name_, ref, config_json, services),
      vtable_(static_cast<const tllm_judge_v1 *>(ref.component->vtable)),
      description_(description.value_or(
          ref.component->description != nullptr ? ref.component->description : "")) {}

bool Judge::can_compare() const noexcept {
    return TLLM_TABLE_FN(vtable_, tllm_judge_v1, compare) != nullptr;
}

std::string Judge::grade(CallContext &call, const std::string &request_json) {
    const std::string what = "judge " + name_;
    const std::string request =
        json::to_string(checked_request(what, request_json, grade_request_schema()));
    const std::string verdict = instance_.invoke(
        "grade", TLLM_TABLE_FN(vtable_, tllm_judge_v1, grade), call, request.c_str());
    return json::to_string(checked_answer(what, verdict, verdict_schema(), "verdict"));
}

std::string Judge::compare(CallContext &call, const std::string &request_json) {
    const std::string what = "judge " + name_;
    const std::string request =
        json::to_string(checked_request(what, request_json, compare_request_schema()));
    const std::string preference = instance_.invoke(
        "compare", TLLM_TABLE_FN(vtable_, tllm_judge_v1, compare), call, request.c_str());
    return json::to_string(checked_answer(what, preference, preference_schema(), "verdict"));
}

} // namespace tinyllm::runtime
