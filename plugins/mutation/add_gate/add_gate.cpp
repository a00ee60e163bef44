#include "add_gate.hpp"

#include "graph_edit/evidence.hpp"
#include "graph_edit/graph_edit.hpp"
#include "graph_edit/model_ref.hpp"

#include <algorithm>
#include <vector>

namespace tinyllm::mutation {

namespace ge = graph_edit;

namespace {

[[noreturn]] void bad(const std::string &message) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, message);
}

int64_t int_member(const json::Value &object, const char *key, int64_t fallback) {
    return json::get_int(object, key).value_or(fallback);
}

// The condition of the loop back to the node: the routes the gate returns besides pass.
std::string back_when(int64_t max_feedback, bool escalate) {
    if (max_feedback > 0 && escalate) return ge::kRetryWhen;
    if (max_feedback > 0) return R"(route == "retry")";
    if (escalate) return R"(route == "escalate")";
    return {};
}

struct Rules {
    json::Value array{rapidjson::kArrayType};
    std::vector<std::string> names;
    int64_t catches = 0; // failed answers a rule would reject
};

json::Value rule(json::Allocator &a, const char *type) {
    json::Value r(rapidjson::kObjectType);
    r.AddMember("type", json::Value(rapidjson::StringRef(type)), a);
    return r;
}

// The rules of a new gate, from what the failures call for.
Rules rules_for(const ge::Request &request, const AddGateConfig &config, ge::Services &services,
                json::Allocator &a) {
    Rules out;
    const ge::Signals signals = ge::signals_of(request);
    const ge::Signal main = signals.code > signals.arithmetic ? ge::Signal::code
                            : signals.arithmetic > 0          ? ge::Signal::arithmetic
                                                              : ge::Signal::none;
    out.array.PushBack(rule(a, "non_empty"), a);
    out.names.emplace_back("non_empty");
    for (const ge::FailureGroup &g : request.failures) {
        if (g.category == "empty_answer") out.catches += g.count;
    }
    if (main == ge::Signal::code) {
        out.array.PushBack(rule(a, "code_block"), a);
        out.names.emplace_back("code_block");
        out.catches += signals.code;
    } else {
        json::Value length = rule(a, "length");
        length.AddMember("max", json::Value(config.max_length), a);
        out.array.PushBack(length, a);
        out.names.emplace_back("length");
        if (main == ge::Signal::arithmetic && services.has_tool(config.calculator)) {
            json::Value numeric = rule(a, "numeric_answer");
            numeric.AddMember("tool", json::string_value(config.calculator, a), a);
            out.array.PushBack(numeric, a);
            out.names.emplace_back("numeric_answer");
            out.catches += signals.arithmetic;
        }
    }
    if (!config.judge.empty()) {
        json::Value judge = rule(a, "judge");
        judge.AddMember("judge", json::string_value(config.judge, a), a);
        out.array.PushBack(judge, a);
        out.names.emplace_back("judge");
        out.catches = signals.total;
    }
    return out;
}

