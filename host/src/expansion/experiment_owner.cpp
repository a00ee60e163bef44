#include "expansion/experiment_owner.hpp"

#include "store/owner.hpp"
#include "tinyllm/json.hpp"

namespace tinyllm::expansion {

std::string experiment_settings(double share, double alpha) {
    const store::Owner me = store::current_owner();
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("decided_on", json::Value(share > 0 ? "live" : "replay", a), a);
    doc.AddMember("alpha", alpha, a);
    json::Value owner(rapidjson::kObjectType);
    owner.AddMember("host", json::string_value(me.host, a), a);
    owner.AddMember("pid", me.pid, a);
    doc.AddMember("owner", owner, a);
    return json::to_string(doc);
}

double experiment_alpha(const store::ExperimentRecord &experiment, double fallback) {
    try {
        const json::Document s = json::parse_object(
            experiment.settings.empty() ? "{}" : experiment.settings, "settings");
        const std::optional<double> alpha = json::get_number(s, "alpha");
        return alpha && *alpha > 0 && *alpha < 1 ? *alpha : fallback;
    } catch (const Error &) {
        return fallback;
    }
}

size_t pause_interrupted_experiments(store::GraphStore &graphs) {
    size_t paused = 0;
    for (store::ExperimentRecord &x : graphs.in_progress()) {
        if (x.status != store::ExperimentStatus::offline) continue;
        store::Owner owner;
        try {
            const json::Document s =
                json::parse_object(x.settings.empty() ? "{}" : x.settings, "settings");
            if (const json::Value *o = json::find(s, "owner")) {
                owner.host = json::get_string(*o, "host").value_or("");
                owner.pid = json::get_int(*o, "pid").value_or(0);
            }
        } catch (const Error &) {
            continue; // not ours to judge
        }
        if (owner.pid == 0 || !store::owner_is_gone(owner)) continue;
        x.status = store::ExperimentStatus::paused;
        x.decision = "paused: interrupted, process " + std::to_string(owner.pid) +
                     " ended before a decision: tinyllm expansion resume " + x.id + " (or cancel " +
                     x.id + ")";
        graphs.update_experiment(x);
        ++paused;
    }
    return paused;
}

} // namespace tinyllm::expansion
