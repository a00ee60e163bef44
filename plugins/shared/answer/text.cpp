#include "text.hpp"

#include <cctype>

#include <cstdint>
#include <vector>

namespace tinyllm::answer {

namespace {

bool is_continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// Decodes the code point at `i` and advances `i`; invalid bytes decode as themselves, one byte
// each, so a broken answer is still measured and never loops.
uint32_t next_code_point(std::string_view s, size_t &i) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80             ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 0;
    if (len <= 1 || i + len > s.size()) {
        ++i;
        return c;
    }
    uint32_t cp = c & (0xFF >> (len + 1));
    for (size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if (!is_continuation(cc)) {
            ++i;
            return c;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    i += len;
    return cp;
}

// Unicode White_Space, plus the zero-width characters that render as nothing.
bool is_blank(uint32_t cp) {
    switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0x180E:
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF: return true;
    default: return cp >= 0x2000 && cp <= 0x200A;
    }
}

// Byte length of the first `n` code points of `text`.
size_t prefix_bytes(std::string_view text, size_t n) {
    size_t i = 0;
    for (size_t k = 0; k < n && i < text.size(); ++k)
        next_code_point(text, i);
    return i;
}

} // namespace

size_t count_code_points(std::string_view text) {
    size_t n = 0;
    for (char ch : text)
        n += is_continuation(static_cast<unsigned char>(ch)) ? 0 : 1;
    return n;
}

bool has_visible_text(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        if (!is_blank(next_code_point(text, i))) return true;
    }
    return false;
}

std::string excerpt(std::string_view text, size_t max_code_points) {
    const size_t cut = prefix_bytes(text, max_code_points);
    if (cut >= text.size()) return std::string(text);
    return std::string(text.substr(0, cut)) + "…";
}

std::string summary_lines(std::string_view text, size_t max_lines, size_t max_code_points) {
    std::vector<std::string_view> lines;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = trim(text.substr(start, end - start));
        // Python's ^^^^ and ~~~~ markers point into the line above; on one line they are noise.
        const bool marker = line.find_first_not_of("^~ ") == std::string_view::npos;
        if (!line.empty() && !marker) lines.push_back(line);
        start = end + 1;
    }
    std::string out;
    const auto add = [&out](std::string_view line) {
        if (!out.empty()) out += " | ";
        out += line;
    };
    for (size_t k = 0; k < lines.size() && k < max_lines; ++k)
        add(lines[k]);
    if (lines.size() > max_lines) {
        if (lines.size() > max_lines + 1) add("…");
        add(lines.back());
    }
    return excerpt(out, max_code_points);
}

std::string_view trim(std::string_view text) {
    const auto blank = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    };
    while (!text.empty() && blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && blank(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string count_noun(long long n, std::string_view noun) {
    return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

namespace {

bool word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           (static_cast<unsigned char>(c) & 0x80) != 0;
}

} // namespace

bool contains_word(std::string_view haystack, std::string_view needle) {
    if (needle.empty()) return false;
    for (size_t at = haystack.find(needle); at != std::string_view::npos;
         at = haystack.find(needle, at + 1)) {
        const bool left = at == 0 || !word_char(haystack[at - 1]) || !word_char(needle.front());
        const size_t end = at + needle.size();
        const bool right =
            end == haystack.size() || !word_char(haystack[end]) || !word_char(needle.back());
        if (left && right) return true;
    }
    return false;
}

} // namespace tinyllm::answer
