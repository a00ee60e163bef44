#include "forensics/excerpt.hpp"

#include <cstdint>

namespace tinyllm::forensics {
namespace {

// The length of the UTF-8 sequence starting at text[i] and its code point, or 0 when the bytes
// there are not valid UTF-8 (overlong forms and surrogates included).
size_t decode(std::string_view text, size_t i, uint32_t &cp) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    size_t n = 0;
    uint32_t min = 0;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    if ((b0 & 0xE0) == 0xC0) {
        n = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        n = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > text.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

// Characters that must not reach a terminal as they are: they move the cursor, start escape
// sequences, or reorder what follows them on the line.
bool unsafe(uint32_t cp) {
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

} // namespace

std::string sanitise(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool space = false; // a space is pending: written before the next visible character
    for (size_t i = 0; i < text.size();) {
        uint32_t cp = 0;
        const size_t n = decode(text, i, cp);
        if (n == 0) {
            if (space && !out.empty()) out += ' ';
            space = false;
            out += '?';
            ++i;
            continue;
        }
        if (unsafe(cp) || cp == ' ') {
            space = true;
        } else {
            if (space && !out.empty()) out += ' ';
            space = false;
            out.append(text.substr(i, n));
        }
        i += n;
    }
    return out;
}

std::string excerpt(std::string_view text, size_t max_chars) {
    const std::string clean = sanitise(text);
    size_t chars = 0;
    for (size_t i = 0; i < clean.size(); ++i) {
        // sanitise() leaves valid UTF-8: a code point starts at every non-continuation byte.
        if ((static_cast<unsigned char>(clean[i]) & 0xC0) == 0x80) continue;
        if (chars == max_chars) {
            std::string cut = clean.substr(0, i);
            while (!cut.empty() && cut.back() == ' ')
                cut.pop_back();
            return cut + "…";
        }
        ++chars;
    }
    return clean;
}

} // namespace tinyllm::forensics
