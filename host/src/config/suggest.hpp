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

} // namespace tinyllm::config
