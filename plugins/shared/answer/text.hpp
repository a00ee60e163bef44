// Text measures the rules share: code points rather than bytes (a limit is what a reader sees),
// Unicode whitespace, and short excerpts that are safe to put into a reason.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tinyllm::answer {

// UTF-8 code points in `text` (bytes that do not continue a sequence; invalid bytes count one).
size_t count_code_points(std::string_view text);

// True when `text` holds anything but Unicode whitespace and zero-width characters: an answer
// made of U+00A0 or U+200B looks empty to a reader, so it is empty to the gate.
bool has_visible_text(std::string_view text);

// `text` cut to at most `max_code_points`, at a character boundary, with "…" when cut.
std::string excerpt(std::string_view text, size_t max_code_points);

// The first `max_lines` non-empty lines of `text` (and its last line when that was left out:
// a program's error is usually there), joined by " | ", at most `max_code_points` long.
std::string summary_lines(std::string_view text, size_t max_lines, size_t max_code_points);

// `text` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

// `needle` in `haystack` with no letter or digit glued to either side: "Paris" is in "in
// Paris." but not in "Parisian" (bytes of multi-byte UTF-8 count as letters).
bool contains_word(std::string_view haystack, std::string_view needle);

// "1 attempt", "2 attempts".
std::string count_noun(long long n, std::string_view noun);

} // namespace tinyllm::answer
