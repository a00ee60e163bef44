// Where every node of a loaded YAML file came from, so that any later check (the config schemas,
// the cross-checks, a plugin's config schema) can point at file:line:column.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tinyllm::config {

// A place in a source file; line and column are 1-based. line == 0 means "somewhere in the file"
// (and an empty file means "not from a file at all", e.g. a value added by a default).
struct SourceLocation {
    std::string file;
    size_t line = 0;
    size_t column = 0;

    // "file:line:column", "file" when the line is unknown, "" when the file is.
    std::string to_string() const;
};

// JSON Pointer (RFC 6901) helpers. Tokens are unescaped; pointers are escaped ("~0", "~1").
std::string escape_pointer_token(std::string_view token);
std::string append_pointer(std::string_view pointer, std::string_view token);
std::vector<std::string> split_pointer(std::string_view pointer);
// The pointer of the parent ("" for the root and its children's parent).
std::string parent_pointer(std::string_view pointer);

// The positions of one file's nodes, keyed by JSON Pointer ("" = the root).
class SourceMap {
public:
    struct Entry {
        size_t line = 0; // of the value
        size_t column = 0;
        size_t key_line = 0; // of the key, for members of a mapping (0 otherwise)
        size_t key_column = 0;
        bool array_element = false; // the last pointer token is an index, not a key
    };

    explicit SourceMap(std::string file) : file_(std::move(file)) {}

    const std::string &file() const noexcept { return file_; }
    void add(std::string pointer, const Entry &entry) { entries_[std::move(pointer)] = entry; }
    const Entry *find(std::string_view pointer) const;

    // The node at `pointer`, or its nearest ancestor that has a position: a value added later
    // (a default, an environment override) was never in the file.
    SourceLocation value_location(std::string_view pointer) const;
    // The key of the member at `pointer` (what "unknown key" should point at), else as above.
    SourceLocation key_location(std::string_view pointer) const;
    // How a human names the node: "/backends/0/config/url" -> "backends[0].config.url".
    std::string display_path(std::string_view pointer) const;

    // The source column of each byte of `text`, the scalar at `pointer` (its value as parsed),
    // plus one past its end (a quoted scalar's closing quote), read back from the file: so an
    // error inside a value (a condition's bad token) can point at its exact column. nullopt
    // when the scalar is not written on one line (folded, block, continued) or the file
    // changed: the caller then points at the value's start.
    std::optional<std::vector<size_t>> scalar_columns(std::string_view pointer,
                                                      const std::string &text) const;

private:
    std::string file_;
    std::unordered_map<std::string, Entry> entries_;
};

// Display path of a pointer when no SourceMap knows its shape: all-digit tokens are taken as
// array indexes.
std::string display_path(std::string_view pointer);

// A node inside a loaded file: the file's positions plus the node's pointer within it. A
// backend's `config` carries one, so that the host can validate it against the plugin's schema
// later and still name file:line:column. Pointers given to its functions are relative to the
// node ("/url" inside "/backends/0/config").
struct Located {
    std::shared_ptr<const SourceMap> positions; // null: the value did not come from a file
    std::string pointer;

    SourceLocation location(std::string_view relative = "") const;
    SourceLocation key_location(std::string_view relative) const;
    std::string path(std::string_view relative = "") const;
    // One error line: "file:line:col: path: message" (parts that are unknown are left out).
    // With `at_key` the position is the member's key and the path its parent mapping's.
    std::string describe(std::string_view relative, std::string_view message,
                         bool at_key = false) const;
    // The same node's child.
    Located child(std::string_view token) const;
};

} // namespace tinyllm::config
