#include "router_config.hpp"

#include "tinyllm/json.hpp"

#include <cmath>

namespace tinyllm::router {

namespace {

[[noreturn]] void fail(const std::string &key, const std::string &message) {
    throw Error(ErrorCode::invalid_argument, key + ": " + message);
}

std::string string_of(const json::Value &v) {
    return {v.GetString(), v.GetStringLength()};
}

enum class Kind { object, array, string, number };

bool is(const json::Value &v, Kind kind) {
    switch (kind) {
    case Kind::object: return v.IsObject();
    case Kind::array: return v.IsArray();
    case Kind::string: return v.IsString();
    case Kind::number: return v.IsNumber();
    }
    return false;
}

const char *name_of(Kind kind) {
    switch (kind) {
    case Kind::object: return "an object";
    case Kind::array: return "an array";
    case Kind::string: return "a string";
    case Kind::number: return "a number";
    }
    return "?";
}

// The host has validated the config; these checks keep a direct caller (a test, a host without
// validation) from reading a member of the wrong type. nullptr when absent.
const json::Value *member(const json::Value &object, std::string_view key, Kind kind,
                          const std::string &path) {
    const json::Value *v = json::find(object, key);
    if (v != nullptr && !is(*v, kind)) {
        fail(path, std::string("expected ") + name_of(kind) + ", got " +
                       std::string(json::type_name(*v)));
    }
    return v;
}

std::vector<std::string> strings_of(const json::Value &array, const std::string &path) {
    std::vector<std::string> out;
    for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
        const std::string item = path + "[" + std::to_string(i) + "]";
        if (!array[i].IsString()) fail(item, "expected a string");
        if (array[i].GetStringLength() == 0) fail(item, "empty");
        out.push_back(string_of(array[i]));
    }
    return out;
}

bool valid_route_name(std::string_view name) {
    if (name.empty()) return false;
    for (const char c : name) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// The route a key of `section` names, or a config error naming the key.
int route_of(const RouterConfig &config, std::string_view name, const std::string &path) {
    const int index = route_index(config.routes, name);
    if (index < 0) fail(path, "not one of the routes (" + route_list(config.routes) + ")");
    return index;
}

double number_in(const json::Value &object, std::string_view key, double fallback,
                 const std::string &path) {
    const json::Value *v = member(object, key, Kind::number, path);
    if (v == nullptr) return fallback;
    const double d = v->GetDouble();
    if (!std::isfinite(d)) fail(path, "must be a finite number");
    return d;
}

RulesConfig parse_rules(const RouterConfig &config, const json::Value &rules) {
    RulesConfig out;
    out.by_route.resize(config.routes.size());
    for (const auto &m : rules.GetObject()) {
        const std::string name = string_of(m.name);
        if (name == "min_score") {
            if (!m.value.IsInt64() || m.value.GetInt64() < 1) {
                fail("rules.min_score", "must be an integer of at least 1");
            }
            out.min_score = m.value.GetInt64();
            continue;
        }
        const std::string path = "rules." + name;
        const int route = route_of(config, name, path);
        if (!m.value.IsObject()) fail(path, "expected an object {keywords, patterns}");
        RouteRules &r = out.by_route[static_cast<size_t>(route)];
        for (const auto &field : m.value.GetObject()) {
            const std::string key = string_of(field.name);
            const std::string field_path = path + "." + key;
            if (key != "keywords" && key != "patterns") {
                fail(field_path, "unknown key (keywords or patterns)");
            }
            if (!field.value.IsArray()) fail(field_path, "expected an array of strings");
            (key == "keywords" ? r.keywords : r.patterns) = strings_of(field.value, field_path);
        }
    }
    return out;
}

SemanticConfig parse_semantic(const RouterConfig &config, const json::Value &semantic) {
    SemanticConfig out;
    if (const json::Value *model = member(semantic, "model", Kind::string, "semantic.model")) {
        out.model = string_of(*model);
    }
    out.threshold = number_in(semantic, "threshold", out.threshold, "semantic.threshold");
    out.margin = number_in(semantic, "margin", out.margin, "semantic.margin");
    out.thresholds.assign(config.routes.size(), out.threshold);
    if (const json::Value *thresholds =
            member(semantic, "thresholds", Kind::object, "semantic.thresholds")) {
        for (const auto &m : thresholds->GetObject()) {
            const std::string path = "semantic.thresholds." + string_of(m.name);
            const int route = route_of(config, string_of(m.name), path);
            if (!m.value.IsNumber()) fail(path, "expected a number");
            out.thresholds[static_cast<size_t>(route)] = m.value.GetDouble();
        }
    }
    const json::Value *examples = member(semantic, "examples", Kind::object, "semantic.examples");
    if (examples == nullptr || examples->ObjectEmpty()) {
        fail("semantic.examples", "needs example requests for at least one route");
    }
    for (const auto &m : examples->GetObject()) {
        const std::string path = "semantic.examples." + string_of(m.name);
        const int route = route_of(config, string_of(m.name), path);
        if (!m.value.IsArray()) fail(path, "expected an array of strings");
        for (std::string &text : strings_of(m.value, path))
            out.examples.emplace_back(route, std::move(text));
    }
    if (out.examples.empty()) fail("semantic.examples", "needs at least one example request");
    return out;
}

ModelStageConfig parse_model(const json::Value &model) {
    ModelStageConfig out;
    const json::Value *prompt = member(model, "prompt_id", Kind::string, "model.prompt_id");
    if (prompt == nullptr || prompt->GetStringLength() == 0) {
        fail("model.prompt_id", "required (a prompt file id such as routing/task_classifier)");
    }
    out.prompt_id = string_of(*prompt);
    if (const json::Value *name = member(model, "model", Kind::string, "model.model")) {
        out.model = string_of(*name);
    }
    out.min_confidence =
        number_in(model, "min_confidence", out.min_confidence, "model.min_confidence");
    return out;
}

} // namespace

int route_index(const std::vector<std::string> &routes, std::string_view name) {
    for (size_t i = 0; i < routes.size(); ++i) {
        if (routes[i] == name) return static_cast<int>(i);
    }
    return -1;
}

std::string route_list(const std::vector<std::string> &routes) {
    std::string out;
    for (const std::string &r : routes)
        out += (out.empty() ? "" : ", ") + r;
    return out;
}

RouterConfig parse_config(std::string_view text) {
    const json::Document doc =
        json::parse_object(text, "router config", ErrorCode::invalid_argument);
    RouterConfig config;

    const json::Value *routes = member(doc, "routes", Kind::array, "routes");
    if (routes == nullptr || routes->Empty()) fail("routes", "required: at least one route");
    config.routes = strings_of(*routes, "routes");
    for (size_t i = 0; i < config.routes.size(); ++i) {
        const std::string path = "routes[" + std::to_string(i) + "]";
        if (!valid_route_name(config.routes[i])) {
            fail(path, "\"" + config.routes[i] + "\" is not a route name ([a-z0-9_.-]+)");
        }
        const int first = route_index(config.routes, config.routes[i]);
        if (static_cast<size_t>(first) != i) {
            fail(path,
                 "\"" + config.routes[i] + "\" repeats routes[" + std::to_string(first) + "]");
        }
    }

    const json::Value *fallback = member(doc, "default", Kind::string, "default");
    if (fallback == nullptr) fail("default", "required: the route taken when no stage is sure");
    config.default_route = route_of(config, string_of(*fallback), "default");

    if (const json::Value *rules = member(doc, "rules", Kind::object, "rules")) {
        config.rules = parse_rules(config, *rules);
    }
    if (const json::Value *semantic = member(doc, "semantic", Kind::object, "semantic")) {
        config.semantic = parse_semantic(config, *semantic);
    }
    if (const json::Value *model = member(doc, "model", Kind::object, "model")) {
        config.model = parse_model(*model);
    }
    return config;
}

} // namespace tinyllm::router
