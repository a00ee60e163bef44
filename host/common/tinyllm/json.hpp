// The one set of JSON helpers (over RapidJSON) used by the host and the in-tree plugins.
// Parsing errors become tinyllm::Error with a line:column; accessors name the missing or
// mistyped key so a bad document gives one clear message.
#pragma once

#include "tinyllm/error.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::json {

using Value = rapidjson::Value;
using Document = rapidjson::Document;
using Allocator = rapidjson::Document::AllocatorType;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Parse `text`; on failure throw Error(`code`) "<what>: invalid JSON at line L column C: msg".
Document parse(std::string_view text, std::string_view what, ErrorCode code = ErrorCode::protocol);

// Parse and require an object at the top level.
Document parse_object(std::string_view text, std::string_view what,
                      ErrorCode code = ErrorCode::protocol);

// Compact serialisation (no whitespace), as it crosses the ABI and the wire.
std::string to_string(const Value &value);
// Indented serialisation for humans (`--json` output).
std::string to_pretty_string(const Value &value);

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

// A string value that owns a copy of `text`.
inline Value string_value(std::string_view text, Allocator &alloc) {
    return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
}

// Name of a value's JSON type ("object", "string"...), for error messages.
std::string_view type_name(const Value &value) noexcept;

} // namespace tinyllm::json
