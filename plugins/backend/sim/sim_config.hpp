// The simulated backend's instance configuration: which datasets it answers from and how each
// simulated model behaves (accuracy per dataset label, tool use, latency). The documentation of
// every key is the config schema in plugin.cpp (`tinyllm plugins inspect sim`).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::sim {

struct ModelSpec {
    std::string size;                       // as configured: "0.5b", "700m"
    double billions = 0;                    // the size in billions of parameters
    std::map<std::string, double> accuracy; // dataset label (or "routing") -> P(correct)
    double default_accuracy = 0.5;          // for labels `accuracy` does not name
    double tool_call_rate = 0.9;            // P(calls an offered calculator for a math example)
    double first_token_ms = 0;              // simulated time to the first token
    double per_token_ms = 0;                // simulated time per written token

    double accuracy_for(const std::string &label) const;
};

struct SimConfig {
    std::vector<std::string> datasets; // absolute, or relative to the shipped datasets' dir
    int64_t seed = 0;
    double time_scale = 1.0; // real sleeping per simulated millisecond; 0: none
    double slip_rate = 0.5;  // share of wrong math answers that are arithmetic slips
    int64_t embedding_dimensions = 64;
    std::map<std::string, ModelSpec> models; // by the model name requests carry

    // Parses the config create() receives (the host has filled in defaults and validated it
    // against the schema; this is the backstop, and fills in what the schema cannot default:
    // the members of each model). Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT) naming the key.
    static SimConfig from_json(std::string_view json);
};

// Billions of parameters in "0.5b", "1.5B", "700m"; throws sdk::Error naming `key` otherwise.
double parse_size(std::string_view text, std::string_view key);

// The defaults of the latency model when a model's config gives none: a bigger model takes
// longer to start and to write each token (roughly CPU inference of small quantised models).
double default_first_token_ms(double billions);
double default_per_token_ms(double billions);

} // namespace tinyllm::sim
