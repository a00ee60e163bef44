#include "graph/graph_def.hpp"

#include "config/semver.hpp"

#include "config/config_file.hpp"
#include "config/suggest.hpp"
#include "config/yaml_json.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>

namespace tinyllm::graph {

namespace {

using config::ConfigFile;

constexpr std::string_view schema_text = R"json({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "graphs/*.yaml",
  "description": "A graph: nodes (tinyllm.node/1 components from plugins) joined by edges, run from the entry node until an exit node finishes.",
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "entry", "exits", "nodes"],
  "properties": {
    "id": {
      "description": "The graph's name, used by `tinyllm run --graph` and in traces: lower-case letters, digits, '_', '.', '-'.",
      "type": "string",
      "pattern": "^[a-z0-9_.-]+$"
    },
    "version": {
      "description": "The graph's semantic version MAJOR.MINOR.PATCH (e.g. 1.2.0), recorded with every run.",
      "type": ["string", "number"],
      "default": "0.1.0"
    },
    "description": {
      "description": "What the graph does, for humans.",
      "type": "string",
      "default": ""
    },
    "request_tools": {
      "description": "Whether the graph takes tools from a request (the `tools` of OpenAI's /v1/chat/completions and Ollama's /api/chat under `tinyllm serve`): its model nodes that set request_tools offer them to their model, and the model's call of one ends the node with route \"tool_calls\" and the calls in data.tool_calls, for the client to run and answer in its next request (docs/serve.md#tools). Default false.",
      "type": "boolean"
    },
    "request_format": {
      "description": "Whether the graph answers in the format a request asks for (Ollama's `format`, OpenAI's `response_format` under `tinyllm serve`): its model nodes that set request_format answer in it instead of their own. A request that asks a format of a graph without it is refused, rather than answered in free text. Default false.",
      "type": "boolean"
    },
    "entry": {
      "description": "The id of the node a run starts at.",
      "type": "string",
      "minLength": 1
    },
    "exits": {
      "description": "Ids of the nodes where a run ends successfully; they may not have outgoing edges.",
      "type": "array",
      "minItems": 1,
      "uniqueItems": true,
      "items": {"type": "string", "minLength": 1}
    },
    "limits": {
      "description": "Bounds of one run.",
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "properties": {
        "max_steps": {
          "description": "Node executions per run, all branches together: a safety net for loops.",
          "type": "integer",
          "minimum": 1,
          "default": 100
        },
        "timeout_ms": {
          "description": "Wall-clock budget of a run in milliseconds; 0 = the caller's (system.yaml limits.request_timeout_ms).",
          "type": "integer",
          "minimum": 0,
          "default": 0
        }
      }
    },
    "nodes": {
      "description": "The steps of the graph. At least one is required.",
      "type": "array",
      "minItems": 1,
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "type"],
        "properties": {
          "id": {
            "description": "A unique name that entry, exits and edges refer to: letters, digits, '_', '-' and '.' (a dotted name groups nodes: specialist.math).",
            "type": "string",
            "pattern": "^[A-Za-z0-9_.-]+$"
          },
          "type": {
            "description": "The tinyllm.node/1 component that runs the step, provided by a plugin (see `tinyllm plugins list`).",
            "type": "string",
            "minLength": 1
          },
          "config": {
            "description": "Settings of the node, checked against the component's own config schema (see `tinyllm plugins inspect TYPE`).",
            "type": "object",
            "default": {}
          },
          "timeout_ms": {
            "description": "Time limit of one attempt in milliseconds; 0 = only the run's budget applies.",
            "type": "integer",
            "minimum": 0,
            "default": 0
          },
          "retry": {
            "description": "How failed attempts that may succeed later (unavailable, timeout) are retried.",
            "type": "object",
            "additionalProperties": false,
            "default": {},
            "properties": {
              "max_attempts": {
                "description": "Attempts in all; 1 = no retry.",
                "type": "integer",
                "minimum": 1,
                "default": 1
              },
              "backoff_ms": {
                "description": "Wait before the second attempt in milliseconds; it doubles for each further attempt.",
                "type": "integer",
                "minimum": 0,
                "default": 200
              },
              "max_backoff_ms": {
                "description": "Upper bound of the wait between attempts in milliseconds.",
                "type": "integer",
                "minimum": 0,
                "default": 5000
              }
            }
          },
          "answer": {
            "description": "Whether the node writes the answer the user sees: its tokens stream to the terminal as they come (default: true for exit nodes). Set it on specialists that a gate checks before the exit; a rejected answer is replaced on the terminal by the next one.",
            "type": "boolean"
          },
          "max_visits": {
            "description": "How often one run may enter the node; bounds the loops it is on. 0 = not set (a node on a cycle needs it, or another node of the cycle does).",
            "type": "integer",
            "minimum": 0,
            "default": 0
          },
          "join": {
            "description": "How the node waits for the branches of a fan-out that reach it: none (runs for every arriving message), all (waits for every branch, then runs once with the merged message), first_success (runs with the first branch to arrive and cancels the others).",
            "enum": ["none", "all", "first_success"],
            "default": "none"
          }
        }
      }
    },
    "edges": {
      "description": "Where a run goes after a node: every edge from it whose condition holds (in the order written), or its \"else\" edge when none does.",
      "type": "array",
      "default": [],
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["from", "to"],
        "properties": {
          "from": {
            "description": "The id of the node the edge leaves.",
            "type": "string",
            "minLength": 1
          },
          "to": {
            "description": "The id of the node the edge enters.",
            "type": "string",
            "minLength": 1
          },
          "when": {
            "description": "A condition on the message (e.g. 'route == \"math\"'; see docs/graphs.md), or \"else\" (taken when no other edge of the node matched). Empty = always.",
            "type": "string",
            "default": ""
          }
        }
      }
    }
  }
})json";

const config::Schema &graph_schema() {
    static const config::Schema schema(schema_text, "graph schema");
    return schema;
}

std::string in_quotes(const std::string &text) {
    return "\"" + text + "\"";
}
std::string index_pointer(const char *list, size_t index) {
    return std::string("/") + list + "/" + std::to_string(index);
}

[[noreturn]] void fail(const ConfigFile &file, const std::string &pointer,
                       const std::string &message) {
    throw Error(ErrorCode::config, file.at().describe(pointer, message));
}

// ---- Positions inside a condition -----------------------------------------------------------

struct ConditionPlace {
    config::SourceLocation value; // of the YAML scalar (its opening quote, if quoted)
    std::optional<std::vector<size_t>> columns;

    config::SourceLocation at(size_t offset) const {
        config::SourceLocation out = value;
        if (columns && !columns->empty()) {
            out.column = (*columns)[std::min(offset, columns->size() - 1)];
        }
        return out;
    }
};

ConditionPlace condition_place(const ConfigFile &file, const std::string &pointer,
                               const std::string &text) {
    ConditionPlace place;
    place.value = file.at(pointer).location();
    if (!text.empty()) place.columns = file.positions->scalar_columns(pointer, text);
    return place;
}

// ---- Parsing the validated document ---------------------------------------------------------

std::string string_at(const json::Value &object, std::string_view key) {
    return json::get_string(object, key).value_or("");
}

// A version written as a YAML number (`1.0`) is reported as not semver, not as a type error.
std::string version_text(const json::Value &value) {
    if (value.IsString()) return {value.GetString(), value.GetStringLength()};
    return json::to_string(value);
}

RetryPolicy parse_retry(const json::Value &retry) {
    RetryPolicy policy;
    policy.max_attempts = static_cast<int>(json::get_int(retry, "max_attempts").value_or(1));
    policy.backoff_ms = json::get_int(retry, "backoff_ms").value_or(200);
    policy.max_backoff_ms = json::get_int(retry, "max_backoff_ms").value_or(5000);
    return policy;
}

NodeDef parse_node(const ConfigFile &file, rapidjson::SizeType index) {
    const std::string pointer = index_pointer("nodes", index);
    const json::Value &entry = file.root()["nodes"][index];
    NodeDef node;
    node.id = string_at(entry, "id");
    node.type = string_at(entry, "type");
    node.config = file.share(entry["config"]);
    node.config_source = file.at(pointer + "/config");
    node.timeout_ms = json::get_int(entry, "timeout_ms").value_or(0);
    node.retry = parse_retry(entry["retry"]);
    node.max_visits = static_cast<int>(json::get_int(entry, "max_visits").value_or(0));
    node.answer = json::get_bool(entry, "answer");
    node.join = parse_join_mode(string_at(entry, "join")).value_or(JoinMode::none);
    node.location = file.at(pointer).location();
    return node;
}

EdgeDef parse_edge(const ConfigFile &file, rapidjson::SizeType index) {
    const std::string pointer = index_pointer("edges", index);
    const json::Value &entry = file.root()["edges"][index];
    EdgeDef edge;
    edge.from = string_at(entry, "from");
    edge.to = string_at(entry, "to");
    edge.when = string_at(entry, "when");
    edge.location = file.at(pointer).location();
    edge.when_location = condition_place(file, pointer + "/when", edge.when).at(0);
    return edge;
}

GraphDef parse_graph(const ConfigFile &file, const std::filesystem::path &path) {
    const json::Value &root = file.root();
    GraphDef def;
    def.source = path;
    def.id = string_at(root, "id");
    def.version = version_text(root["version"]);
    def.description = string_at(root, "description");
    def.entry = string_at(root, "entry");
    // No schema default: a default would enter the checked document, and change the content
    // hash of every graph version written before the key existed.
    def.request_tools = json::get_bool(root, "request_tools").value_or(false);
    def.request_format = json::get_bool(root, "request_format").value_or(false);
    for (const json::Value &exit : root["exits"].GetArray()) {
        def.exits.emplace_back(exit.GetString(), exit.GetStringLength());
    }
    const json::Value &limits = root["limits"];
    def.limits.max_steps = static_cast<int>(json::get_int(limits, "max_steps").value_or(100));
    def.limits.timeout_ms = json::get_int(limits, "timeout_ms").value_or(0);
    for (rapidjson::SizeType i = 0; i < root["nodes"].Size(); ++i) {
        def.nodes.push_back(parse_node(file, i));
    }
    for (rapidjson::SizeType i = 0; i < root["edges"].Size(); ++i) {
        def.edges.push_back(parse_edge(file, i));
    }
    return def;
}

// ---- Cross-checks ---------------------------------------------------------------------------

void check_version(const ConfigFile &file, const GraphDef &def) {
    if (is_semver(def.version)) return;
    fail(file, "/version",
         in_quotes(def.version) + " is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)");
}

// The second occurrence is the error, and it says where the first is.
void check_unique_ids(const ConfigFile &file, const GraphDef &def) {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < def.nodes.size(); ++i) {
        const auto [first, inserted] = seen.emplace(def.nodes[i].id, i);
        if (inserted) continue;
        fail(file, index_pointer("nodes", i) + "/id",
             "duplicate node id " + in_quotes(def.nodes[i].id) + " (first at line " +
                 std::to_string(def.nodes[first->second].location.line) + ")");
    }
}

class NodeNames {
public:
    explicit NodeNames(const GraphDef &def) {
        for (const NodeDef &node : def.nodes) {
            names_.push_back(node.id);
            set_.insert(node.id);
        }
    }

    // Throws "unknown node \"x\" (did you mean \"y\"?)" at `pointer` unless `name` is a node.
    void require(const ConfigFile &file, const std::string &pointer,
                 const std::string &name) const {
        if (set_.count(name) != 0) return;
        fail(file, pointer,
             "unknown node " + in_quotes(name) + config::did_you_mean(name, names_, "nodes"));
    }

private:
    std::vector<std::string> names_;
    std::set<std::string> set_;
};

void check_entry_and_exits(const ConfigFile &file, const GraphDef &def, const NodeNames &names) {
    names.require(file, "/entry", def.entry);
    for (size_t i = 0; i < def.exits.size(); ++i) {
        names.require(file, index_pointer("exits", i), def.exits[i]);
    }
}

void check_condition(const ConfigFile &file, const std::string &pointer, const EdgeDef &edge) {
    if (edge.when.empty() || edge.when == "else") return;
    try {
        (void)Condition::parse(edge.when);
    } catch (const ConditionError &e) {
        const ConditionPlace place = condition_place(file, pointer, edge.when);
        const std::string where = place.at(e.offset).to_string();
        throw Error(ErrorCode::config, (where.empty() ? "" : where + ": ") +
                                           file.positions->display_path(pointer) +
                                           ": invalid condition: " + e.detail);
    }
}

void check_edges(const ConfigFile &file, const GraphDef &def, const NodeNames &names) {
    const std::set<std::string> exits(def.exits.begin(), def.exits.end());
    std::map<std::string, size_t> else_edge; // node -> index of its "else" edge
    for (size_t i = 0; i < def.edges.size(); ++i) {
        const EdgeDef &edge = def.edges[i];
        const std::string pointer = index_pointer("edges", i);
        names.require(file, pointer + "/from", edge.from);
        names.require(file, pointer + "/to", edge.to);
        if (exits.count(edge.from) != 0) {
            fail(file, pointer + "/from",
                 "node " + in_quotes(edge.from) +
                     " is an exit: a run ends there, so it cannot have outgoing edges");
        }
        if (edge.when == "else") {
            const auto [first, inserted] = else_edge.emplace(edge.from, i);
            if (!inserted) {
                fail(file, pointer + "/when",
                     "node " + in_quotes(edge.from) + " already has an \"else\" edge (at line " +
                         std::to_string(def.edges[first->second].location.line) + ")");
            }
        }
        check_condition(file, pointer + "/when", edge);
    }
}

} // namespace

std::string_view graph_schema_text() {
    return schema_text;
}

std::string_view to_string(JoinMode mode) noexcept {
    switch (mode) {
    case JoinMode::none: return "none";
    case JoinMode::all: return "all";
    case JoinMode::first_success: return "first_success";
    }
    return "none";
}

std::optional<JoinMode> parse_join_mode(std::string_view text) noexcept {
    if (text == "none") return JoinMode::none;
    if (text == "all") return JoinMode::all;
    if (text == "first_success") return JoinMode::first_success;
    return std::nullopt;
}

GraphDef load_graph_def(const std::filesystem::path &path) {
    return load_graph_def_text(config::read_text_file(path), path);
}

GraphDef load_graph_def_text(std::string text, const std::filesystem::path &name) {
    // Graph files have no environment overrides: a graph means the same on every machine.
    const ConfigFile file = config::load_config_text(
        text, name, graph_schema(), [](const std::string &) { return std::nullopt; });
    GraphDef def = parse_graph(file, name);
    def.text = std::make_shared<const std::string>(std::move(text));
    def.document = file.document;
    check_version(file, def);
    check_unique_ids(file, def);
    const NodeNames names(def);
    check_entry_and_exits(file, def, names);
    check_edges(file, def, names);
    return def;
}

} // namespace tinyllm::graph
