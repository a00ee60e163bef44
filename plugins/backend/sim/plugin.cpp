// The simulated backend plugin: the tinyllm.backend/1 component "sim" over Simulator. A
// SIMULATION of small models for measuring TinyLLM's machinery with known ground truth on
// machines without model weights; it never stands in for a real model.
#include "simulator.hpp"

#include <tinyllm/plugin.hpp>

#include <string>

namespace tinyllm::sim {

namespace {

// Where the shipped datasets are: <prefix>/share/tinyllm/eval beside
// <prefix>/lib/tinyllm/plugins/tinyllm-sim.so (the build tree mirrors the install tree). Set
// once by init on the load thread, before any create reads it.
std::string g_datasets_dir;

tllm_status init(const char *plugin_path, char *, size_t) {
    std::string dir = plugin_path != nullptr ? plugin_path : "";
    for (int up = 0; up < 4 && !dir.empty(); ++up) { // the file, plugins, tinyllm, lib
        const size_t slash = dir.rfind('/');
        dir = slash == std::string::npos ? std::string() : dir.substr(0, slash);
    }
    g_datasets_dir = dir.empty() ? std::string() : dir + "/share/tinyllm/eval";
    return TLLM_OK;
}

} // namespace

class SimBackend final : public sdk::Backend {
public:
    static constexpr const char *kName = "sim";
    static constexpr const char *kDescription =
        "SIMULATED models for measuring TinyLLM itself: answers from labelled datasets with a "
        "configured accuracy and latency (no model, no server)";
    // Long descriptions are split into adjacent raw literals only to keep lines short.
    static constexpr const char *kConfigSchema =
        R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "Simulated model backend",
  "description": "A simulation, not a model: each answer is a dataset example's reference )"
        R"(answer with the model's configured accuracy, else a plausible wrong one. For )"
        R"(measuring routing, gates, judges and escalation with known ground truth.",
  "type": "object",
  "additionalProperties": false,
  "required": ["models"],
  "properties": {
    "datasets": {
      "type": "array",
      "items": {"type": "string", "minLength": 1, "x-path": true},
      "minItems": 1,
      "default": ["arithmetic.jsonl", "word_problems.jsonl", "code.jsonl", "general.jsonl"],
      "description": "JSONL files of labelled examples ({id, input, expected, labels: )"
        R"({category, route}, expression?, wrong?, solution?, wrong_solution?, accept?}). A path in a )"
        R"(config file is relative to that file's directory; a relative path that no file )"
        R"(resolved (the default) names a shipped dataset in <prefix>/share/tinyllm/eval."
    },
    "seed": {
      "type": "integer",
      "default": 0,
      "description": "Seeds every draw. The same seed, model and conversation always give the )"
        R"(same answer; another seed is another sample of the same behaviour."
    },
    "time_scale": {
      "type": "number",
      "minimum": 0,
      "maximum": 1000,
      "default": 1,
      "description": "Real time slept per simulated millisecond: 1 behaves like the latency )"
        R"(model says, 0 does not sleep at all (tests, benchmarks). Reported durations are )"
        R"(always the simulated ones."
    },
    "slip_rate": {
      "type": "number",
      "minimum": 0,
      "maximum": 1,
      "default": 0.5,
      "description": "Share of the wrong math answers that are arithmetic slips (the written )"
        R"(equation is false, so a gate re-checking it with the calculator catches it); the )"
        R"(rest are wrong setups (a true equation of the wrong expression), which only a )"
        R"(grader with the reference answer catches. A calculator call removes slips."
    },
    "embedding_dimensions": {
      "type": "integer",
      "minimum": 1,
      "maximum": 4096,
      "default": 64,
      "description": "Length of the pseudo-embeddings (hash-seeded unit vectors; they carry )"
        R"(no meaning)."
    },
    "models": {
      "type": "object",
      "minProperties": 1,
      "description": "The simulated models, keyed by the name requests carry (a models.yaml )"
        R"(model's model:, by default its name), each {size (required), accuracy, )"
        R"(default_accuracy, tool_call_rate, latency}.",
      "additionalProperties": {
        "type": "object",
        "additionalProperties": false,
        "required": ["size"],
        "properties": {
          "size": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?[bBmM]$",
                   "description": "Parameters: \"0.5b\", \"700m\". Latency defaults scale with it."},
          "accuracy": {"type": "object",
                       "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                       "description": "Probability of a correct answer per dataset label )"
        R"((labels.category: arithmetic, word_problems, code, general...), \"routing\" for )"
        R"(a router's classifier prompt, and \"judge\" for a grading prompt's verdict (the )"
        R"(true verdict with this probability)."},
          "default_accuracy": {"type": "number", "minimum": 0, "maximum": 1,
                               "description": "For labels accuracy does not name (default 0.5)."},
          "tool_call_rate": {"type": "number", "minimum": 0, "maximum": 1,
                             "description": "Probability of calling an offered calculator for )"
        R"(an example with an expression (default 0.9)."},
          "latency": {"type": "object", "additionalProperties": false,
                      "description": "Simulated milliseconds; default from size: first token )"
        R"(40 + 60 per billion parameters, then 10 + 15 per billion per token.",
                      "properties": {"first_token_ms": {"type": "number", "minimum": 0},
                                     "per_token_ms": {"type": "number", "minimum": 0}}}
        }
      }
    }
  },
  "examples": [{"models": {"sim-0.5b": {"size": "0.5b", "accuracy": {"arithmetic": 0.9}}},
                "time_scale": 0}]
})";

    SimBackend(sdk::Host host, std::string_view config_json)
        : sim_(SimConfig::from_json(config_json), g_datasets_dir,
               // The host logger is [any-thread]; log lines are the only output we make.
               [host](tllm_log_level level, const std::string &message) {
                   if (host.log_enabled(level)) host.log(level, message);
               }) {}

    std::string chat(sdk::Call &call, std::string_view request) override {
        return sim_.chat(call, request);
    }
    std::string generate(sdk::Call &call, std::string_view request) override {
        return sim_.generate(call, request);
    }
    std::string embed(sdk::Call &call, std::string_view request) override {
        return sim_.embed(call, request);
    }
    std::string list_models(sdk::Call &) override { return sim_.list_models(); }
    std::string show_model(sdk::Call &, std::string_view request) override {
        return sim_.show_model(request);
    }
    std::string pull_model(sdk::Call &call, std::string_view request) override {
        return sim_.pull_model(call, request);
    }
    std::string server_version(sdk::Call &) override { return sim_.server_version(); }

private:
    Simulator sim_;
};

} // namespace tinyllm::sim

namespace {
constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.sim",
    .name = "Simulated model backend",
    .version = "0.1.0",
    .description = "A SIMULATION of small language models for measuring TinyLLM's routing, "
                   "gates, judges and escalation with known ground truth: answers come from "
                   "labelled datasets with a configured accuracy per label, tool use and "
                   "latency. It serves no model and never pretends to.",
    .vendor = "TinyLLM",
    .license = nullptr,
    .init = tinyllm::sim::init,
};
} // namespace

TINYLLM_PLUGIN(kInfo, tinyllm::sim::SimBackend)
