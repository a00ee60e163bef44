// A labelled routing dataset (tests/data/routing/README.md): JSONL, one request a line,
// {"id", "input", "route", "ambiguous"?, "note"?}. Every problem is one Error(usage) naming
// FILE:LINE, found before any node is called, so a typo on line 300 costs no model time.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

namespace tinyllm::cli::eval {

struct LabelledRequest {
    size_t line = 0; // 1-based, in the file
    std::string id;  // "line N" when the line has none
    std::string input;
    std::string route;
    bool ambiguous = false;
    size_t bytes = 0; // the line's size in the file, newline included (progress)
};

// A line longer than this is refused without being read further: a file that is not JSONL (a
// binary, a minified document) must not be loaded whole into memory.
inline constexpr size_t kMaxLineBytes = size_t{1} << 20;

// Reads the requests of `in`, naming `name` in errors. Blank lines are skipped; a UTF-8 BOM and
// CRLF line ends are accepted. Throws Error(usage) "NAME:LINE: why" for a line that is longer
// than `max_line_bytes`, not a JSON object (or not UTF-8), lacks a string "input" or "route",
// has an "id" that is not a string or repeats an earlier one, or an "ambiguous" that is not a
// boolean; and "NAME: ..." when there is no request at all or the stream fails.
std::vector<LabelledRequest> read_dataset(std::istream &in, const std::string &name,
                                          size_t max_line_bytes = kMaxLineBytes);
// The same for a file (a missing or unreadable one is Error(usage) too).
std::vector<LabelledRequest> read_dataset_file(const std::filesystem::path &path);

// Throws Error(usage) "NAME:LINE: route \"x\" is not one of the node's routes (a, b)" for the
// first request labelled with a route outside `routes`.
void check_labels(const std::vector<LabelledRequest> &requests,
                  const std::vector<std::string> &routes, const std::string &name,
                  const std::string &node_id);

} // namespace tinyllm::cli::eval
