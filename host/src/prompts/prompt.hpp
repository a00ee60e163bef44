// One prompt file (prompts/<id>.yaml): what a model node asks, with which variables, in which
// format, after which examples, of which model — kept apart from graphs so a prompt is
// versioned, reviewed and swapped on its own.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::prompts {

struct Variable {
    std::string name;
    bool required = true; // rendering without it is an error, never an empty string
    std::string description;
};

// A few-shot pair, sent as a user and an assistant message before the request.
struct Example {
    std::string input;
    std::string output;
};

struct Prompt {
    std::string id; // its path under prompts/ without .yaml: "specialists/math"
    std::string version;
    std::string description;
    std::string system;        // Mustache, over the variables
    std::string template_text; // the user message: Mustache, over the variables
    std::vector<Variable> variables;
    std::optional<std::string> format_json; // "json" (quoted) or a JSON Schema, as JSON text
    std::vector<Example> examples;
    std::string role;     // models.yaml role the prompt is written for ("" = any)
    std::string min_size; // smallest model it works with ("1.5b"; "" = any)
    std::filesystem::path path;

    const Variable *variable(const std::string &name) const;
};

// The document tinyllm.prompts/1 hands to plugins and `prompts show --json` prints.
std::string to_json(const Prompt &prompt);

} // namespace tinyllm::prompts
