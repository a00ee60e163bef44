// The one set of JSON helpers (over RapidJSON) used by the host and the in-tree plugins.
// Parsing errors become tinyllm::Error with a line:column; accessors name the missing or
// mistyped key so a bad document gives one clear message.
//
// The one JSON reading policy: every document is read through parse, parse_object or
// parse_into, and every SAX pass through read. They use RapidJSON's iterative parser (no
// recursion, so no input can exhaust the stack however deep it nests), and documents may nest
// at most kMaxDepth levels: deeper is a parse error ("nested deeper than 256 levels"), so that
// what is built from a document (copies, serialisation, walks) stays within bounds too. Never
// call Document::Parse directly.
#pragma once

#include "tinyllm/error.hpp"

#include <rapidjson/document.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::json {

using Value = rapidjson::Value;
using Document = rapidjson::Document;
using Allocator = rapidjson::Document::AllocatorType;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// JSON text to read. Text known to end with a NUL byte (a std::string, a C string) is read
// through RapidJSON's StringStream, which needs no end check per byte; other text through a
// MemoryStream.
class Text {
public:
    Text(const std::string &text) noexcept : view_(text), terminated_(true) {}
    Text(const char *text) noexcept : view_(text), terminated_(true) {}
    Text(std::string_view text) noexcept : view_(text) {}
    std::string_view view() const noexcept { return view_; }
    // The text as a C string when it is one, else nullptr. (RapidJSON reads a NUL as the end
    // of any text, so one inside reads the same either way.)
    const char *c_str() const noexcept { return terminated_ ? view_.data() : nullptr; }

private:
    std::string_view view_;
    bool terminated_ = false;
};

inline constexpr unsigned kMaxDepth = 256;

// Parse `text` into `doc` (built with doc's allocator); returns RapidJSON's result, which tests
// true on success. On failure `doc` is left null; parse_error_text says why. For callers that
// handle a bad document their own way.
// `max_depth` (at most kMaxDepth) is for a document read to be put inside another: the levels
// left to it there, so that the whole stays within kMaxDepth and reads back.
rapidjson::ParseResult parse_into(Document &doc, Text text, unsigned max_depth = kMaxDepth);
// "invalid JSON at line L column C: msg" or "nested deeper than 256 levels at line L column C"
// (the max_depth it was read with).
std::string parse_error_text(std::string_view text, rapidjson::ParseResult result,
                             unsigned max_depth = kMaxDepth);

// Parse `text`; on failure throw Error(`code`) "<what>: invalid JSON at line L column C: msg".
Document parse(Text text, std::string_view what, ErrorCode code = ErrorCode::protocol,
               unsigned max_depth = kMaxDepth);

// Parse and require an object at the top level.
Document parse_object(Text text, std::string_view what, ErrorCode code = ErrorCode::protocol,
                      unsigned max_depth = kMaxDepth);

// Runs RapidJSON's SAX reader over `text` with `handler` (Flags: rapidjson::ParseFlag). Strings
// reach the handler decoded in place in a copy of the text, valid during the callback.
template <unsigned Flags = rapidjson::kParseDefaultFlags, typename Handler>
rapidjson::ParseResult read(std::string_view text, Handler &handler);

// Compact serialisation (no whitespace), as it crosses the ABI and the wire. What TinyLLM
// writes is always valid JSON: control characters are escaped, and bytes that are not UTF-8 (a
// prompt or a model's answer may hold any) are each replaced by U+FFFD, as Go's encoding/json
// does; no reader has to cope with raw bytes.
std::string to_string(const Value &value);
// Indented serialisation for humans (`--json` output), with the same guarantees.
std::string to_pretty_string(const Value &value);
// Replaces each byte of `text` that is not part of a valid UTF-8 sequence by U+FFFD.
void replace_invalid_utf8(std::string &text);

// Line and column (1-based) of a byte offset in `text`.
struct Position {
    size_t line = 1;
    size_t column = 1;
};
Position position_of(std::string_view text, size_t offset);

// Typed accessors on an object member. `find` returns nullptr when absent (or null).
const Value *find(const Value &object, std::string_view key);
std::optional<std::string> get_string(const Value &object, std::string_view key);
std::optional<int64_t> get_int(const Value &object, std::string_view key);
std::optional<double> get_number(const Value &object, std::string_view key);
std::optional<bool> get_bool(const Value &object, std::string_view key);
// Like get_* but throw Error(`code`) "<what>: missing \"key\"" / "... \"key\" must be a string".
std::string require_string(const Value &object, std::string_view key, std::string_view what,
                           ErrorCode code = ErrorCode::protocol);

// The string at `path` (member names from the root object down) in the JSON `text`, read in one
// SAX pass without building a document and stopping there: for hot paths that need one field of
// a document somebody else validated (what follows the member is not looked at). nullopt when
// the text is not valid JSON up to the member, or it is absent or not a string; of duplicated
// members the first counts, as with find().
std::optional<std::string> string_at(std::string_view text,
                                     std::initializer_list<std::string_view> path);

// The members of the JSON object `object`, in order, as written: the name with its quotes and
// the value. Only for text a parser has accepted: it follows strings and nesting, and checks
// nothing.
struct RawMember {
    std::string_view name;
    std::string_view value;
};
std::vector<RawMember> raw_members(std::string_view object);

// Appends `text` to `out` as a JSON string (quoted, escaped): for documents assembled from
// pieces of JSON text instead of a writer.
void append_quoted(std::string &out, std::string_view text);
// `text` as a JSON string on its own (append_quoted into an empty string).
std::string quoted(std::string_view text);

// A string value that owns a copy of `text`.
inline Value string_value(std::string_view text, Allocator &alloc) {
    return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
}

// Name of a value's JSON type ("object", "string"...), for error messages.
std::string_view type_name(const Value &value) noexcept;
// The same with its article ("a string", "an integer"): `"done" is a string, not true or false`.
std::string type_phrase(const Value &value);

namespace detail {
// The copy json::read decodes in: on the stack for the small documents of the hot path (no
// allocation, and no thread_local, which plugins loaded with dlopen should not carry).
class ScratchCopy {
public:
    explicit ScratchCopy(std::string_view text);
    ScratchCopy(const ScratchCopy &) = delete;
    ScratchCopy &operator=(const ScratchCopy &) = delete;
    char *data() noexcept { return data_; }

private:
    char small_[2048];
    std::string large_;
    char *data_;
};
} // namespace detail

template <unsigned Flags, typename Handler>
rapidjson::ParseResult read(std::string_view text, Handler &handler) {
    detail::ScratchCopy copy(text);
    rapidjson::InsituStringStream in(copy.data());
    rapidjson::Reader reader;
    return reader.Parse<Flags | rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag>(
        in, handler);
}

} // namespace tinyllm::json
