// The model node's per-request reading of the message it receives, done on the message's text
// instead of a document when the prompts are simple: the fields the prompts name. Anything
// unusual returns nullopt and the node takes its document path, which decides.
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

} // namespace tinyllm::node
