#include "split_specialist.hpp"

#include "graph_edit/evidence.hpp"
#include "graph_edit/graph_edit.hpp"
#include "graph_edit/model_ref.hpp"
#include "graph_edit/prompt_parts.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

namespace tinyllm::mutation {

namespace ge = graph_edit;

namespace {

[[noreturn]] void bad(const std::string &message) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, message);
}

double number(const json::Value &v, const std::string &name, double lo, double hi) {
    if (!v.IsNumber() || v.GetDouble() < lo || v.GetDouble() > hi)
        bad(name + ": expected a number from " + json::to_string(json::Value(lo)) + " to " +
            json::to_string(json::Value(hi)));
    return v.GetDouble();
}

// One category of the node's requests, as a route.
struct Category {
    std::string label; // as the dataset names it
    std::string route; // as an id part and route name
    int64_t graded = 0;
    int64_t failures = 0;
    bool rated = false; // graded is known
    double rate() const { return graded > 0 ? static_cast<double>(failures) / graded : 0.0; }
};

std::string rate_text(int64_t failures, int64_t graded) {
    return std::to_string(failures) + " of " + std::to_string(graded) + " (" +
           ge::percent(graded > 0 ? static_cast<double>(failures) / graded : 0.0) + ")";
}

// What the weak category's sub-specialist gets: the config changes and a description.
struct WeakChanges {
    std::optional<ge::Step> step;
    std::optional<ge::PromptParts> prompt; // the node's, when the system prompt changes
    std::string system;                    // the new system prompt
    std::vector<std::string> notes;        // what was not changed, and why
};

WeakChanges weak_changes(const ge::Request &request, const SplitConfig &config,
                         ge::Services &services) {
    WeakChanges out;
    const json::Value &node = request.node_value();
    if (config.escalate) {
        try {
            const ge::StepResult r =
                ge::step_up(ge::model_of(node, services), request, services, config.steps, false);
            if (r.step) {
                out.step = r.step;
            } else {
                out.notes.push_back("no bigger model: " + r.reason);
            }
        } catch (const sdk::Error &e) {
            out.notes.push_back(std::string("no bigger model: ") + e.what());
        }
    }
    if (!config.prompt_id.empty()) {
        try {
            ge::PromptParts parts = ge::prompt_of(node, services);
            const json::Document extra =
                json::parse_object(services.prompt(config.prompt_id), "prompt " + config.prompt_id);
            const std::string addition = ge::string_of(extra, "system");
            if (addition.empty()) {
                out.notes.push_back("the prompt " + config.prompt_id + " has no system prompt");
            } else {
                std::string system = parts.system;
                while (!system.empty() && system.back() == '\n')
                    system.pop_back();
                system += (system.empty() ? "" : "\n\n") + addition;
                out.system = ge::with_examples(system, parts.examples);
                out.prompt = std::move(parts);
            }
        } catch (const std::exception &e) {
            out.notes.push_back("no step-by-step prompt: " + std::string(e.what()));
        }
    }
    return out;
}

} // namespace

