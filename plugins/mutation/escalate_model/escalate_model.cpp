#include "escalate_model.hpp"

#include "graph_edit/evidence.hpp"
#include "graph_edit/graph_edit.hpp"
#include "graph_edit/model_ref.hpp"

namespace tinyllm::mutation {

namespace ge = graph_edit;

EscalateConfig parse_escalate_config(std::string_view config_json) {
    json::Document doc;
    try {
        doc = json::parse_object(config_json, "escalate_model config", ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
    EscalateConfig c;
    if (const json::Value *v = json::find(doc, "steps")) {
        if (!v->IsInt() || v->GetInt() < 1)
            throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "steps: expected an integer >= 1");
        c.steps = v->GetInt();
    }
    if (const json::Value *v = json::find(doc, "pin")) {
        if (!v->IsBool())
            throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "pin: expected true or false");
        c.pin = v->GetBool();
    }
    return c;
}

ge::Proposal propose_escalation(const ge::Request &request, const EscalateConfig &config,
                                ge::Services &services) {
    const json::Value &node = request.node_value();
    const std::string type = ge::string_of(node, "type");
    if (type != "model") {
        return ge::Proposal::none(request.node + " is a " + type +
                                  " node: escalate_model changes the model of model nodes");
    }
    if (ge::answer_failures(request) == 0 && request.metrics.failures == 0) {
        return ge::Proposal::none(request.node +
                                  " has no failed answers to fix: a bigger model would only cost "
                                  "more (its failures, if any, are the infrastructure's or the "
                                  "router's)");
    }
    ge::ModelRef model;
    try {
        model = ge::model_of(node, services);
    } catch (const sdk::Error &e) {
        return ge::Proposal::none("cannot tell which model " + request.node + " asks: " + e.what());
    }
    const ge::StepResult step = ge::step_up(model, request, services, config.steps, config.pin);
    if (!step.step) return ge::Proposal::none(request.node + ": " + step.reason);
    const ge::Step &s = *step.step;

    json::Document graph = ge::copy_document(request.graph());
    json::Allocator &a = graph.GetAllocator();
    json::Value &n = *ge::node(graph, request.node);
    json::Document model_value = json::parse(s.model_json, "model");
    ge::set_member(ge::config_of(n, a), "model", json::Value(model_value, a), a);

    sdk::Candidate c;
    c.graph_json = json::to_string(graph);
    c.touched_nodes = {request.node};
    c.rationale =
        ge::failure_summary(request) + ". It asks " + s.from + " first (" +
        (model.role.empty() ? model.source : "role " + model.role + ", from " + model.source) +
        "); it now starts at " + s.to + " (" + s.ladder + ")" +
        (s.keeps_ladder ? ", and a gate can still escalate above it"
                        : ", pinned: no smaller model is tried first") +
        ". A bigger model makes fewer mistakes of every kind, at more latency and "
        "memory per call; per-category escalation is split_specialist's.";
    ge::Proposal out;
    out.candidates.push_back(std::move(c));
    return out;
}

} // namespace tinyllm::mutation
