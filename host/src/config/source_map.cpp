#include "config/source_map.hpp"

#include <algorithm>
#include <cctype>

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

} // namespace tinyllm::config
