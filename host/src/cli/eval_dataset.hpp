// The datasets of evaluations, JSONL, one object a line. Every problem is one Error(usage) naming
// FILE:LINE, found before any node is called, so a typo on line 300 costs no model time (the
// whole evaluation refuses to start rather than measuring part of the data).
//   routing (tests/data/routing/README.md): {"id", "input", "route", "ambiguous"?, "note"?}
//   graded examples (tests/data/eval/README.md): {"id"?, "input", "expected"?, "labels"?, ...}
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <utility>
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

// One example of a graded dataset: what the graph is asked, the reference answer, the labels
// accuracy is broken down by, and the whole line but input/expected/id as the judge's context
// (a coding task's "tests", "accept" alternatives, the labels).
struct Example {
    size_t line = 0;  // 1-based, in the file
    size_t index = 0; // 0-based among the examples (the grades' example_index)
    std::string id;   // "line N" when the line has none
    std::string input;
    std::optional<std::string> expected; // a number is kept as its JSON text
    std::vector<std::pair<std::string, std::string>> labels;
    std::string context; // JSON object
    size_t bytes = 0;
};

// Reads examples; Error(usage) "NAME:LINE: why" for a line that is not a JSON object, lacks a
// string "input", has an "expected" that is not a string or number, "labels" that are not an
// object of strings, or a repeated "id"; "NAME: no examples" for none.
std::vector<Example> read_examples(std::istream &in, const std::string &name,
                                   size_t max_line_bytes = kMaxLineBytes);
std::vector<Example> read_examples_file(const std::filesystem::path &path);

} // namespace tinyllm::cli::eval