std::string joined(const std::vector<std::string> &items) {
    std::string out;
    for (const std::string &s : items)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

ge::Proposal new_gate(const ge::Request &request, const AddGateConfig &config,
                      ge::Services &services) {
    const json::Value &graph = request.graph();
    const std::string &id = request.node;
    if (ge::answer_failures(request) == 0) {
        return ge::Proposal::none(id + " has no failed answers: a gate would only add latency");
    }
    // Edges that test the route cannot follow the gate, whose route replaces the node's.
    for (const size_t e : ge::outgoing(graph, id)) {
        const std::string when =
            ge::string_of(graph["edges"][static_cast<rapidjson::SizeType>(e)], "when");
        if (when == "else" || when.find("route") != std::string::npos) {
            return ge::Proposal::none(id + "'s edges test its route (" + when +
                                      "): add_gate does not rewrite them behind a gate");
        }
    }

    json::Document doc = ge::copy_document(graph);
    json::Allocator &a = doc.GetAllocator();
    Rules rules = rules_for(request, config, services, a);
    if (rules.catches == 0) {
        return ge::Proposal::none("a gate on " + id + " would check " + joined(rules.names) +
                                  ", and none of its failed answers is one these rules reject (" +
                                  ge::failure_summary(request) +
                                  "): it would pass them all; set judge: to gate with a judge");
    }
    std::string model_note;
    size_t rungs = 1;
    try {
        const ge::ModelRef model = ge::model_of(request.node_value(), services);
        rungs = ge::rungs_of(model, request, services);
        if (!model.role.empty()) model_note = ", then up the role " + model.role + "'s ladder";
    } catch (const sdk::Error &) {
    }
    const std::string when_back = back_when(config.max_feedback, config.escalate);
    const int64_t attempts =
        1 + config.max_feedback + (config.escalate ? static_cast<int64_t>(rungs) - 1 : 0);
    const std::string gate = ge::unique_id(doc, id + ".check");

    json::Value g(rapidjson::kObjectType);
    g.AddMember("id", json::string_value(gate, a), a);
    g.AddMember("type", "gate", a);
    json::Value cfg(rapidjson::kObjectType);
    cfg.AddMember("rules", rules.array, a);
    cfg.AddMember("max_feedback", json::Value(config.max_feedback), a);
    cfg.AddMember("escalate", json::Value(config.escalate), a);
    g.AddMember("config", cfg, a);
    if (!when_back.empty()) g.AddMember("max_visits", json::Value(attempts), a);

    json::Value &n = *ge::node(doc, id);
    if (!when_back.empty()) {
        const int64_t visits = std::max(int_member(n, "max_visits", 0), attempts);
        ge::set_member(n, "max_visits", json::Value(visits), a);
    }
    std::vector<std::string> touched = {id, gate};
    // The node's successors now follow the gate's pass.
    std::vector<std::pair<std::string, std::string>> after; // to, when
    const std::vector<size_t> out_edges = ge::outgoing(doc, id);
    for (const size_t e : out_edges) {
        const json::Value &edge = doc["edges"][static_cast<rapidjson::SizeType>(e)];
        const std::string when = ge::string_of(edge, "when");
        after.emplace_back(ge::string_of(edge, "to"),
                           when.empty() ? std::string(ge::kPassWhen)
                                        : std::string(ge::kPassWhen) + " and (" + when + ")");
    }
    for (auto it = out_edges.rbegin(); it != out_edges.rend(); ++it)
        doc["edges"].Erase(doc["edges"].Begin() + static_cast<rapidjson::SizeType>(*it));
    std::string exit_note;
    if (ge::is_exit(doc, id)) {
        // An exit has no edges: a passthrough exit takes its place after the gate, and the node
        // keeps writing the answer the user sees.
        const std::string done = ge::unique_id(doc, id + ".done");
        for (json::Value &x : doc["exits"].GetArray()) {
            if (x.IsString() && x.GetString() == id) x = json::string_value(done, a);
        }
        if (!json::find(n, "answer")) ge::set_member(n, "answer", json::Value(true), a);
        json::Value d(rapidjson::kObjectType);
        d.AddMember("id", json::string_value(done, a), a);
        d.AddMember("type", "passthrough", a);
        after.emplace_back(done, ge::kPassWhen);
        touched.push_back(done);
        exit_note = " " + done + " (a passthrough) becomes the exit in its place.";
        ge::insert_node_after(doc, id, std::move(g), a);
        ge::insert_node_after(doc, gate, std::move(d), a);
    } else {
        ge::insert_node_after(doc, id, std::move(g), a);
    }
    ge::add_edge(doc, id, gate, "", a);
    for (const auto &[to, when] : after)
        ge::add_edge(doc, gate, to, when, a);
    if (!when_back.empty()) ge::add_edge(doc, gate, id, when_back, a);

    sdk::Candidate c;
    c.graph_json = json::to_string(doc);
    c.touched_nodes = std::move(touched);
    c.rationale =
        ge::failure_summary(request) + ", and nothing checks its answers. The gate " + gate +
        " checks " + joined(rules.names) + " (" + std::to_string(rules.catches) + " of " +
        std::to_string(ge::answer_failures(request)) +
        " failed answers are of a kind they reject)" +
        (when_back.empty()
             ? std::string(" and fails the run on an answer it rejects.")
             : " and sends a rejected answer back " +
                   (config.max_feedback > 0
                        ? "with the reasons (" + ge::plural(config.max_feedback, "round") + ")"
                        : std::string()) +
                   (config.escalate ? model_note : "") + "; max_visits " +
                   std::to_string(attempts) + " bounds the loop.") +
        exit_note;
    ge::Proposal out;
    out.candidates.push_back(std::move(c));
    return out;
}

ge::Proposal more_feedback(const ge::Request &request, const AddGateConfig &config,
                           const std::vector<std::string> &gates) {
    const std::string &id = request.node;
    const std::string gate_list = joined(gates);
    int64_t rejected = 0;
    for (const ge::FailureGroup &g : request.failures) {
        if (ge::gate_failure(g)) rejected += g.count;
    }
    if (!config.raise_feedback) {
        return ge::Proposal::none(id + " has a gate (" + gate_list + ") and raise_feedback is off");
    }
    if (rejected == 0) {
        return ge::Proposal::none(id + " has a gate (" + gate_list +
                                  ") and none of its failures is the gate's rejection (" +
                                  ge::failure_summary(request) +
                                  "): more feedback rounds would not run for them");
    }
    json::Document doc = ge::copy_document(request.graph());
    json::Allocator &a = doc.GetAllocator();
    ge::Proposal out;
    std::vector<std::string> raised;
    std::string change;
    for (const std::string &gate : gates) {
        json::Value &g = *ge::node(doc, gate);
        json::Value &cfg = ge::config_of(g, a);
        const int64_t before = int_member(cfg, "max_feedback", 1);
        if (before >= 10) {
            out.reasons.push_back(gate + " already gives feedback 10 times, the most a gate can");
            continue;
        }
        ge::set_member(cfg, "max_feedback", json::Value(before + 1), a);
        const bool escalate = json::get_bool(cfg, "escalate").value_or(true);
        // A gate that gave no feedback before returns "retry" now: its loop must take it.
        for (const size_t e : ge::outgoing(doc, gate)) {
            json::Value &edge = doc["edges"][static_cast<rapidjson::SizeType>(e)];
            if (ge::string_of(edge, "to") != id || before > 0) continue;
            const std::string when = ge::string_of(edge, "when");
            if (!when.empty() && when != "else" && when.find("\"retry\"") == std::string::npos)
                ge::set_member(edge, "when", json::string_value(back_when(1, escalate), a), a);
        }
        if (const int64_t visits = int_member(g, "max_visits", 0); visits > 0)
            ge::set_member(g, "max_visits", json::Value(visits + 1), a);
        raised.push_back(gate);
        change += (change.empty() ? "" : ", ") + gate + " " + std::to_string(before) + " -> " +
                  std::to_string(before + 1);
    }
    if (raised.empty()) return out;
    json::Value &n = *ge::node(doc, id);
    if (const int64_t visits = int_member(n, "max_visits", 0); visits > 0)
        ge::set_member(n, "max_visits", json::Value(visits + 1), a);
    sdk::Candidate c;
    c.graph_json = json::to_string(doc);
    c.touched_nodes = raised;
    c.touched_nodes.insert(c.touched_nodes.begin(), id);
    c.rationale = ge::failure_summary(request) + "; " + std::to_string(rejected) +
                  " of them are the gate's rejections until nothing was left to try. One more "
                  "round with the gate's reasons (max_feedback " +
                  change +
                  ", max_visits one higher) gives the model another chance to fix what the "
                  "gate names before the request climbs the ladder or fails.";
    out.candidates.push_back(std::move(c));
    return out;
}

} // namespace

