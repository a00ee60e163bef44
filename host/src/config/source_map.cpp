#include "config/source_map.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>

namespace tinyllm::config {

std::string SourceLocation::to_string() const {
    if (file.empty()) return {};
    if (line == 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string escape_pointer_token(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (const char c : token) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string append_pointer(std::string_view pointer, std::string_view token) {
    std::string out(pointer);
    out += '/';
    out += escape_pointer_token(token);
    return out;
}

namespace {

std::string unescape_pointer_token(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() &&
            (token[i + 1] == '0' || token[i + 1] == '1')) {
            out += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out += token[i];
        }
    }
    return out;
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Keys that read well after a dot; anything else is shown quoted in brackets.
bool plain_key(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
    });
}

void append_display_token(std::string &out, const std::string &token, bool index) {
    if (index) {
        out += "[" + token + "]";
    } else if (plain_key(token)) {
        if (!out.empty()) out += '.';
        out += token;
    } else {
        out += "[\"" + token + "\"]";
    }
}

} // namespace

std::vector<std::string> split_pointer(std::string_view pointer) {
    std::vector<std::string> tokens;
    if (pointer.empty()) return tokens;
    size_t start = 1; // skip the leading '/'
    while (true) {
        const size_t slash = pointer.find('/', start);
        const size_t end = slash == std::string_view::npos ? pointer.size() : slash;
        tokens.push_back(unescape_pointer_token(pointer.substr(start, end - start)));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return tokens;
}

std::string parent_pointer(std::string_view pointer) {
    const size_t slash = pointer.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(pointer.substr(0, slash));
}

const SourceMap::Entry *SourceMap::find(std::string_view pointer) const {
    const auto it = entries_.find(std::string(pointer));
    return it == entries_.end() ? nullptr : &it->second;
}

SourceLocation SourceMap::value_location(std::string_view pointer) const {
    std::string current(pointer);
    while (true) {
        if (const Entry *entry = find(current)) return {file_, entry->line, entry->column};
        if (current.empty()) return {file_, 0, 0};
        current = parent_pointer(current);
    }
}

SourceLocation SourceMap::key_location(std::string_view pointer) const {
    const Entry *entry = find(pointer);
    if (entry != nullptr && entry->key_line != 0) {
        return {file_, entry->key_line, entry->key_column};
    }
    return value_location(pointer);
}

std::string SourceMap::display_path(std::string_view pointer) const {
    std::string out;
    std::string prefix;
    for (const std::string &token : split_pointer(pointer)) {
        prefix = append_pointer(prefix, token);
        const Entry *entry = find(prefix);
        append_display_token(out, token,
                             entry != nullptr ? entry->array_element : all_digits(token));
    }
    return out;
}

std::string display_path(std::string_view pointer) {
    std::string out;
    for (const std::string &token : split_pointer(pointer)) {
        append_display_token(out, token, all_digits(token));
    }
    return out;
}

SourceLocation Located::location(std::string_view relative) const {
    if (!positions) return {};
    return positions->value_location(pointer + std::string(relative));
}

SourceLocation Located::key_location(std::string_view relative) const {
    if (!positions) return {};
    return positions->key_location(pointer + std::string(relative));
}

std::string Located::path(std::string_view relative) const {
    const std::string full = pointer + std::string(relative);
    return positions ? positions->display_path(full) : config::display_path(full);
}

std::string Located::describe(std::string_view relative, std::string_view message,
                              bool at_key) const {
    std::string out = at_key ? key_location(relative).to_string() : location(relative).to_string();
    if (!out.empty()) out += ": ";
    // A problem with a key itself ("unknown key") belongs to the mapping that holds it.
    const std::string full = pointer + std::string(relative);
    const std::string target = at_key ? parent_pointer(full) : full;
    const std::string where =
        positions ? positions->display_path(target) : config::display_path(target);
    if (!where.empty()) out += where + ": ";
    out += message;
    return out;
}

Located Located::child(std::string_view token) const {
    return {positions, append_pointer(pointer, token)};
}

namespace {

// The text of 1-based line `number` of `path` ("" when unreadable).
std::string source_line(const std::filesystem::path &path, size_t number) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    for (size_t i = 0; i < number && std::getline(in, line); ++i) {
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

void append_utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Decodes one YAML double-quoted escape starting after the backslash at `line[i]`; returns the
// index after it, or npos for one this mapping does not follow (a line continuation).
size_t decode_escape(std::string_view line, size_t i, std::string &out) {
    if (i >= line.size()) return std::string_view::npos;
    static const std::map<char, uint32_t> simple = {
        {'0', 0},  {'a', 7},   {'b', 8},    {'t', 9},    {'\t', 9},     {'n', 10},
        {'v', 11}, {'f', 12},  {'r', 13},   {'e', 27},   {' ', 32},     {'"', 34},
        {'/', 47}, {'\\', 92}, {'N', 0x85}, {'_', 0xA0}, {'L', 0x2028}, {'P', 0x2029}};
    if (const auto it = simple.find(line[i]); it != simple.end()) {
        append_utf8(out, it->second);
        return i + 1;
    }
    const size_t digits = line[i] == 'x' ? 2 : line[i] == 'u' ? 4 : line[i] == 'U' ? 8 : 0;
    if (digits == 0 || i + 1 + digits > line.size()) {
        return std::string_view::npos;
    }
    const std::string hex(line.substr(i + 1, digits));
    if (hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        return std::string_view::npos;
    }
    append_utf8(out, static_cast<uint32_t>(std::stoul(hex, nullptr, 16)));
    return i + 1 + digits;
}

// The 1-based column of every byte of a quoted scalar whose opening quote is at line[start],
// plus the closing quote's; nullopt when the scalar does not close on this line.
std::optional<std::vector<size_t>> quoted_columns(std::string_view line, size_t start,
                                                  std::string &decoded) {
    const char quote = line[start];
    std::vector<size_t> columns;
    size_t i = start + 1;
    while (i < line.size()) {
        const char ch = line[i];
        const size_t before = decoded.size();
        size_t next = i + 1;
        if (ch == quote && quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
            decoded += '\'';
            next = i + 2;
        } else if (ch == quote) {
            columns.push_back(i + 1);
            return columns;
        } else if (ch == '\\' && quote == '"') {
            next = decode_escape(line, i + 1, decoded);
            if (next == std::string_view::npos) return std::nullopt;
        } else {
            decoded += ch;
        }
        // Every byte an escape produced points at its backslash.
        columns.insert(columns.end(), decoded.size() - before, i + 1);
        i = next;
    }
    return std::nullopt;
}

// Source columns of each byte of `text`, a YAML scalar whose value starts at 1-based `column`
// of `line`, plus one past its end (the closing quote of a quoted scalar). nullopt when the
// scalar is not written on that one line (folded, block, continued): the caller then points at
// the value's start.
std::optional<std::vector<size_t>> scalar_columns_in(std::string_view line, size_t column,
                                                     const std::string &text) {
    if (column == 0 || column > line.size()) return std::nullopt;
    const size_t start = column - 1;
    if (line[start] == '\'' || line[start] == '"') {
        std::string decoded;
        auto columns = quoted_columns(line, start, decoded);
        if (!columns || decoded != text) return std::nullopt;
        return columns;
    }
    if (line.substr(start, text.size()) != text) return std::nullopt;
    std::vector<size_t> columns;
    for (size_t i = 0; i <= text.size(); ++i)
        columns.push_back(column + i);
    return columns;
}

} // namespace

std::optional<std::vector<size_t>> SourceMap::scalar_columns(std::string_view pointer,
                                                             const std::string &text) const {
    const Entry *entry = find(pointer);
    if (entry == nullptr) return std::nullopt;
    return scalar_columns_in(source_line(file_, entry->line), entry->column, text);
}

} // namespace tinyllm::config
