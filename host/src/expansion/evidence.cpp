#include "expansion/evidence.hpp"

#include "tinyllm/json.hpp"

#include <algorithm>

namespace tinyllm::expansion {

namespace {

// What the verdict says went wrong: "failure=wrong_number" (the rules judge's label), else the
// check that failed, else nothing more than "the judge said no".
std::string failure_key(const store::GraphStore::GradedRun &run) {
    const json::Document labels =
        json::parse(run.labels.empty() ? "{}" : run.labels, "grade labels", ErrorCode::internal);
    if (!labels.IsObject()) return "";
    for (const char *key : {"failure", "check"}) {
        if (const json::Value *v = json::find(labels, key); v != nullptr && v->IsString())
            return std::string(key) + "=" + v->GetString();
    }
    return "";
}

struct Group {
    std::string key;
    int64_t count = 0;
    std::map<std::string, int64_t> labels;
    std::vector<const store::GraphStore::GradedRun *> examples;
};

} // namespace

std::string label_of(const store::GraphStore::GradedRun &run) {
    if (run.context.empty()) return "";
    const json::Document context = json::parse(run.context, "context", ErrorCode::internal);
    const json::Value *labels = json::find(context, "labels");
    if (labels == nullptr || !labels->IsObject()) return "";
    return json::get_string(*labels, "category").value_or("");
}

NodeEvidence gather_evidence(const store::GraphStore &graphs, const std::string &graph_id,
                             const std::string &graph_version, const std::string &node_id,
                             int64_t since_ms, size_t limit) {
    NodeEvidence e;
    e.graph_id = graph_id;
    e.graph_version = graph_version;
    e.node_id = node_id;
    e.runs = graphs.graded_runs(graph_id, graph_version, node_id, since_ms, limit);
    for (const auto &run : e.runs) {
        LabelCounts &c = e.labels[label_of(run)];
        ++c.graded;
        if (!run.pass) {
            ++c.failures;
            ++e.failures;
        }
    }
    e.calls = graphs.node_calls(graph_id, graph_version, node_id, since_ms);
    return e;
}

std::string mutation_request(const graph::GraphDef &def, const NodeEvidence &evidence,
                             const config::ModelsConfig &models, size_t examples_per_group) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("graph", json::Value(*def.document, a), a);
    doc.AddMember("node", json::string_value(evidence.node_id, a), a);

    std::vector<Group> groups;
    for (const auto &run : evidence.runs) {
        if (run.pass) continue;
        const std::string key = failure_key(run);
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const Group &g) { return g.key == key; });
        if (it == groups.end()) it = groups.insert(groups.end(), Group{key, 0, {}, {}});
        ++it->count;
        ++it->labels[label_of(run)];
        if (it->examples.size() < examples_per_group) it->examples.push_back(&run);
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const Group &x, const Group &y) { return x.count > y.count; });
    json::Value failures(rapidjson::kArrayType);
    for (const Group &g : groups) {
        json::Value o(rapidjson::kObjectType);
        o.AddMember("category", "judge_verdict", a);
        o.AddMember("key", json::string_value(g.key, a), a);
        o.AddMember("count", g.count, a);
        json::Value labels(rapidjson::kObjectType);
        for (const auto &[label, n] : g.labels)
            if (!label.empty())
                labels.AddMember(json::string_value(label, a), json::Value(static_cast<int64_t>(n)),
                                 a);
        o.AddMember("labels", labels, a);
        json::Value examples(rapidjson::kArrayType);
        for (const auto *run : g.examples) {
            json::Value x(rapidjson::kObjectType);
            x.AddMember("input", json::string_value(run->input, a), a);
            x.AddMember("output", json::string_value(run->answer, a), a);
            if (run->expected) x.AddMember("expected", json::string_value(*run->expected, a), a);
            json::Document reasons = json::parse(run->reasons.empty() ? "[]" : run->reasons,
                                                 "grade reasons", ErrorCode::internal);
            x.AddMember("reasons", json::Value(reasons, a), a);
            x.AddMember("label", json::string_value(label_of(*run), a), a);
            x.AddMember("tools", json::Value(rapidjson::kArrayType), a);
            examples.PushBack(x, a);
        }
        o.AddMember("examples", examples, a);
        failures.PushBack(o, a);
    }
    doc.AddMember("failures", failures, a);

    json::Value metrics(rapidjson::kObjectType);
    const auto graded = static_cast<int64_t>(evidence.runs.size());
    metrics.AddMember("requests", graded, a);
    metrics.AddMember("graded", graded, a);
    metrics.AddMember("failures", evidence.failures, a);
    metrics.AddMember("failure_rate",
                      graded > 0 ? static_cast<double>(evidence.failures) / graded : 0.0, a);
    json::Value labels(rapidjson::kObjectType);
    for (const auto &[label, c] : evidence.labels) {
        if (label.empty()) continue;
        json::Value o(rapidjson::kObjectType);
        o.AddMember("graded", c.graded, a);
        o.AddMember("failures", c.failures, a);
        labels.AddMember(json::string_value(label, a), o, a);
    }
    metrics.AddMember("labels", labels, a);
    for (const bool tools : {false, true}) {
        json::Value counts(rapidjson::kObjectType);
        for (const auto &[name, n] : tools ? evidence.calls.tools : evidence.calls.models)
            counts.AddMember(json::string_value(name, a), json::Value(static_cast<int64_t>(n)), a);
        metrics.AddMember(json::Value(tools ? "tools" : "models", a), counts, a);
    }
    doc.AddMember("metrics", metrics, a);

    json::Value roles(rapidjson::kObjectType);
    for (const std::string &role : models.roles()) {
        json::Value ladder(rapidjson::kArrayType);
        for (const std::string &name : models.role_ladder(role))
            ladder.PushBack(json::string_value(name, a), a);
        roles.AddMember(json::string_value(role, a), ladder, a);
    }
    doc.AddMember("roles", roles, a);
    return json::to_string(doc);
}

} // namespace tinyllm::expansion
