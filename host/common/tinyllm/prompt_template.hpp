// Prompt templates are Mustache (kainjow/mustache, Debian libkainjow-mustache-dev): a
// well-known, logic-less syntax ({{content}}, {{data.topic}}, {{#feedback}}...{{/feedback}})
// with a maintained parser, instead of a hand-rolled placeholder scheme. Values are inserted
// verbatim: prompts are not HTML.
#pragma once

#include "tinyllm/json.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm {

class PromptTemplate {
public:
    // Throws tinyllm::Error(invalid_argument) naming `what` when `text` does not parse, or uses
    // a partial ({{> name}}: there is nothing to include) or changes the delimiters.
    PromptTemplate(std::string_view text, std::string_view what);
    ~PromptTemplate();
    PromptTemplate(PromptTemplate &&) noexcept;
    PromptTemplate &operator=(PromptTemplate &&) noexcept;

    // The template with the message's fields filled in (objects nest: {{data.topic}}).
    std::string render(const json::Value &message) const;

    bool empty() const noexcept { return empty_; }

    // The variables the template reads: the first segment of every tag's name ("data" for
    // {{data.topic}}, "feedback" for {{#feedback}}), in order of first use, without the
    // implicit iterator "." — what a prompt file must declare.
    const std::vector<std::string> &names() const noexcept { return names_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    bool empty_ = true;
    std::vector<std::string> names_;
};

} // namespace tinyllm
