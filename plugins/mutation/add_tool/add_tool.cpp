#include "add_tool.hpp"

#include "graph_edit/evidence.hpp"
#include "graph_edit/graph_edit.hpp"

#include <algorithm>
#include <vector>

namespace tinyllm::mutation {

namespace ge = graph_edit;

namespace {

[[noreturn]] void bad(const std::string &message) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, message);
}

std::vector<std::string> tools_of(const json::Value &node) {
    std::vector<std::string> out;
    const json::Value *config = json::find(node, "config");
    const json::Value *tools =
        config && config->IsObject() ? json::find(*config, "tools") : nullptr;
    if (tools == nullptr || !tools->IsArray()) return out;
    for (const json::Value &t : tools->GetArray()) {
        if (t.IsString()) out.emplace_back(t.GetString(), t.GetStringLength());
    }
    return out;
}

std::string what_it_fixes(ge::Signal signal, const std::string &tool) {
    if (signal == ge::Signal::arithmetic) {
        return "with the " + tool +
               " tool the model computes exactly instead of in its head, so slips in the "
               "arithmetic go away (a wrong setup does not)";
    }
    return "with the " + tool +
           " tool the model can run its code before it answers and see the error or the output, "
           "so code that does not run or gives the wrong result is caught by the model itself";
}

} // namespace

AddToolConfig parse_add_tool_config(std::string_view config_json) {
    json::Document doc;
    try {
        doc = json::parse_object(config_json, "add_tool config", ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        bad(e.what());
    }
    AddToolConfig c;
    if (const json::Value *tools = json::find(doc, "tools")) {
        if (!tools->IsObject())
            bad("tools: expected an object {arithmetic: calculator, code: code}");
        for (const auto &m : tools->GetObject()) {
            const std::string name(m.name.GetString(), m.name.GetStringLength());
            if (!m.value.IsString()) bad("tools." + name + ": expected a tool name");
            if (name == "arithmetic") {
                c.arithmetic_tool = m.value.GetString();
            } else if (name == "code") {
                c.code_tool = m.value.GetString();
            } else {
                bad("tools." + name + ": not a failure signal (arithmetic, code)");
            }
        }
    }
    if (const json::Value *v = json::find(doc, "min_share")) {
        if (!v->IsNumber() || v->GetDouble() < 0 || v->GetDouble() > 1)
            bad("min_share: expected a number from 0 to 1");
        c.min_share = v->GetDouble();
    }
    if (const json::Value *v = json::find(doc, "max_tool_rounds")) {
        if (!v->IsInt() || v->GetInt() < 1 || v->GetInt() > 64)
            bad("max_tool_rounds: expected an integer from 1 to 64");
        c.max_tool_rounds = v->GetInt();
    }
    return c;
}

ge::Proposal propose_tool(const ge::Request &request, const AddToolConfig &config,
                          ge::Services &services) {
    const json::Value &node = request.node_value();
    const std::string type = ge::string_of(node, "type");
    if (type != "model") {
        return ge::Proposal::none(request.node + " is a " + type +
                                  " node: add_tool gives tools to model nodes");
    }
    const ge::Signals signals = ge::signals_of(request);
    if (signals.total == 0) {
        return ge::Proposal::none(request.node +
                                  " has no failed answers: a tool would not change anything");
    }
    const std::vector<std::string> has = tools_of(node);
    ge::Proposal out;
    const std::pair<ge::Signal, std::string> wanted[] = {
        {ge::Signal::arithmetic, config.arithmetic_tool},
        {ge::Signal::code, config.code_tool},
    };
    for (const auto &[signal, tool] : wanted) {
        const int64_t count = signals.of(signal);
        const std::string kind(ge::to_string(signal));
        if (count == 0 || tool.empty()) continue;
        const double share = static_cast<double>(count) / static_cast<double>(signals.total);
        const std::string evidence = std::to_string(count) + " of " +
                                     std::to_string(signals.total) + " failed answers (" +
                                     ge::percent(share) + ") are " + kind + " failures";
        if (share < config.min_share) {
            out.reasons.push_back("only " + evidence + ", below min_share " +
                                  ge::percent(config.min_share) + ": no " + tool + " tool");
            continue;
        }
        if (std::find(has.begin(), has.end(), tool) != has.end()) {
            out.reasons.push_back(evidence + ", but " + request.node + " already has the " + tool +
                                  " tool");
            continue;
        }
        if (!services.has_tool(tool)) {
            out.reasons.push_back(evidence + ", but there is no tool named " + tool +
                                  " (`tinyllm tool list`)");
            continue;
        }
        json::Document graph = ge::copy_document(request.graph());
        json::Allocator &a = graph.GetAllocator();
        json::Value &cfg = ge::config_of(*ge::node(graph, request.node), a);
        if (!json::find(cfg, "tools") || !cfg["tools"].IsArray())
            ge::set_member(cfg, "tools", json::Value(rapidjson::kArrayType), a);
        cfg["tools"].PushBack(json::string_value(tool, a), a);
        if (!json::find(cfg, "max_tool_rounds"))
            ge::set_member(cfg, "max_tool_rounds", json::Value(config.max_tool_rounds), a);
        sdk::Candidate c;
        c.graph_json = json::to_string(graph);
        c.touched_nodes = {request.node};
        c.rationale = ge::failure_summary(request) + "; " + evidence + ": " +
                      what_it_fixes(signal, tool) + ".";
        out.candidates.push_back(std::move(c));
    }
    if (out.candidates.empty() && out.reasons.empty()) {
        out.reasons.push_back(
            "none of " + request.node + "'s " + std::to_string(signals.total) +
            " failed answers calls for a tool: they are neither arithmetic nor code failures");
    }
    return out;
}

} // namespace tinyllm::mutation
