#include "runtime/mutation.hpp"

#include "runtime/checked_document.hpp"

namespace tinyllm::runtime {

namespace {

// The shapes of plugin.h's tllm_mutation_v1 documents. A request may carry members this host
// does not know (a newer caller's); an output may not: an unknown member is more likely a
// mutation's mistake ("candidate" for "candidates", "touched" for "touched_nodes") than an
// extension. A candidate's graph is any object here: it is checked as a graph file later.
constexpr std::string_view kRequestSchema = R"({
  "type": "object",
  "required": ["graph", "node", "failures", "metrics", "roles"],
  "properties": {
    "graph": {
      "type": "object",
      "required": ["nodes"],
      "properties": {
        "nodes": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string"}}
          }
        }
      }
    },
    "node": {"type": "string", "minLength": 1},
    "failures": {"type": "array", "items": {"type": "object"}},
    "metrics": {"type": "object"},
    "roles": {
      "type": "object",
      "additionalProperties": {"type": "array", "items": {"type": "string"}}
    }
  }
})";

constexpr std::string_view kOutputSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["candidates"],
  "properties": {
    "candidates": {
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["graph", "rationale", "touched_nodes"],
        "properties": {
          "graph": {"type": "object"},
          "rationale": {"type": "string"},
          "touched_nodes": {"type": "array", "items": {"type": "string"}}
        }
      }
    },
    "reasons": {"type": "array", "items": {"type": "string"}, "default": []}
  }
})";

const config::Schema &request_schema() {
    static const config::Schema schema(kRequestSchema, "mutation request schema");
    return schema;
}

const config::Schema &output_schema() {
    static const config::Schema schema(kOutputSchema, "mutation output schema");
    return schema;
}

std::string text_of(const json::Value &v) {
    return {v.GetString(), v.GetStringLength()};
}

// The request's `node` must be one of its graph's node ids: a mutation is asked about a node
// of the graph it is given, never about one it would have to guess.
void check_node(const std::string &what, const json::Value &request) {
    const std::string node = text_of(request["node"]);
    std::string ids;
    for (const json::Value &n : request["graph"]["nodes"].GetArray()) {
        if (text_of(n["id"]) == node) return;
        ids += (ids.empty() ? "" : ", ") + text_of(n["id"]);
    }
    throw Error(ErrorCode::invalid_argument,
                what + ": request: node: \"" + node + "\" is not one of graph.nodes[].id (" +
                    (ids.empty() ? std::string("the graph has no nodes") : ids) + ")");
}

std::vector<std::string> strings_of(const json::Value &array) {
    std::vector<std::string> out;
    out.reserve(array.Size());
    for (const json::Value &v : array.GetArray())
        out.push_back(text_of(v));
    return out;
}

} // namespace

Mutation::Mutation(std::string name, plugin::ComponentRef ref, const std::string &config_json,
                   HostServices *services, std::optional<std::string> description)
    : name_(std::move(name)), instance_("mutation", name_, ref, config_json, services),
      vtable_(static_cast<const tllm_mutation_v1 *>(ref.component->vtable)),
      description_(description.value_or(
          ref.component->description != nullptr ? ref.component->description : "")) {}

MutationProposal Mutation::propose(CallContext &call, const std::string &request_json) {
    const std::string what = "mutation " + name_;
    const json::Document request = checked_request(what, request_json, request_schema());
    check_node(what, request);
    const std::string output =
        instance_.invoke("propose", TLLM_TABLE_FN(vtable_, tllm_mutation_v1, propose), call,
                         json::to_string(request).c_str());
    const json::Document doc = checked_answer(what, output, output_schema(), "output");

    // A candidate changes the graph, never which graph it is: its id stays the request's.
    const json::Value *graph_id = json::find(request["graph"], "id");
    MutationProposal proposal;
    const json::Value &candidates = doc["candidates"];
    for (rapidjson::SizeType i = 0; i < candidates.Size(); ++i) {
        const json::Value &c = candidates[i];
        const json::Value *id = json::find(c["graph"], "id");
        if (graph_id != nullptr && (id == nullptr || *id != *graph_id)) {
            throw Error(ErrorCode::protocol,
                        what + " answered outside the schema: candidates[" + std::to_string(i) +
                            "].graph.id: " + (id != nullptr ? json::to_string(*id) : "missing") +
                            ", not the request graph's id " + json::to_string(*graph_id) +
                            " (a candidate is a new version of the same graph)");
        }
        proposal.candidates.push_back(MutationCandidate{
            json::to_string(c["graph"]), text_of(c["rationale"]), strings_of(c["touched_nodes"])});
    }
    proposal.reasons = strings_of(doc["reasons"]);
    return proposal;
}

} // namespace tinyllm::runtime
