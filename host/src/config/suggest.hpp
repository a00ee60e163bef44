// "Did you mean ...?" for misspelt keys and names.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

// Edit distance counting an adjacent transposition ("tiemout" -> "timeout") as one edit.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string> &candidates);

// "a, b, c"
std::string join(const std::vector<std::string> &items, std::string_view separator = ", ");

// The one way a message about an unknown name ends: ` (did you mean "nme"?)` when `word` is a
// plausible typo of one of `known`, else ` (<list_label>: a, b, c)`, or ` (<when_none>)` when
// `known` is empty (nothing is added when `when_none` is empty too).
std::string did_you_mean(std::string_view word, const std::vector<std::string> &known,
                         std::string_view list_label, std::string_view when_none = {});

} // namespace tinyllm::config
