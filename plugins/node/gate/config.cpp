#include "config.hpp"

#include "answer/rules.hpp"

#include <tinyllm/plugin.hpp>

#include <algorithm>
#include <array>

namespace tinyllm::gate {

namespace {

using sdk::Error;

struct RuleType {
    std::string_view type;
    std::vector<std::string_view> options; // besides type, name and message
};

// Which options each type takes. The schema lists the union of them (one item schema keeps its
// messages clear: an unknown type or key is named); this table refuses the rest.
const std::array<RuleType, 9> &rule_types() {
    static const std::array<RuleType, 9> types = {{
        {"non_empty", {}},
        {"length", {"min", "max"}},
        {"regex", {"pattern", "must"}},
        {"json", {}},
        {"json_schema", {"schema"}},
        {"code_block", {"language"}},
        {"code_runs", {"tool", "language"}},
        {"numeric_answer", {"tool", "tolerance", "require"}},
        {"judge", {"judge", "min_score"}},
    }};
    return types;
}

[[noreturn]] void fail(const std::string &label, const std::string &option,
                       const std::string &message) {
    throw Error(TLLM_ERR_INVALID_ARGUMENT,
                label + (option.empty() ? "" : "." + option) + ": " + message);
}

std::string string_option(const json::Value &rule, const std::string &label, const char *key,
                          const std::string &fallback = {}) {
    const json::Value *v = json::find(rule, key);
    if (v == nullptr) return fallback;
    if (!v->IsString()) fail(label, key, "expected a string");
    return {v->GetString(), v->GetStringLength()};
}

std::optional<int64_t> int_option(const json::Value &rule, const std::string &label,
                                  const char *key) {
    const json::Value *v = json::find(rule, key);
    if (v == nullptr) return std::nullopt;
    if (!v->IsInt64() || v->GetInt64() < 0) fail(label, key, "expected an integer >= 0");
    return v->GetInt64();
}

RulePtr make_rule(std::string_view type, const json::Value &rule, const std::string &label) {
    if (type == "non_empty") return make_non_empty();
    if (type == "length")
        return make_length(int_option(rule, label, "min"), int_option(rule, label, "max"));
    if (type == "regex") {
        const json::Value *pattern = json::find(rule, "pattern");
        if (pattern == nullptr) fail(label, "", "a regex rule needs \"pattern\"");
        const std::string must = string_option(rule, label, "must", "match");
        if (must != "match" && must != "not_match")
            fail(label, "must", "must be \"match\" or \"not_match\"");
        return make_regex(string_option(rule, label, "pattern"), must == "match");
    }
    if (type == "json") return make_json();
    if (type == "json_schema") {
        const json::Value *schema = json::find(rule, "schema");
        if (schema == nullptr) fail(label, "", "a json_schema rule needs \"schema\"");
        return make_json_schema(*schema);
    }
    if (type == "code_block") return make_code_block(string_option(rule, label, "language"));
    if (type == "code_runs") {
        return make_code_runs(string_option(rule, label, "tool", "code"),
                              string_option(rule, label, "language"));
    }
    if (type == "numeric_answer") {
        const json::Value *tolerance = json::find(rule, "tolerance");
        if (tolerance != nullptr && !tolerance->IsNumber())
            fail(label, "tolerance", "expected a number");
        const json::Value *require = json::find(rule, "require");
        if (require != nullptr && !require->IsBool())
            fail(label, "require", "expected true or false");
        return make_numeric_answer(string_option(rule, label, "tool", "calculator"),
                                   tolerance ? tolerance->GetDouble() : 1e-9,
                                   require ? require->GetBool() : false);
    }
    const json::Value *min_score = json::find(rule, "min_score");
    if (min_score != nullptr && !min_score->IsNumber())
        fail(label, "min_score", "expected a number from 0 to 1");
    return make_judge(string_option(rule, label, "judge"),
                      min_score ? std::optional<double>(min_score->GetDouble()) : std::nullopt);
}

ConfiguredRule read_rule(const json::Value &rule, size_t index) {
    const std::string label = "rules[" + std::to_string(index) + "]";
    if (!rule.IsObject()) fail(label, "", "expected an object such as {type: non_empty}");
    const std::string type = string_option(rule, label, "type");
    const auto &types = rule_types();
    const auto known =
        std::find_if(types.begin(), types.end(), [&](const RuleType &t) { return t.type == type; });
    if (known == types.end()) fail(label, "type", "unknown rule type \"" + type + "\"");
    for (const auto &member : rule.GetObject()) {
        const std::string_view key(member.name.GetString(), member.name.GetStringLength());
        if (key == "type" || key == "name" || key == "message") continue;
        if (std::find(known->options.begin(), known->options.end(), key) == known->options.end()) {
            std::string takes;
            for (std::string_view o : known->options)
                takes += (takes.empty() ? "" : ", ") + std::string(o);
            fail(label, std::string(key),
                 "a " + type + " rule has no option \"" + std::string(key) + "\" (" +
                     (takes.empty() ? "it takes only name and message"
                                    : "its options: " + takes + ", name, message") +
                     ")");
        }
    }
    ConfiguredRule out;
    out.label = label;
    out.name = string_option(rule, label, "name", type);
    out.message = string_option(rule, label, "message");
    try {
        out.rule = make_rule(type, rule, label);
    } catch (const ConfigError &e) {
        fail(label, e.option(), e.what());
    }
    return out;
}

} // namespace

GateConfig parse_config(std::string_view config_json) {
    json::Document config;
    try {
        config = json::parse_object(config_json, "gate config", ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
    GateConfig out;
    const json::Value *rules = json::find(config, "rules");
    if (rules == nullptr || !rules->IsArray() || rules->Empty()) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, "rules: a gate needs at least one rule");
    }
    for (rapidjson::SizeType i = 0; i < rules->Size(); ++i)
        out.rules.push_back(read_rule((*rules)[i], i));
    if (const json::Value *v = json::find(config, "max_feedback")) {
        if (!v->IsInt64() || v->GetInt64() < 0)
            throw Error(TLLM_ERR_INVALID_ARGUMENT, "max_feedback: expected an integer >= 0");
        out.policy.max_feedback = v->GetInt64();
    }
    if (const json::Value *v = json::find(config, "escalate")) {
        if (!v->IsBool())
            throw Error(TLLM_ERR_INVALID_ARGUMENT, "escalate: expected true or false");
        out.policy.escalate = v->GetBool();
    }
    if (const json::Value *v = json::find(config, "fallback")) {
        if (!v->IsBool())
            throw Error(TLLM_ERR_INVALID_ARGUMENT, "fallback: expected true or false");
        out.policy.fallback = v->GetBool();
    }
    return out;
}

} // namespace tinyllm::gate