AddGateConfig parse_add_gate_config(std::string_view config_json) {
    json::Document doc;
    try {
        doc = json::parse_object(config_json, "add_gate config", ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        bad(e.what());
    }
    AddGateConfig c;
    if (const json::Value *v = json::find(doc, "max_feedback")) {
        if (!v->IsInt() || v->GetInt() < 0 || v->GetInt() > 10)
            bad("max_feedback: expected an integer from 0 to 10");
        c.max_feedback = v->GetInt();
    }
    if (const json::Value *v = json::find(doc, "escalate")) {
        if (!v->IsBool()) bad("escalate: expected true or false");
        c.escalate = v->GetBool();
    }
    if (const json::Value *v = json::find(doc, "max_length")) {
        if (!v->IsInt() || v->GetInt() < 1) bad("max_length: expected an integer >= 1");
        c.max_length = v->GetInt();
    }
    if (const json::Value *v = json::find(doc, "calculator")) {
        if (!v->IsString() || v->GetStringLength() == 0) bad("calculator: expected a tool name");
        c.calculator = v->GetString();
    }
    if (const json::Value *v = json::find(doc, "judge")) {
        if (!v->IsString()) bad("judge: expected a judge's name");
        c.judge = v->GetString();
    }
    if (const json::Value *v = json::find(doc, "raise_feedback")) {
        if (!v->IsBool()) bad("raise_feedback: expected true or false");
        c.raise_feedback = v->GetBool();
    }
    return c;
}

ge::Proposal propose_gate(const ge::Request &request, const AddGateConfig &config,
                          ge::Services &services) {
    const std::string type = ge::string_of(request.node_value(), "type");
    if (type != "model") {
        return ge::Proposal::none(request.node + " is a " + type +
                                  " node: add_gate checks the answers of model nodes");
    }
    const std::vector<std::string> gates = ge::gate_loop(request.graph(), request.node);
    if (gates.empty()) return new_gate(request, config, services);
    return more_feedback(request, config, gates);
}

} // namespace tinyllm::mutation
