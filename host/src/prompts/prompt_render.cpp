#include "prompts/prompt_render.hpp"

#include "tinyllm/prompt_template.hpp"

namespace tinyllm::prompts {

Rendered render(const Prompt &prompt, const json::Value &values) {
    const auto fail = [&](const std::string &why) {
        return Error(ErrorCode::invalid_argument, "prompt " + prompt.id + ": " + why);
    };
    if (!values.IsObject()) throw fail("variables must be a JSON object");
    for (const auto &m : values.GetObject()) {
        const std::string name(m.name.GetString(), m.name.GetStringLength());
        if (prompt.variable(name) == nullptr) {
            throw fail("has no variable \"" + name + "\"");
        }
    }
    for (const Variable &v : prompt.variables) {
        const json::Value *value = json::find(values, v.name);
        if (v.required && (value == nullptr || value->IsNull())) {
            throw fail("needs the variable \"" + v.name + "\"" +
                       (v.description.empty() ? "" : " (" + v.description + ")"));
        }
    }
    return {PromptTemplate(prompt.system, "system").render(values),
            PromptTemplate(prompt.template_text, "template").render(values)};
}

} // namespace tinyllm::prompts
