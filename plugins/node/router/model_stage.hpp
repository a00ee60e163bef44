// Stage 3's logic: a prompt file (tinyllm.prompts/1's JSON) made into the chat request that asks
// a model for {"route", "confidence"}, and the reading of its answer. The chat itself is the
// plugin's (router_node.cpp); what is here takes text, so it is tested on its own.
#pragma once

#include "stage_result.hpp"

#include "tinyllm/json.hpp"
#include "tinyllm/prompt_template.hpp"

#include <tinyllm/plugin.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinyllm::router {

// A prompt file, as the host's prompts service hands it over.
struct Prompt {
    std::string id;
    std::string version;
    std::string system;
    std::string template_text; // "" reads as "{{input}}"
    std::string format_json;   // the answer's JSON Schema (or "\"json\""), "" for none
    std::vector<std::pair<std::string, std::string>> examples; // (input, output as text)
    std::vector<std::string> required_variables;               // "required" defaults to true
    std::string role;                                          // model.role, "" for none
    std::string min_size;                                      // model.min_size, "" for none
};

// Throws tinyllm::Error(protocol) naming the member that is not what the service documents.
Prompt parse_prompt(std::string_view json);

// The prompt's `format` with the route property's enum replaced by `routes`; the route and
// confidence properties, and their places in `required`, are added when the schema lacks them.
// Without a schema (or with "json"):
// {"type":"object","properties":{"route":{enum},"confidence":{0..1}},"required":[both]}.
// Throws tinyllm::Error(protocol) when the prompt's format is neither.
std::string format_for(std::string_view prompt_format, const std::vector<std::string> &routes);

// The model's answer read: sure with the route and its confidence; unsure when the confidence
// is below `min_confidence`; failed for anything else (not a JSON object, no route or one
// outside `routes`, no confidence or one outside 0..1), the detail saying which. A JSON answer
// wrapped in a Markdown code fence is read as the JSON inside.
StageResult parse_answer(std::string_view text, const std::vector<std::string> &routes,
                         double min_confidence);

class ModelStage {
public:
    // Throws tinyllm::Error(invalid_argument) when the prompt cannot serve a router: a template
    // that does not parse, a required variable other than input and routes.
    ModelStage(const Prompt &prompt, std::vector<std::string> routes, double min_confidence);

    // The request for one input: the system prompt, each example as a user/assistant pair (as
    // written: prompts/README.md), then the template rendered with the input. Both templates
    // get `input` and `routes` ("math, code, general"). The model, left empty, is the caller's
    // choice. Examples whose output names a route outside this router's are left out: they
    // would teach an answer the format forbids.
    sdk::ChatRequest request_for(std::string_view input) const;

    StageResult read_answer(std::string_view content) const {
        return parse_answer(content, routes_, min_confidence_);
    }

    const std::string &format() const noexcept { return format_; }
    size_t examples_used() const noexcept { return examples_.size(); }
    size_t examples_dropped() const noexcept { return dropped_; }

private:
    // {"input": ..., "routes": "math, code, general"}: what the templates render with.
    json::Document variables_for(std::string_view input) const;

    std::vector<std::string> routes_;
    double min_confidence_;
    PromptTemplate system_; // a template too: a prompt's system may use its variables
    PromptTemplate template_;
    std::string format_;
    std::vector<std::pair<std::string, std::string>> examples_; // (rendered input, output)
    size_t dropped_ = 0;
    std::string route_list_; // "math, code, general": the {{routes}} variable
};

} // namespace tinyllm::router
