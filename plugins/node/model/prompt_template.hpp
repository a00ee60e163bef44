// Prompt templates are Mustache (kainjow/mustache, Debian libkainjow-mustache-dev): a
// well-known, logic-less syntax ({{content}}, {{data.topic}}, {{#feedback}}...{{/feedback}})
// with a maintained parser, instead of a hand-rolled placeholder scheme. Values are inserted
// verbatim: prompts are not HTML.
#pragma once

#include "tinyllm/json.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace tinyllm::node {

class PromptTemplate {
public:
    // Throws tinyllm::Error(invalid_argument) naming `what` when `text` does not parse.
    PromptTemplate(std::string_view text, std::string_view what);
    ~PromptTemplate();
    PromptTemplate(PromptTemplate &&) noexcept;
    PromptTemplate &operator=(PromptTemplate &&) noexcept;

    // The template with the message's fields filled in (objects nest: {{data.topic}}).
    std::string render(const json::Value &message) const;

    bool empty() const noexcept { return empty_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    bool empty_ = true;
};

} // namespace tinyllm::node