SplitConfig parse_split_config(std::string_view config_json) {
    json::Document doc;
    try {
        doc =
            json::parse_object(config_json, "split_specialist config", ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        bad(e.what());
    }
    SplitConfig c;
    if (const json::Value *v = json::find(doc, "min_share"))
        c.min_share = number(*v, "min_share", 0, 1);
    if (const json::Value *v = json::find(doc, "min_ratio"))
        c.min_ratio = number(*v, "min_ratio", 1, 1e9);
    if (const json::Value *v = json::find(doc, "min_graded")) {
        if (!v->IsInt64() || v->GetInt64() < 1) bad("min_graded: expected an integer >= 1");
        c.min_graded = v->GetInt64();
    }
    if (const json::Value *w = json::find(doc, "weak_category")) {
        if (!w->IsObject()) bad("weak_category: expected an object");
        for (const auto &m : w->GetObject()) {
            const std::string key = m.name.GetString();
            if (key == "escalate") {
                if (!m.value.IsBool()) bad("weak_category.escalate: expected true or false");
                c.escalate = m.value.GetBool();
            } else if (key == "steps") {
                if (!m.value.IsInt() || m.value.GetInt() < 1)
                    bad("weak_category.steps: expected an integer >= 1");
                c.steps = m.value.GetInt();
            } else if (key == "prompt_id") {
                if (!m.value.IsString()) bad("weak_category.prompt_id: expected a prompt id");
                c.prompt_id = m.value.GetString();
            } else {
                bad("weak_category." + key + ": unknown option (escalate, steps, prompt_id)");
            }
        }
    }
    if (const json::Value *r = json::find(doc, "router")) {
        if (!r->IsObject()) bad("router: expected an object");
        for (const auto &m : r->GetObject()) {
            const std::string key = m.name.GetString();
            if (key == "prompt_id") {
                if (!m.value.IsString() || m.value.GetStringLength() == 0)
                    bad("router.prompt_id: expected a prompt id");
                c.router_prompt_id = m.value.GetString();
            } else if (key == "min_confidence") {
                c.min_confidence = number(m.value, "router.min_confidence", 0, 1);
            } else {
                bad("router." + key + ": unknown option (prompt_id, min_confidence)");
            }
        }
    }
    return c;
}

ge::Proposal propose_split(const ge::Request &request, const SplitConfig &config,
                           ge::Services &services) {
    const json::Value &graph = request.graph();
    const std::string &id = request.node;
    const std::string type = ge::string_of(request.node_value(), "type");
    if (type != "model") {
        return ge::Proposal::none(id + " is a " + type +
                                  " node: split_specialist splits model nodes");
    }

    // The categories: the dataset labels of the node's requests.
    std::vector<Category> categories;
    for (const graph_edit::LabelStats &s : ge::label_stats(request)) {
        const std::string route = ge::id_part(s.label);
        if (route.empty()) continue;
        auto it = std::find_if(categories.begin(), categories.end(),
                               [&](const Category &c) { return c.route == route; });
        if (it == categories.end())
            it = categories.insert(categories.end(), Category{s.label, route, 0, 0, false});
        it->graded += s.graded;
        it->failures += s.failures;
        it->rated = it->rated || s.graded > 0;
    }
    if (categories.size() < 2) {
        return ge::Proposal::none(
            id + "'s requests are of " +
            (categories.empty() ? std::string("no labelled category")
                                : "one category (" + categories[0].label + ")") +
            ": there is nothing to split (the failures and metrics carry the dataset labels)");
    }
    const bool rated = std::all_of(categories.begin(), categories.end(),
                                   [](const Category &c) { return c.rated; });
    int64_t failures = 0;
    for (const Category &c : categories)
        failures += c.failures;
    if (failures == 0) return ge::Proposal::none(id + " has no failures in any category");
    const auto weak_it = std::max_element(
        categories.begin(), categories.end(), [&](const Category &a, const Category &b) {
            return rated ? a.rate() < b.rate() : a.failures < b.failures;
        });
    const Category weak = *weak_it;
    int64_t other_failures = 0, other_graded = 0;
    for (const Category &c : categories) {
        if (c.route == weak.route) continue;
        other_failures += c.failures;
        other_graded += c.graded;
    }
    const double share = static_cast<double>(weak.failures) / static_cast<double>(failures);
    const std::string spread =
        rated ? weak.label + " fails " + rate_text(weak.failures, weak.graded) +
                    ", the other categories " + rate_text(other_failures, other_graded)
              : weak.label + " has " + std::to_string(weak.failures) + " of its " +
                    std::to_string(failures) + " failures (" + ge::percent(share) + ")";
    if (share < config.min_share) {
        return ge::Proposal::none(id +
                                  "'s failures are not concentrated in one category: " + spread +
                                  "; " + ge::percent(share) + " of them are " + weak.label +
                                  ", below min_share " + ge::percent(config.min_share));
    }
    if (rated) {
        if (weak.graded < config.min_graded) {
            return ge::Proposal::none(id + ": only " + std::to_string(weak.graded) + " graded " +
                                      weak.label + " requests, fewer than min_graded " +
                                      std::to_string(config.min_graded));
        }
        const double other_rate =
            other_graded > 0 ? static_cast<double>(other_failures) / other_graded : 0.0;
        if (weak.rate() < config.min_ratio * other_rate) {
            return ge::Proposal::none(
                id + " fails every category about as often (" + spread +
                "): a split would not single out what it gets wrong; the failure rate of " +
                weak.label + " is below min_ratio " +
                json::to_string(json::Value(config.min_ratio)) + " times the others'");
        }
    }

    // The node's gate loop goes with each sub-specialist; a gate that also checks other nodes
    // cannot be copied for one of them.
    const std::vector<std::string> gates = ge::gate_loop(graph, id);
    for (const std::string &gate : gates) {
        for (const size_t e : ge::incoming(graph, gate)) {
            const std::string from =
                ge::string_of(graph["edges"][static_cast<rapidjson::SizeType>(e)], "from");
            if (from != id && std::find(gates.begin(), gates.end(), from) == gates.end()) {
                return ge::Proposal::none("the gate " + gate + " also checks " + from +
                                          ": split_specialist does not split a shared gate");
            }
        }
    }
    WeakChanges changes = weak_changes(request, config, services);
    if (!changes.step && !changes.prompt) {
        std::string why;
        for (const std::string &n : changes.notes)
            why += "; " + n;
        return ge::Proposal::none("the " + weak.label + " sub-specialist of " + id +
                                  " would be the node as it is" + why);
    }

    json::Document doc = ge::copy_document(graph);
    json::Allocator &a = doc.GetAllocator();
    const json::Value old = json::Value(*ge::node(doc, id), a);
    const std::string router = ge::unique_id(doc, id + ".router");
    // Ids: <node>.<category> and its gates <node>.<category>.check (.<gate> for several).
    std::vector<std::string> subs;
    std::vector<std::map<std::string, std::string>> gate_ids(categories.size());
    std::vector<std::string> taken = {router};
    const auto fresh = [&](const std::string &base) {
        std::string candidate = ge::unique_id(doc, base);
        for (int n = 2; std::find(taken.begin(), taken.end(), candidate) != taken.end(); ++n)
            candidate = ge::unique_id(doc, base + "." + std::to_string(n));
        taken.push_back(candidate);
        return candidate;
    };
    for (size_t i = 0; i < categories.size(); ++i) {
        subs.push_back(fresh(id + "." + categories[i].route));
        for (const std::string &gate : gates) {
            gate_ids[i][gate] =
                fresh(subs[i] + (gates.size() == 1 ? std::string(".check") : "." + gate));
        }
    }

    // The router, in the node's place.
    json::Value r(rapidjson::kObjectType);
    r.AddMember("id", json::string_value(router, a), a);
    r.AddMember("type", "router", a);
    json::Value rc(rapidjson::kObjectType);
    json::Value routes(rapidjson::kArrayType);
    for (const Category &c : categories)
        routes.PushBack(json::string_value(c.route, a), a);
    rc.AddMember("routes", routes, a);
    rc.AddMember("default", json::string_value(weak.route, a), a);
    json::Value stage(rapidjson::kObjectType);
    stage.AddMember("prompt_id", json::string_value(config.router_prompt_id, a), a);
    stage.AddMember("min_confidence", json::Value(config.min_confidence), a);
    rc.AddMember("model", stage, a);
    r.AddMember("config", rc, a);
    if (const json::Value *retry = json::find(old, "retry"))
        r.AddMember("retry", json::Value(*retry, a), a);
    if (const json::Value *t = json::find(old, "timeout_ms"))
        r.AddMember("timeout_ms", json::Value(*t, a), a);

    // Edges: into the node -> into the router; the node's and its gates' edges, per category.
    std::vector<json::Value> new_edges;
    const auto edge = [&](const std::string &from, const std::string &to, const std::string &when) {
        json::Value e(rapidjson::kObjectType);
        e.AddMember("from", json::string_value(from, a), a);
        e.AddMember("to", json::string_value(to, a), a);
        if (!when.empty()) e.AddMember("when", json::string_value(when, a), a);
        new_edges.push_back(std::move(e));
    };
    const auto is_gate = [&](const std::string &n) {
        return std::find(gates.begin(), gates.end(), n) != gates.end();
    };
    for (size_t i = 0; i < categories.size(); ++i)
        edge(router, subs[i], "route == \"" + categories[i].route + "\"");
    for (json::Value &e : doc["edges"].GetArray()) {
        const std::string from = ge::string_of(e, "from");
        const std::string to = ge::string_of(e, "to");
        const std::string when = ge::string_of(e, "when");
        if (to == id && from != id && !is_gate(from)) {
            ge::set_member(e, "to", json::string_value(router, a), a);
        }
        if (from != id && !is_gate(from)) continue;
        for (size_t i = 0; i < categories.size(); ++i) {
            const std::string f = from == id ? subs[i] : gate_ids[i][from];
            const std::string t = to == id ? subs[i] : is_gate(to) ? gate_ids[i][to] : to;
            edge(f, t, when);
        }
    }

    // Nodes: the router and each sub-specialist with its gates, where the node was.
    std::string after = id;
    const auto place = [&](json::Value node, const std::string &node_id) {
        ge::insert_node_after(doc, after, std::move(node), a);
        after = node_id;
    };
    place(std::move(r), router);
    std::vector<std::string> touched = {router};
    for (size_t i = 0; i < categories.size(); ++i) {
        json::Value sub = ge::copy_node(old, subs[i], a);
        if (categories[i].route == weak.route) {
            json::Value &cfg = ge::config_of(sub, a);
            if (changes.prompt) ge::set_inline_prompt(cfg, a, *changes.prompt, changes.system);
            if (changes.step) {
                json::Document m = json::parse(changes.step->model_json, "model");
                ge::set_member(cfg, "model", json::Value(m, a), a);
            }
        }
        place(std::move(sub), subs[i]);
        touched.push_back(subs[i]);
        for (const std::string &gate : gates) {
            place(ge::copy_node(*ge::node(graph, gate), gate_ids[i][gate], a), gate_ids[i][gate]);
            touched.push_back(gate_ids[i][gate]);
        }
    }
    ge::remove_node(doc, id);
    for (const std::string &gate : gates)
        ge::remove_node(doc, gate);
    for (json::Value &e : new_edges)
        doc["edges"].PushBack(e, a);
    if (ge::is_entry(doc, id)) ge::set_member(doc, "entry", json::string_value(router, a), a);
    if (json::Value *exits = json::find(doc, "exits") ? &doc["exits"] : nullptr;
        exits != nullptr && exits->IsArray()) {
        for (rapidjson::SizeType k = exits->Size(); k-- > 0;) {
            if (!(*exits)[k].IsString() || (*exits)[k].GetString() != id) continue;
            exits->Erase(exits->Begin() + k);
            for (const std::string &s : subs)
                exits->PushBack(json::string_value(s, a), a);
        }
    }
    // A router on a loop (one not through the node's gates) needs its bound too.
    if (ge::on_cycle(doc, router)) {
        const int64_t visits = json::get_int(old, "max_visits").value_or(0);
        ge::set_member(*ge::node(doc, router), "max_visits", json::Value(visits > 0 ? visits : 4),
                       a);
    }

    std::string weak_sub;
    for (size_t i = 0; i < categories.size(); ++i) {
        if (categories[i].route == weak.route) weak_sub = subs[i];
    }
    std::string what;
    if (changes.step) what = changes.step->to + " first (" + changes.step->ladder + ")";
    if (changes.prompt) {
        what += std::string(what.empty() ? "" : " and ") + "step-by-step instructions (" +
                config.prompt_id + ") added to its system prompt";
    }
    std::string others;
    for (const Category &c : categories) {
        if (c.route != weak.route) others += (others.empty() ? "" : ", ") + c.label;
    }
    sdk::Candidate c;
    c.graph_json = json::to_string(doc);
    c.touched_nodes = std::move(touched);
    c.rationale = id + " fails mostly on one category: " + spread + "; " + ge::percent(share) +
                  " of its failures are " + weak.label + ". The router " + router +
                  " (its classifier prompt " + config.router_prompt_id + ", by category) sends " +
                  weak.label + " requests to " + weak_sub + ", which asks " + what +
                  ", and the rest (" + others +
                  ") to copies of the node as it is, so they keep their cost and accuracy; each "
                  "sub-specialist keeps a copy of the node's gate loop. A request the router is "
                  "unsure about goes to " +
                  weak_sub + ".";
    for (const std::string &n : changes.notes)
        c.rationale += " (" + n + ")";
    ge::Proposal out;
    out.candidates.push_back(std::move(c));
    return out;
}

} // namespace tinyllm::mutation
