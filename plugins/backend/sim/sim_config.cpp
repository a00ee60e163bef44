#include "sim_config.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <cmath>
#include <cstdlib>

namespace tinyllm::sim {

namespace {

constexpr std::string_view kWhat = "sim backend config";

[[noreturn]] void bad(std::string_view key, const std::string &why) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                     std::string(kWhat) + ": " + std::string(key) + (key.empty() ? "" : " ") + why);
}

double number(const json::Value &v, std::string_view key, double minimum, double maximum) {
    if (!v.IsNumber()) bad(key, "must be a number, got " + std::string(json::type_name(v)));
    const double d = v.GetDouble();
    if (!std::isfinite(d) || d < minimum || d > maximum) {
        char range[96];
        std::snprintf(range, sizeof range, "must be between %g and %g", minimum, maximum);
        bad(key, range);
    }
    return d;
}

double probability(const json::Value &v, std::string_view key) {
    return number(v, key, 0.0, 1.0);
}

ModelSpec model_from(const json::Value &v, const std::string &key) {
    if (!v.IsObject()) bad(key, "must be an object");
    ModelSpec m;
    bool sized = false;
    for (const auto &member : v.GetObject()) {
        const std::string name(member.name.GetString(), member.name.GetStringLength());
        const std::string at = key + "." + name;
        const json::Value &value = member.value;
        if (name == "size") {
            if (!value.IsString()) bad(at, "must be a string such as \"1.5b\"");
            m.size.assign(value.GetString(), value.GetStringLength());
            m.billions = parse_size(m.size, at);
            sized = true;
        } else if (name == "accuracy") {
            if (!value.IsObject()) bad(at, "must be an object of label: probability");
            for (const auto &a : value.GetObject()) {
                const std::string label(a.name.GetString(), a.name.GetStringLength());
                m.accuracy[label] = probability(a.value, at + "." + label);
            }
        } else if (name == "default_accuracy") {
            m.default_accuracy = probability(value, at);
        } else if (name == "tool_call_rate") {
            m.tool_call_rate = probability(value, at);
        } else if (name == "latency") {
            if (!value.IsObject()) bad(at, "must be an object");
            for (const auto &l : value.GetObject()) {
                const std::string lname(l.name.GetString(), l.name.GetStringLength());
                if (lname == "first_token_ms") {
                    m.first_token_ms = number(l.value, at + "." + lname, 0, 600000);
                } else if (lname == "per_token_ms") {
                    m.per_token_ms = number(l.value, at + "." + lname, 0, 60000);
                } else {
                    bad(at + "." + lname,
                        "is not a latency setting (first_token_ms, per_token_ms)");
                }
            }
        } else {
            bad(at, "is not a model setting (size, accuracy, default_accuracy, tool_call_rate, "
                    "latency)");
        }
    }
    if (!sized) bad(key + ".size", "is required (\"0.5b\", \"1.5b\"): latency scales with it");
    const json::Value *latency = json::find(v, "latency");
    if (latency == nullptr || !latency->HasMember("first_token_ms")) {
        m.first_token_ms = default_first_token_ms(m.billions);
    }
    if (latency == nullptr || !latency->HasMember("per_token_ms")) {
        m.per_token_ms = default_per_token_ms(m.billions);
    }
    return m;
}

} // namespace

double ModelSpec::accuracy_for(const std::string &label) const {
    const auto it = accuracy.find(label);
    return it != accuracy.end() ? it->second : default_accuracy;
}

double parse_size(std::string_view text, std::string_view key) {
    const std::string s(text);
    char *end = nullptr;
    const double value = std::strtod(s.c_str(), &end);
    const std::string_view unit = end != nullptr ? std::string_view(end) : std::string_view();
    if (end == s.c_str() || !(value > 0) || !std::isfinite(value) ||
        (unit != "b" && unit != "B" && unit != "m" && unit != "M")) {
        bad(key, "\"" + s + "\" is not a model size (0.5b, 1.5b, 700m)");
    }
    return unit == "m" || unit == "M" ? value / 1000.0 : value;
}

double default_first_token_ms(double billions) {
    return 40.0 + 60.0 * billions;
}

double default_per_token_ms(double billions) {
    return 10.0 + 15.0 * billions;
}

SimConfig SimConfig::from_json(std::string_view text) {
    SimConfig c;
    json::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) bad("", "is not a JSON object");
    for (const auto &member : doc.GetObject()) {
        const std::string key(member.name.GetString(), member.name.GetStringLength());
        const json::Value &v = member.value;
        if (key == "datasets") {
            if (!v.IsArray()) bad(key, "must be a list of file paths");
            for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
                if (!v[i].IsString() || v[i].GetStringLength() == 0) {
                    bad(key + "[" + std::to_string(i) + "]", "must be a file path");
                }
                c.datasets.emplace_back(v[i].GetString(), v[i].GetStringLength());
            }
        } else if (key == "seed") {
            if (!v.IsInt64()) bad(key, "must be an integer");
            c.seed = v.GetInt64();
        } else if (key == "time_scale") {
            c.time_scale = number(v, key, 0, 1000);
        } else if (key == "slip_rate") {
            c.slip_rate = probability(v, key);
        } else if (key == "embedding_dimensions") {
            if (!v.IsInt64() || v.GetInt64() < 1 || v.GetInt64() > 4096) {
                bad(key, "must be an integer from 1 to 4096");
            }
            c.embedding_dimensions = v.GetInt64();
        } else if (key == "models") {
            if (!v.IsObject()) bad(key, "must be an object of model name: settings");
            for (const auto &m : v.GetObject()) {
                const std::string name(m.name.GetString(), m.name.GetStringLength());
                if (name.empty()) bad(key, "has a model with an empty name");
                c.models.emplace(name, model_from(m.value, key + "." + name));
            }
        } else {
            bad(key, "is not a setting of the sim backend (datasets, seed, time_scale, slip_rate, "
                     "embedding_dimensions, models)");
        }
    }
    if (c.models.empty()) bad("models", "must name at least one simulated model");
    if (c.datasets.empty()) bad("datasets", "must name at least one dataset file");
    return c;
}

} // namespace tinyllm::sim
