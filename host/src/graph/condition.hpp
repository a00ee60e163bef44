// Edge conditions of a graph: a small expression language over the fields of the message that
// flows through the graph, parsed once when the graph is built and evaluated per edge per step.
//
// ## The condition language (reference)
//
//     edges:
//       - {from: router, to: math,    when: 'route == "math"'}
//       - {from: gate,   to: answer,  when: 'gate == "fail" and attempt < 3'}
//       - {from: router, to: general, when: 'route in ["chat", "other"] or not data.confident'}
//
// A condition is evaluated against the message, a JSON object such as
// {"input": "2+2?", "route": "math", "attempt": 1, "data": {"score": 0.8, "tags": ["a"]}}.
//
// Literals
//   strings   "..." or '...'; escapes \" \' \\ \n \t (no other escapes; raw control characters
//             are not allowed inside a string; any other UTF-8 text is)
//   numbers   integers and decimals with an optional leading '-' and exponent:
//             3  -2  0.75  -1.5  1e3  2.5E-2 (no '+', no leading or trailing '.')
//   true false null
//   lists     [literal, literal, ...] (possibly empty, possibly nested; no trailing comma)
//
// Fields
//   A field path is identifiers [A-Za-z_][A-Za-z0-9_]* joined by '.', without spaces:
//   route, data.score, data.tags. A path reads the message's object members one level at a
//   time; a missing member, or a step into something that is not an object, evaluates to null.
//   The keywords and, or, not, in, true, false, null cannot start a path (`data.in` is fine);
//   they are lower case only (`True` is a field).
//   Paths cannot index arrays and cannot name keys that are not identifiers.
//
// Operators, from tightest to loosest binding (binary operators are left-associative):
//   == != < <= > >=  in  not in         comparison and membership (one level)
//   not x, !x                           negation of x's truth
//   and, &&                             both true (short-circuit)
//   or, ||                              either true (short-circuit)
//   ( ... )                             grouping
// As in Python, `not` binds looser than comparisons: `not route == "math"` means
// `not (route == "math")`. Comparisons and membership share one level, so `a == b == c` is
// `(a == b) == c`.
//
// Semantics (a condition never fails at run time):
//   - A bare operand (a field, a literal, a parenthesised expression) is a truth test: null,
//     false, 0, 0.0, "", [] and {} are false; everything else is true.
//   - == and != compare JSON values by type and value, deeply for arrays and objects: 1 == 1.0
//     is true, "1" == 1 is false, a missing field == null is true.
//   - < <= > >= compare two numbers numerically (exactly for two integers, as doubles when
//     either is a decimal) and two strings lexicographically by bytes (Unicode code point order
//     for UTF-8); any other pairing is false, so `x < 1` and `x >= 1` are both false when x is a
//     string or missing.
//   - `a in b` is true when b is an array (a list literal or an array field) holding a value
//     == a, or when both a and b are strings and a is a substring of b ("" is in every string);
//     any other pairing is false. `a not in b` is `not (a in b)`.
//   - The right side of `in` must be a list literal or a field (a check made at parse time:
//     `route in 3` and `route in "abc"` are errors).
//   - and/or/not and comparisons yield true or false, which can be compared again.
//
// Limits: at most 4096 bytes of text and 64 levels of nesting ( '(', '[' and 'not' / '!' each
// open one level). Breaking them is a parse error.
//
// Parse errors name the 0-based byte offset in the condition text and what was expected, e.g.
//   route = "math"   offset 6: unknown operator '=' (did you mean '=='?)
//   (a == 1          offset 7: expected ')' to close the '(' at offset 0, found end of condition
//   a == 1 and       offset 10: expected an operand after 'and', found end of condition
//   route in 3       offset 9: expected a list or a field after 'in', found number 3
//   in == 1          offset 0: expected an operand, found keyword 'in' (keywords cannot be
//                    field names)
// The caller maps the offset to a file:line:col of the YAML it came from.
#pragma once

#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::graph {

// A condition that does not parse. what() is "offset N: <detail>"; code() is ErrorCode::config.
struct ConditionError : tinyllm::Error {
    ConditionError(size_t offset, const std::string &detail);

    size_t offset;      // 0-based byte offset into the condition text
    std::string detail; // the message without the "offset N: " prefix
};

class Condition {
public:
    static constexpr size_t max_length = 4096; // bytes of text
    static constexpr size_t max_depth = 64;    // nesting of '(', '[' and 'not'

    // Parse `text` (see the language above); throws ConditionError.
    static Condition parse(std::string_view text);

    // Whether `message` (normally a JSON object) satisfies the condition. Never throws and never
    // allocates: missing fields and type mismatches are ordinary values.
    bool evaluate(const json::Value &message) const noexcept;

    // The text as given to parse().
    const std::string &text() const noexcept;
    // The dotted field paths the condition reads, each once, in order of first appearance.
    std::vector<std::string> fields() const;
    // Canonical form: every operation parenthesised, a chain of one operator `a and b and c` as
    // one group (a and b and c), keywords instead of && || !, strings in double quotes, numbers
    // normalised (1.50 -> 1.5, 1e3 -> 1000.0, 007 -> 7). Parsing it again gives the same form
    // (unless the added parentheses break the limits).
    // e.g. `a or b && !c == 1` -> (a or (b and ((not c) == 1)))
    std::string to_string() const;

    struct Impl;
    // The parsed form (condition_ast.hpp), for static analyses inside the graph code
    // (route_check.hpp).
    const Impl &impl() const noexcept { return *impl_; }

private:
    explicit Condition(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

    std::shared_ptr<const Impl> impl_; // immutable, so copies share it
};

} // namespace tinyllm::graph
