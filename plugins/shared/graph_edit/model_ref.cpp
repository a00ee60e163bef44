#include "graph_edit/model_ref.hpp"

#include "graph_edit/graph_edit.hpp"

#include <algorithm>
#include <cstdlib>

namespace tinyllm::graph_edit {

namespace {

std::string ladder_text(const std::string &role, const std::vector<std::string> &ladder) {
    std::string out = role + ": ";
    for (size_t i = 0; i < ladder.size(); ++i)
        out += (i ? " -> " : "") + ladder[i];
    return out;
}

std::string json_string(std::string_view s) {
    std::string out;
    json::append_quoted(out, s);
    return out;
}

std::optional<size_t> index_in(const std::vector<std::string> &ladder, const std::string &name) {
    const auto it = std::find(ladder.begin(), ladder.end(), name);
    if (it == ladder.end()) return std::nullopt;
    return static_cast<size_t>(it - ladder.begin());
}

// The role's ladder: the request's, else the host's.
std::vector<std::string> ladder_of(const std::string &role, const Request &request,
                                   Services &services) {
    if (const auto it = request.roles.find(role); it != request.roles.end() && !it->second.empty())
        return it->second;
    try {
        return services.role_models(role, "");
    } catch (const sdk::Error &) {
        return {};
    }
}

// Where the node starts on the ladder: the first model of at least min_size (the host knows
// models.yaml's sizes; the names' sizes when it cannot say).
std::optional<size_t> first_rung(const std::vector<std::string> &ladder, const ModelRef &model,
                                 Services &services) {
    if (model.min_size.empty()) return 0;
    try {
        const std::vector<std::string> from = services.role_models(model.role, model.min_size);
        if (from.empty()) return std::nullopt;
        return index_in(ladder, from.front());
    } catch (const sdk::Error &) {
    }
    const auto least = parameters_of(model.min_size);
    for (size_t i = 0; i < ladder.size(); ++i) {
        const auto size = size_of(ladder[i]);
        const auto p = size ? parameters_of(*size) : std::nullopt;
        if (least && p && *p >= *least) return i;
    }
    return std::nullopt;
}

} // namespace

ModelRef model_of(const json::Value &node, Services &services) {
    ModelRef out;
    const json::Value *config = json::find(node, "config");
    const json::Value *model =
        config && config->IsObject() ? json::find(*config, "model") : nullptr;
    if (model != nullptr && model->IsObject() && !string_of(*model, "role").empty()) {
        out.role = string_of(*model, "role");
        out.min_size = string_of(*model, "min_size");
        out.source = "its config";
        return out;
    }
    if (model != nullptr && model->IsString() && model->GetStringLength() > 0) {
        out.name = model->GetString();
        out.source = "its config";
        return out;
    }
    const std::string prompt_id =
        config && config->IsObject() ? string_of(*config, "prompt_id") : "";
    if (!prompt_id.empty()) {
        json::Document prompt;
        try {
            prompt = json::parse_object(services.prompt(prompt_id), "prompt " + prompt_id,
                                        ErrorCode::protocol);
        } catch (const tinyllm::Error &e) {
            throw sdk::Error(TLLM_ERR_PROTOCOL, e.what());
        }
        if (const json::Value *m = json::find(prompt, "model"); m && m->IsObject()) {
            out.role = string_of(*m, "role");
            out.min_size = string_of(*m, "min_size");
        }
        if (!out.role.empty()) {
            out.source = "prompt file " + prompt_id;
            return out;
        }
        out.min_size.clear();
    }
    out.source = "default_model";
    return out;
}

std::optional<std::string> size_of(std::string_view name) {
    std::optional<std::string> found;
    size_t start = 0;
    for (size_t i = 0; i <= name.size(); ++i) {
        if (i < name.size() && name[i] != ':' && name[i] != '-' && name[i] != '_' && name[i] != '/')
            continue;
        std::string part(name.substr(start, i - start));
        for (char &c : part)
            if (c == 'B' || c == 'M') c = static_cast<char>(c - 'A' + 'a');
        if (parameters_of(part)) found = part;
        start = i + 1;
    }
    return found;
}

std::optional<double> parameters_of(std::string_view size) {
    if (size.size() < 2) return std::nullopt;
    const char unit = size.back();
    double scale = 0;
    if (unit == 'b' || unit == 'B') scale = 1e9;
    if (unit == 'm' || unit == 'M') scale = 1e6;
    if (scale == 0) return std::nullopt;
    const std::string_view number = size.substr(0, size.size() - 1);
    bool dot = false;
    for (size_t i = 0; i < number.size(); ++i) {
        const char c = number[i];
        if (c == '.' && !dot && i > 0 && i + 1 < number.size()) {
            dot = true;
        } else if (c < '0' || c > '9') {
            return std::nullopt;
        }
    }
    return std::strtod(std::string(number).c_str(), nullptr) * scale;
}

StepResult step_up(const ModelRef &model, const Request &request, Services &services, int steps,
                   bool pin) {
    StepResult out;
    steps = std::max(steps, 1);
    if (!model.role.empty()) {
        const std::vector<std::string> ladder = ladder_of(model.role, request, services);
        if (ladder.empty()) {
            out.reason = "no model has the role " + model.role + " (from " + model.source + ")";
            return out;
        }
        const auto from = first_rung(ladder, model, services);
        if (!from) {
            out.reason = "no model of the role " + model.role + " is at least " + model.min_size;
            return out;
        }
        if (*from + 1 >= ladder.size()) {
            out.reason = "it already asks the biggest model of the role " + model.role + " (" +
                         ladder.back() + "; " + ladder_text(model.role, ladder) + ")";
            return out;
        }
        const size_t to = std::min(*from + static_cast<size_t>(steps), ladder.size() - 1);
        Step s;
        s.from = ladder[*from];
        s.to = ladder[to];
        s.ladder = ladder_text(model.role, ladder);
        const auto size = size_of(s.to);
        const auto from_size = size_of(s.from);
        const auto p_to = size ? parameters_of(*size) : std::nullopt;
        const auto p_from = from_size ? parameters_of(*from_size) : std::nullopt;
        if (!pin && p_to && (!p_from || *p_to > *p_from)) {
            s.model_json = "{\"role\":" + json_string(model.role) +
                           ",\"min_size\":" + json_string(*size) + "}";
            s.keeps_ladder = true;
        } else {
            s.model_json = json_string(s.to);
        }
        out.step = std::move(s);
        return out;
    }
    std::string name = model.name;
    if (name.empty()) {
        // default_model: the model the node's calls went to.
        int64_t most = 0;
        for (const auto &[m, calls] : request.metrics.models) {
            if (calls > most) {
                most = calls;
                name = m;
            }
        }
        if (name.empty()) {
            out.reason = "it asks default_model and its metrics name no model it called";
            return out;
        }
    }
    // The longest ladder that holds the model and has a bigger one.
    const std::vector<std::string> *best = nullptr;
    std::string best_role;
    size_t best_index = 0;
    for (const auto &[role, ladder] : request.roles) {
        const auto i = index_in(ladder, name);
        if (!i || *i + 1 >= ladder.size()) continue;
        if (best == nullptr || ladder.size() - *i > best->size() - best_index) {
            best = &ladder;
            best_role = role;
            best_index = *i;
        }
    }
    if (best == nullptr) {
        out.reason = "no role's ladder has a model bigger than " + name;
        return out;
    }
    const size_t to = std::min(best_index + static_cast<size_t>(steps), best->size() - 1);
    Step s;
    s.from = name;
    s.to = (*best)[to];
    s.model_json = json_string(s.to);
    s.ladder = ladder_text(best_role, *best);
    out.step = std::move(s);
    return out;
}

size_t rungs_of(const ModelRef &model, const Request &request, Services &services) {
    if (model.role.empty()) return 1;
    const std::vector<std::string> ladder = ladder_of(model.role, request, services);
    const auto from = first_rung(ladder, model, services);
    if (!from || *from >= ladder.size()) return 1;
    return ladder.size() - *from;
}

} // namespace tinyllm::graph_edit
