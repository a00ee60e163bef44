#include "graph_edit/request.hpp"

#include "graph_edit/graph_edit.hpp"

#include <cmath>

namespace tinyllm::graph_edit {

namespace {

[[noreturn]] void bad(const std::string &message) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "mutation request: " + message);
}

int64_t int_of(const json::Value &object, std::string_view key) {
    const json::Value *v = object.IsObject() ? json::find(object, key) : nullptr;
    if (v == nullptr || !v->IsNumber()) return 0;
    return v->IsInt64() ? v->GetInt64() : static_cast<int64_t>(std::llround(v->GetDouble()));
}

std::vector<std::string> strings_of(const json::Value &object, std::string_view key) {
    std::vector<std::string> out;
    const json::Value *v = object.IsObject() ? json::find(object, key) : nullptr;
    if (v == nullptr || !v->IsArray()) return out;
    for (const json::Value &s : v->GetArray()) {
        if (s.IsString()) out.emplace_back(s.GetString(), s.GetStringLength());
    }
    return out;
}

std::vector<std::pair<std::string, int64_t>> counts_of(const json::Value &object,
                                                       std::string_view key) {
    std::vector<std::pair<std::string, int64_t>> out;
    const json::Value *v = object.IsObject() ? json::find(object, key) : nullptr;
    if (v == nullptr || !v->IsObject()) return out;
    for (const auto &m : v->GetObject()) {
        if (!m.value.IsNumber()) continue;
        out.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()),
                         m.value.IsInt64() ? m.value.GetInt64()
                                           : static_cast<int64_t>(m.value.GetDouble()));
    }
    return out;
}

FailureGroup group_of(const json::Value &g) {
    FailureGroup out;
    // The stable name ("judge_verdict"); the one for people ("judge verdict") reads the same.
    out.category = string_of(g, "category");
    for (char &c : out.category) {
        if (c == ' ') c = '_';
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    out.key = string_of(g, "key");
    out.count = int_of(g, "count");
    out.labels = counts_of(g, "labels");
    if (const json::Value *examples = json::find(g, "examples");
        examples != nullptr && examples->IsArray()) {
        for (const json::Value &e : examples->GetArray()) {
            if (!e.IsObject()) continue;
            FailureExample x;
            x.input = string_of(e, "input");
            x.output = string_of(e, "output");
            x.expected = string_of(e, "expected");
            x.label = string_of(e, "label");
            x.reasons = strings_of(e, "reasons");
            x.tools = strings_of(e, "tools");
            out.examples.push_back(std::move(x));
        }
    }
    if (out.count <= 0) out.count = static_cast<int64_t>(out.examples.size());
    return out;
}

Metrics metrics_of(const json::Value &m) {
    Metrics out;
    if (!m.IsObject()) return out;
    out.requests = int_of(m, "requests");
    out.graded = int_of(m, "graded");
    out.failures = int_of(m, "failures");
    out.failure_rate = json::get_number(m, "failure_rate").value_or(0.0);
    if (const json::Value *labels = json::find(m, "labels"); labels && labels->IsObject()) {
        for (const auto &l : labels->GetObject()) {
            out.labels.push_back({std::string(l.name.GetString(), l.name.GetStringLength()),
                                  int_of(l.value, "graded"), int_of(l.value, "failures")});
        }
    }
    out.models = counts_of(m, "models");
    out.tools = counts_of(m, "tools");
    return out;
}

} // namespace

const json::Value &Request::node_value() const {
    return *graph_edit::node(graph(), node);
}

Request parse_request(std::string_view request_json) {
    Request r;
    try {
        r.doc = json::parse_object(request_json, "mutation request", ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
    const json::Value *graph = json::find(r.doc, "graph");
    if (graph == nullptr || !graph->IsObject()) bad("\"graph\" must be a graph document");
    const json::Value *nodes = json::find(*graph, "nodes");
    if (nodes == nullptr || !nodes->IsArray()) bad("the graph has no \"nodes\"");
    r.node = string_of(r.doc, "node");
    if (r.node.empty()) bad("\"node\" must name the node to improve");
    if (!find_node(*graph, r.node)) bad("no node \"" + r.node + "\" in the graph");
    if (const json::Value *failures = json::find(r.doc, "failures");
        failures != nullptr && failures->IsArray()) {
        for (const json::Value &g : failures->GetArray()) {
            if (g.IsObject()) r.failures.push_back(group_of(g));
        }
    }
    if (const json::Value *metrics = json::find(r.doc, "metrics")) r.metrics = metrics_of(*metrics);
    if (const json::Value *roles = json::find(r.doc, "roles"); roles && roles->IsObject()) {
        for (const auto &role : roles->GetObject()) {
            std::vector<std::string> &ladder =
                r.roles[std::string(role.name.GetString(), role.name.GetStringLength())];
            if (!role.value.IsArray()) continue;
            for (const json::Value &m : role.value.GetArray()) {
                if (m.IsString()) ladder.emplace_back(m.GetString(), m.GetStringLength());
            }
        }
    }
    return r;
}

std::string plural(int64_t n, std::string_view word, std::string_view words) {
    std::string out = std::to_string(n) + " ";
    if (n == 1) return out + std::string(word);
    return out + (words.empty() ? std::string(word) + "s" : std::string(words));
}

std::string percent(double share) {
    return std::to_string(static_cast<int>(std::lround(share * 100.0))) + "%";
}

} // namespace tinyllm::graph_edit
