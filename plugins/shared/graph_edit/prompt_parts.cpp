#include "graph_edit/prompt_parts.hpp"

#include "graph_edit/graph_edit.hpp"

namespace tinyllm::graph_edit {

PromptParts prompt_of(const json::Value &node, Services &services) {
    PromptParts out;
    const json::Value *config = json::find(node, "config");
    if (config == nullptr || !config->IsObject()) {
        out.template_text = "{{content}}";
        return out;
    }
    out.prompt_id = string_of(*config, "prompt_id");
    if (out.prompt_id.empty()) {
        out.system = string_of(*config, "system");
        const json::Value *prompt = json::find(*config, "prompt");
        out.template_text = prompt && prompt->IsString() ? string_of(*config, "prompt")
                                                         : std::string("{{content}}");
        return out;
    }
    json::Document p;
    try {
        p = json::parse_object(services.prompt(out.prompt_id), "prompt " + out.prompt_id,
                               ErrorCode::protocol);
    } catch (const tinyllm::Error &e) {
        throw sdk::Error(TLLM_ERR_PROTOCOL, e.what());
    }
    out.system = string_of(p, "system");
    out.template_text = string_of(p, "template");
    if (const json::Value *examples = json::find(p, "examples"); examples && examples->IsArray()) {
        for (const json::Value &e : examples->GetArray())
            out.examples.emplace_back(string_of(e, "input"), string_of(e, "output"));
    }
    if (const json::Value *format = json::find(p, "format"))
        out.format_json = json::to_string(*format);
    if (const json::Value *model = json::find(p, "model"); model && model->IsObject()) {
        out.role = string_of(*model, "role");
        out.min_size = string_of(*model, "min_size");
    }
    return out;
}

std::string with_examples(const std::string &system,
                          const std::vector<std::pair<std::string, std::string>> &examples) {
    if (examples.empty()) return system;
    std::string out = system;
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    out += "\n\nExamples of good answers:";
    for (const auto &[input, output] : examples) {
        // The system prompt is a template: an example with a tag in it would be rendered.
        if (has_template_tags(input) || has_template_tags(output)) continue;
        out += "\n\nRequest: " + input + "\nAnswer:\n" + output;
    }
    out += "\n";
    return out;
}

void set_inline_prompt(json::Value &config, json::Allocator &alloc, const PromptParts &prompt,
                       const std::string &system) {
    config.RemoveMember("prompt_id");
    set_member(config, "system", json::string_value(system, alloc), alloc);
    set_member(config, "prompt", json::string_value(prompt.template_text, alloc), alloc);
    const json::Value *model = json::find(config, "model");
    const bool names_model =
        model != nullptr && (model->IsObject() || (model->IsString() && model->GetStringLength()));
    if (!names_model && !prompt.role.empty()) {
        json::Value m(rapidjson::kObjectType);
        m.AddMember("role", json::string_value(prompt.role, alloc), alloc);
        if (!prompt.min_size.empty())
            m.AddMember("min_size", json::string_value(prompt.min_size, alloc), alloc);
        set_member(config, "model", std::move(m), alloc);
    }
    if (!prompt.format_json.empty() && json::find(config, "format") == nullptr) {
        json::Document format = json::parse(prompt.format_json, "format");
        set_member(config, "format", json::Value(format, alloc), alloc);
    }
}

bool has_template_tags(std::string_view text) {
    return text.find("{{") != std::string_view::npos;
}

} // namespace tinyllm::graph_edit
