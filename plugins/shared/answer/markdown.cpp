#include "markdown.hpp"

#include <algorithm>
#include <cctype>

namespace tinyllm::answer {

namespace {

struct Line {
    std::string_view text; // without the line break (and a '\r' before it)
    size_t offset = 0;     // of its first byte in the document
    size_t end = 0;        // offset just past its line break
};

std::vector<Line> split_lines(std::string_view text) {
    std::vector<Line> lines;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        const size_t next = end == std::string_view::npos ? text.size() : end + 1;
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back({line, start, next});
        start = next;
    }
    return lines;
}

size_t indent_of(std::string_view line) {
    size_t n = 0;
    while (n < line.size() && (line[n] == ' ' || line[n] == '\t'))
        ++n;
    return n;
}

struct Fence {
    char marker = 0;
    size_t length = 0;
    size_t indent = 0;
    std::string_view info;
};

// A fence line: indentation, then 3 or more of one marker; a backtick fence's info string
// may not hold a backtick (CommonMark: that is inline code).
std::optional<Fence> fence_of(std::string_view line) {
    Fence f;
    f.indent = indent_of(line);
    if (f.indent >= line.size()) return std::nullopt;
    f.marker = line[f.indent];
    if (f.marker != '`' && f.marker != '~') return std::nullopt;
    size_t i = f.indent;
    while (i < line.size() && line[i] == f.marker)
        ++i;
    f.length = i - f.indent;
    if (f.length < 3) return std::nullopt;
    f.info = line.substr(i);
    if (f.marker == '`' && f.info.find('`') != std::string_view::npos) return std::nullopt;
    return f;
}

bool closes(const Fence &open, std::string_view line) {
    const std::optional<Fence> f = fence_of(line);
    if (!f || f->marker != open.marker || f->length < open.length) return false;
    return f->info.find_first_not_of(" \t") == std::string_view::npos;
}

std::string first_word(std::string_view info) {
    const size_t start = info.find_first_not_of(" \t");
    if (start == std::string_view::npos) return {};
    info.remove_prefix(start);
    // "{.python}" and "python{linenos}" are pandoc spellings of the same tag.
    if (!info.empty() && info.front() == '{') info.remove_prefix(1);
    if (!info.empty() && info.front() == '.') info.remove_prefix(1);
    const size_t end = info.find_first_of(" \t{},");
    return std::string(info.substr(0, end));
}

// Calls `on_block(open, first content line, closing line or lines.size())` for each fence.
template <typename F> void walk(const std::vector<Line> &lines, F &&on_block) {
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::optional<Fence> open = fence_of(lines[i].text);
        if (!open) continue;
        size_t j = i + 1;
        while (j < lines.size() && !closes(*open, lines[j].text))
            ++j;
        on_block(*open, i, j);
        i = j;
    }
}

} // namespace

Fences find_fences(std::string_view markdown) {
    const std::vector<Line> lines = split_lines(markdown);
    Fences out;
    walk(lines, [&](const Fence &open, size_t at, size_t close) {
        if (close >= lines.size()) {
            out.unclosed_line = at + 1;
            return;
        }
        FencedBlock block;
        block.language = canonical_language(first_word(open.info));
        block.line = at + 1;
        for (size_t k = at + 1; k < close; ++k) {
            // Content lines lose the opening fence's indentation (as in CommonMark).
            std::string_view text = lines[k].text;
            text.remove_prefix(std::min(open.indent, indent_of(text)));
            block.code.append(text);
            block.code += '\n';
        }
        out.blocks.push_back(std::move(block));
    });
    return out;
}

std::string unclosed_fence_note(const Fences &fences) {
    if (!fences.unclosed_line) return {};
    return " (the fence on line " + std::to_string(*fences.unclosed_line) + " is never closed)";
}

std::string canonical_language(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "py" || lower == "python3" || lower == "py3") return "python";
    if (lower == "shell") return "sh";
    if (lower == "js") return "javascript";
    if (lower == "ts") return "typescript";
    if (lower == "c++" || lower == "cxx") return "cpp";
    return lower;
}

std::string without_fenced_code(std::string_view markdown) {
    std::string out(markdown);
    const std::vector<Line> lines = split_lines(markdown);
    walk(lines, [&](const Fence &, size_t at, size_t close) {
        const size_t last = std::min(close, lines.size() - 1);
        for (size_t k = at; k <= last; ++k) {
            for (size_t b = lines[k].offset; b < lines[k].offset + lines[k].text.size(); ++b)
                out[b] = ' ';
        }
    });
    return out;
}

} // namespace tinyllm::answer
