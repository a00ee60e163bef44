#include "model_stage.hpp"

#include "router_config.hpp"

#include <cmath>
#include <cstdio>

namespace tinyllm::router {

namespace {

std::string string_of(const json::Value &v) {
    return {v.GetString(), v.GetStringLength()};
}

[[noreturn]] void bad_prompt(const std::string &what) {
    throw Error(ErrorCode::protocol, "prompt: " + what);
}

std::string optional_string(const json::Value &object, const char *key, const std::string &path) {
    const json::Value *v = json::find(object, key);
    if (v == nullptr) return {};
    if (!v->IsString()) bad_prompt(path + " is not a string");
    return string_of(*v);
}

std::string fixed(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

// At most 80 bytes of `text` on one line, for a detail.
std::string excerpt(std::string_view text) {
    std::string out;
    for (const char c : text.substr(0, 80))
        out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (text.size() > 80) {
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
            out.pop_back(); // not half a code point
        out += "...";
    }
    return out;
}

// The JSON inside a Markdown code fence (```json ... ```), else the trimmed text.
std::string_view unfenced(std::string_view text) {
    const auto trim = [](std::string_view s) {
        const size_t b = s.find_first_not_of(" \t\r\n");
        if (b == std::string_view::npos) return std::string_view();
        return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
    };
    text = trim(text);
    if (text.size() < 6 || text.substr(0, 3) != "```" || text.substr(text.size() - 3) != "```") {
        return text;
    }
    const size_t line_end = text.find('\n');
    if (line_end == std::string_view::npos || line_end >= text.size() - 3) return text;
    return trim(text.substr(line_end + 1, text.size() - 3 - (line_end + 1)));
}

json::Value routes_enum(const std::vector<std::string> &routes, json::Allocator &a) {
    json::Value list(rapidjson::kArrayType);
    for (const std::string &r : routes)
        list.PushBack(json::string_value(r, a), a);
    return list;
}

void require(json::Value &schema, const char *name, json::Allocator &a) {
    auto it = schema.FindMember("required");
    if (it == schema.MemberEnd() || !it->value.IsArray()) {
        schema.RemoveMember("required");
        schema.AddMember("required", json::Value(rapidjson::kArrayType), a);
        it = schema.FindMember("required");
    }
    for (const json::Value &item : it->value.GetArray()) {
        if (item.IsString() && std::string_view(item.GetString()) == name) return;
    }
    it->value.PushBack(json::Value(rapidjson::StringRef(name)), a);
}

// The route named by an example's output, when it is a JSON object with a string route.
std::optional<std::string> route_of_output(std::string_view output) {
    try {
        const json::Document doc = json::parse(unfenced(output), "example");
        if (!doc.IsObject()) return std::nullopt;
        return json::get_string(doc, "route");
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

} // namespace

Prompt parse_prompt(std::string_view text) {
    const json::Document doc = json::parse_object(text, "prompt", ErrorCode::protocol);
    Prompt p;
    p.id = optional_string(doc, "id", "id");
    p.version = optional_string(doc, "version", "version");
    p.system = optional_string(doc, "system", "system");
    p.template_text = optional_string(doc, "template", "template");
    if (const json::Value *format = json::find(doc, "format")) {
        if (!format->IsObject() && !format->IsString()) bad_prompt("format is not a JSON Schema");
        p.format_json = json::to_string(*format);
    }
    if (const json::Value *examples = json::find(doc, "examples")) {
        if (!examples->IsArray()) bad_prompt("examples is not an array");
        for (rapidjson::SizeType i = 0; i < examples->Size(); ++i) {
            const json::Value &e = (*examples)[i];
            const std::string path = "examples[" + std::to_string(i) + "]";
            if (!e.IsObject()) bad_prompt(path + " is not an object");
            const json::Value *output = json::find(e, "output");
            // An output written as YAML mapping arrives as an object: the model sees its JSON.
            std::string out = output == nullptr    ? std::string()
                              : output->IsString() ? string_of(*output)
                                                   : json::to_string(*output);
            p.examples.emplace_back(optional_string(e, "input", path + ".input"), std::move(out));
        }
    }
    if (const json::Value *variables = json::find(doc, "variables")) {
        if (!variables->IsObject()) bad_prompt("variables is not an object");
        for (const auto &m : variables->GetObject()) {
            // "required" defaults to true in a prompt file.
            if (m.value.IsObject() && json::get_bool(m.value, "required").value_or(true)) {
                p.required_variables.push_back(string_of(m.name));
            }
        }
    }
    if (const json::Value *model = json::find(doc, "model")) {
        if (!model->IsObject()) bad_prompt("model is not an object");
        p.role = optional_string(*model, "role", "model.role");
        p.min_size = optional_string(*model, "min_size", "model.min_size");
    }
    return p;
}

std::string format_for(std::string_view prompt_format, const std::vector<std::string> &routes) {
    json::Document schema;
    if (!prompt_format.empty()) schema = json::parse(prompt_format, "prompt format");
    if (!schema.IsObject()) { // none, or "json": the router's own schema
        if (!schema.IsNull() && !schema.IsString()) bad_prompt("format is not a JSON Schema");
        schema.Parse(R"({"type":"object","properties":{"route":{"type":"string"},)"
                     R"("confidence":{"type":"number","minimum":0,"maximum":1}},)"
                     R"("required":["route","confidence"]})");
    }
    json::Allocator &a = schema.GetAllocator();
    auto properties = schema.FindMember("properties");
    if (properties == schema.MemberEnd() || !properties->value.IsObject()) {
        schema.RemoveMember("properties");
        schema.AddMember("properties", json::Value(rapidjson::kObjectType), a);
        properties = schema.FindMember("properties");
    }
    auto route = properties->value.FindMember("route");
    if (route == properties->value.MemberEnd() || !route->value.IsObject()) {
        properties->value.RemoveMember("route");
        properties->value.AddMember("route", json::Value(rapidjson::kObjectType), a);
        route = properties->value.FindMember("route");
    }
    route->value.RemoveMember("enum");
    route->value.RemoveMember("type");
    route->value.AddMember("type", "string", a);
    route->value.AddMember("enum", routes_enum(routes, a), a);
    // The router reads a confidence from every answer: a prompt that does not ask for one gets
    // it asked for.
    if (!properties->value.HasMember("confidence")) {
        json::Value confidence(rapidjson::kObjectType);
        confidence.AddMember("type", "number", a);
        confidence.AddMember("minimum", 0, a);
        confidence.AddMember("maximum", 1, a);
        properties->value.AddMember("confidence", confidence, a);
    }
    // Last: adding "required" may move the schema's members (and `properties` with them).
    require(schema, "route", a);
    require(schema, "confidence", a);
    return json::to_string(schema);
}

StageResult parse_answer(std::string_view text, const std::vector<std::string> &routes,
                         double min_confidence) {
    json::Document doc;
    if (!json::parse_into(doc, std::string_view(unfenced(text))) || !doc.IsObject()) {
        return StageResult::failed("the answer is not a JSON object: " + excerpt(text));
    }
    const json::Value *route = json::find(doc, "route");
    if (route == nullptr || !route->IsString()) {
        return StageResult::failed("the answer has no \"route\" string: " + excerpt(text));
    }
    const std::string name = string_of(*route);
    const int index = route_index(routes, name);
    if (index < 0) {
        return StageResult::failed("the answer's route \"" + excerpt(name) + "\" is not one of " +
                                   route_list(routes));
    }
    const json::Value *confidence = json::find(doc, "confidence");
    if (confidence == nullptr || !confidence->IsNumber()) {
        return StageResult::failed("the answer has no \"confidence\" number: " + excerpt(text));
    }
    const double c = confidence->GetDouble();
    if (!(c >= 0 && c <= 1)) {
        return StageResult::failed("the answer's confidence " +
                                   excerpt(json::to_string(*confidence)) +
                                   " is not between 0 and 1");
    }
    StageResult result;
    result.scores.assign(routes.size(), kNoScore);
    result.scores[static_cast<size_t>(index)] = c;
    if (c < min_confidence) {
        result.detail = name + " with confidence " + fixed(c) + ", below min_confidence " +
                        fixed(min_confidence);
        return result;
    }
    result.outcome = Outcome::sure;
    result.route = index;
    result.confidence = c;
    result.detail = name + " with confidence " + fixed(c);
    return result;
}

ModelStage::ModelStage(const Prompt &prompt, std::vector<std::string> routes, double min_confidence)
    : routes_(std::move(routes)), min_confidence_(min_confidence),
      system_(prompt.system, "prompt " + prompt.id + " system"),
      template_(prompt.template_text.empty() ? std::string_view("{{input}}")
                                             : std::string_view(prompt.template_text),
                "prompt " + prompt.id + " template"),
      format_(format_for(prompt.format_json, routes_)), route_list_(route_list(routes_)) {
    for (const std::string &name : prompt.required_variables) {
        if (name != "input" && name != "routes") {
            throw Error(ErrorCode::invalid_argument,
                        "prompt " + prompt.id + " needs the variable \"" + name +
                            "\", which a router does not give (it gives input and routes)");
        }
    }
    for (const auto &[input, output] : prompt.examples) {
        const std::optional<std::string> route = route_of_output(output);
        if (route && route_index(routes_, *route) < 0) {
            ++dropped_;
            continue;
        }
        examples_.emplace_back(input, output); // as written: not through the template
    }
}

json::Document ModelStage::variables_for(std::string_view input) const {
    json::Document doc(rapidjson::kObjectType);
    json::Allocator &a = doc.GetAllocator();
    doc.AddMember("input", json::string_value(input, a), a);
    doc.AddMember("routes", json::string_value(route_list_, a), a);
    return doc;
}

sdk::ChatRequest ModelStage::request_for(std::string_view input) const {
    sdk::ChatRequest request;
    const json::Document variables = variables_for(input);
    request.messages.reserve(2 + 2 * examples_.size());
    if (!system_.empty()) request.messages.push_back({"system", system_.render(variables), {}, {}});
    for (const auto &[user, assistant] : examples_) {
        request.messages.push_back({"user", user, {}, {}});
        request.messages.push_back({"assistant", assistant, {}, {}});
    }
    request.messages.push_back({"user", template_.render(variables), {}, {}});
    request.stream = false;
    // A classifier should give the same route for the same request: sampling adds nothing.
    request.options_json = R"({"temperature":0})";
    request.format_json = format_;
    return request;
}

} // namespace tinyllm::router
