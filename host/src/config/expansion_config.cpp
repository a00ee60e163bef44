#include "config/expansion_config.hpp"

#include "config/config_file.hpp"

namespace tinyllm::config {

namespace {

const std::string &schema_text() {
    static const std::string text =
        R"json({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "expansion.yaml",
  "description": "Self-improvement (docs/self-improvement.md): when a node counts as failing, which mutation strategies propose a better graph, and how a candidate is tested against the current graph before it is promoted. Optional: without it the defaults below and every mutation component a loaded plugin provides.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "trigger": {
      "description": "When a node is over its threshold: checked as each graded run is recorded.",
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "properties": {
        "window_hours": {"description": "Graded requests are counted over this many hours.", "type": "number", "exclusiveMinimum": true, "minimum": 0, "default": 24},
        "min_requests": {"description": "Graded requests of the node in the window before its failure rate counts.", "type": "integer", "minimum": 1, "default": 100},
        "max_failure_rate": {"description": "A node failing more than this share of its graded requests is over its threshold.", "type": "number", "minimum": 0, "maximum": 1, "default": 0.3},
        "cooldown_hours": {"description": "After an experiment on a node ends, hours before the node may trigger again.", "type": "number", "minimum": 0, "default": 6},
        "max_concurrent_experiments": {"description": "Experiments in progress at once, over all graphs.", "type": "integer", "minimum": 1, "default": 2},
        "min_label_requests": {"description": "A node is also over its threshold when one dataset label (the example's labels.category) has at least this many graded requests and fails more than max_failure_rate of them: a node weak on one kind of request among many it handles well. 0: the node-level rule only.", "type": "integer", "minimum": 0, "default": 30}
      }
    },
    "experiment": {
      "description": "How a candidate is tested: replayed on a sample of the node's recent requests (its failures and successes in the proportion they came in), then on the rest until a sequential test decides.",
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "properties": {
        "judge": {"description": "The judge that grades both arms (judges.yaml); empty: default_judge.", "type": "string", "default": ""},
        "failing_examples": {"description": "Recent failing inputs of the node replayed on the candidate.", "type": "integer", "minimum": 1, "default": 50},
        "regression_examples": {"description": "Recent successes replayed on the candidate: it must not be worse on them.", "type": "integer", "minimum": 1, "default": 50},
        "alpha": {"description": "Error rate of the sequential test: it promotes a candidate that is no better at most this often, however often it is looked at.", "type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 0.5, "default": 0.05},
        "min_pairs": {"description": "Paired outcomes before the test may decide anything.", "type": "integer", "minimum": 1, "default": 30},
        "max_pairs": {"description": "Paired outcomes after which a candidate not shown better is rejected.", "type": "integer", "minimum": 1, "default": 400},
        "watch_outcomes": {"description": "A promoted version's node is watched for this many graded outcomes: a pass rate significantly below its predecessor's (by more than watch_margin) rolls it back automatically. 0: no watch.", "type": "integer", "minimum": 0, "default": 200},
        "watch_margin": {"description": "A drop of the pass rate smaller than this does not roll back.", "type": "number", "minimum": 0, "maximum": 1, "default": 0.05},
        "concurrency": {"description": "Replayed runs in flight at once.", "type": "integer", "minimum": 1, "maximum": 64, "default": 4},
        "live_share": {"description": "0: a candidate that passes screening is decided on the rest of the node's recorded requests, replayed at once. Above 0: it is decided on live graded traffic instead, this share of the graph's graded requests (sticky per input) running the candidate, both arms graded by the same judge.", "type": "number", "minimum": 0, "maximum": 0.5, "default": 0}
      }
    },
    "prune": {
      "description": "What `tinyllm expansion prune` proposes to remove, each removal an ablation decided like any candidate (no worse without the node).",
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "properties": {
        "window_hours": {"description": "Runs of the active version are counted over this many hours.", "type": "number", "exclusiveMinimum": true, "minimum": 0, "default": 168},
        "min_runs": {"description": "Runs of the active version in the window before anything counts as unused.", "type": "integer", "minimum": 1, "default": 100},
        "min_share": {"description": "A router's route target that took less than this share of the router's runs is proposed for removal (a node no run reached always is).", "type": "number", "minimum": 0, "maximum": 1, "default": 0.02}
      }
    },
    "strategies": )json" +
        component_entries_schema({"mutation",
                                  "The name `tinyllm expansion trigger --strategy NAME` uses",
                                  "One line describing the strategy."}) +
        "}}";
    return text;
}

const Schema &expansion_schema() {
    static const Schema schema(schema_text(), "expansion.yaml schema");
    return schema;
}

int64_t hours_ms(double hours) {
    return static_cast<int64_t>(hours * 3600.0 * 1000.0);
}

} // namespace

std::string_view expansion_schema_text() {
    return schema_text();
}

ExpansionConfig load_expansion_config(const std::filesystem::path &path) {
    ExpansionConfig config;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return config;
    const ConfigFile file = load_config_file(path, expansion_schema(),
                                             [](const std::string &) { return std::nullopt; });
    config.source = path;
    const json::Value &root = file.root();
    const json::Value &t = root["trigger"];
    config.trigger.window_ms = hours_ms(json::get_number(t, "window_hours").value_or(24));
    config.trigger.min_requests = json::get_int(t, "min_requests").value_or(100);
    config.trigger.max_failure_rate = json::get_number(t, "max_failure_rate").value_or(0.3);
    config.trigger.cooldown_ms = hours_ms(json::get_number(t, "cooldown_hours").value_or(6));
    config.trigger.max_concurrent = json::get_int(t, "max_concurrent_experiments").value_or(2);
    config.trigger.min_label_requests = json::get_int(t, "min_label_requests").value_or(30);
    const json::Value &e = root["experiment"];
    ExperimentSettings &x = config.experiment;
    x.judge = json::get_string(e, "judge").value_or("");
    x.failing_examples = json::get_int(e, "failing_examples").value_or(50);
    x.regression_examples = json::get_int(e, "regression_examples").value_or(50);
    x.alpha = json::get_number(e, "alpha").value_or(0.05);
    x.min_pairs = json::get_int(e, "min_pairs").value_or(30);
    x.max_pairs = json::get_int(e, "max_pairs").value_or(400);
    x.watch_outcomes = json::get_int(e, "watch_outcomes").value_or(200);
    x.watch_margin = json::get_number(e, "watch_margin").value_or(0.05);
    x.concurrency = json::get_int(e, "concurrency").value_or(4);
    x.live_share = json::get_number(e, "live_share").value_or(0);
    const json::Value &p = root["prune"];
    config.prune.window_ms = hours_ms(json::get_number(p, "window_hours").value_or(168));
    config.prune.min_runs = json::get_int(p, "min_runs").value_or(100);
    config.prune.min_share = json::get_number(p, "min_share").value_or(0.02);
    if (x.min_pairs > x.max_pairs) {
        throw Error(ErrorCode::config,
                    file.at().describe("/experiment/min_pairs",
                                       "min_pairs (" + std::to_string(x.min_pairs) +
                                           ") is more than max_pairs (" +
                                           std::to_string(x.max_pairs) + ")"));
    }
    config.strategies = parse_component_entries(file, "strategies", "mutation");
    return config;
}

} // namespace tinyllm::config
