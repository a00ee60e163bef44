// A model node's prompt, whether a prompt file (prompt_id) or its own templates, and the node
// config that asks the same with another system prompt written inline: what refine_prompt and
// split_specialist change.
#pragma once

#include "graph_edit/request.hpp"

#include <string>
#include <utility>
#include <vector>

namespace tinyllm::graph_edit {

struct PromptParts {
    std::string prompt_id;     // "" for a node with its own system and prompt
    std::string system;        // Mustache
    std::string template_text; // the user message (Mustache); the model node's prompt
    std::vector<std::pair<std::string, std::string>> examples; // input -> output
    std::string format_json;                                   // "" when none
    std::string role;                                          // the prompt file's model.role
    std::string min_size;
};

// The node's prompt: its prompt file through the host, else config.system and config.prompt
// (default {{content}}, as the model node's). Throws sdk::Error when the file cannot be read.
PromptParts prompt_of(const json::Value &node, Services &services);

// `system` followed by the examples as text, for a node that has no prompt file to send them
// as turns: "Examples of good answers:\n\nRequest: ...\nAnswer:\n...".
std::string with_examples(const std::string &system,
                          const std::vector<std::pair<std::string, std::string>> &examples);

// Make `config` (a model node's) ask with `system` inline: prompt_id removed, `system` and
// `prompt` (the prompt file's template, with its {{#feedback}} section) set; the prompt file's
// model role and min_size become config.model when the node named none (so the role's ladder
// is kept), its format config.format when the node had none.
void set_inline_prompt(json::Value &config, json::Allocator &alloc, const PromptParts &prompt,
                       const std::string &system);

// Whether a prompt text uses a Mustache tag ({{...}}): a rewritten system prompt must not, as
// the model node would render it over the message.
bool has_template_tags(std::string_view text);

} // namespace tinyllm::graph_edit
