// The model node's per-request work on the message it receives, done on the message's text
// instead of a document when the prompts are simple: reading the fields the prompts name, and
// writing the output with the answer as content. Anything unusual returns nullopt and the node
// takes its document path, which decides.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::node {

// The string values of the message's top-level members `names` (the last of duplicated
// members, as Mustache keeps; "" for an absent one). nullopt when the message is not a valid
// JSON object or one of the members is not a string.
std::optional<std::vector<std::string>> top_level_strings(std::string_view message,
                                                          const std::vector<std::string> &names);

// The node output {"message": <message without its "content" members, then "content":
// content>}. `message` must be a JSON object a parser accepted; nullopt when one of its member
// names is written with an escape (only a document can compare it).
std::optional<std::string> output_with_content(std::string_view message, std::string_view content);

} // namespace tinyllm::node
