#include "tinyllm/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace tinyllm::json {

Position position_of(std::string_view text, size_t offset) {
    Position pos;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++pos.line;
            pos.column = 1;
        } else {
            ++pos.column;
        }
    }
    return pos;
}

namespace {

// The document's SAX handler with a bound on nesting: a start beyond max_depth ends the parse
// (kParseErrorTermination, which only this handler produces here). It also ends it at a number
// too big for a double: RapidJSON 1.1 reports 1e309 as too big, but reads 2e308 or 1.8e308 as
// infinity, which no writer can write back (json::to_string would cut the document short
// there); parse_into reports those as RapidJSON reports 1e309.
class DepthLimit {
public:
    DepthLimit(Document &doc, unsigned max_depth) : doc_(doc), max_depth_(max_depth) {}
    bool Null() { return doc_.Null(); }
    bool Bool(bool b) { return doc_.Bool(b); }
    bool Int(int i) { return doc_.Int(i); }
    bool Uint(unsigned u) { return doc_.Uint(u); }
    bool Int64(int64_t i) { return doc_.Int64(i); }
    bool Uint64(uint64_t u) { return doc_.Uint64(u); }
    bool Double(double d) {
        if (!std::isfinite(d)) {
            number_too_big = true;
            return false;
        }
        return doc_.Double(d);
    }
    bool RawNumber(const char *s, rapidjson::SizeType n, bool copy) {
        return doc_.RawNumber(s, n, copy);
    }
    bool String(const char *s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
    bool StartObject() { return ++depth_ <= max_depth_ && doc_.StartObject(); }
    bool Key(const char *s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
    bool EndObject(rapidjson::SizeType members) {
        --depth_;
        return doc_.EndObject(members);
    }
    bool StartArray() { return ++depth_ <= max_depth_ && doc_.StartArray(); }
    bool EndArray(rapidjson::SizeType elements) {
        --depth_;
        return doc_.EndArray(elements);
    }

    bool number_too_big = false;

private:
    Document &doc_;
    unsigned max_depth_;
    unsigned depth_ = 0;
};

} // namespace

rapidjson::ParseResult parse_into(Document &doc, Text text, unsigned max_depth) {
    rapidjson::ParseResult result;
    const auto generate = [&](Document &target) {
        rapidjson::Reader reader;
        DepthLimit handler(target, std::min(max_depth, kMaxDepth));
        if (const char *c = text.c_str()) {
            rapidjson::StringStream in(c);
            result = reader.Parse<rapidjson::kParseIterativeFlag>(in, handler);
        } else {
            // The MemoryStream itself: an EncodedInputStream over it would skip a leading UTF-8
            // BOM, which the same text read as a std::string (or by json::read) is an error.
            rapidjson::MemoryStream in(text.view().data(), text.view().size());
            result = reader.Parse<rapidjson::kParseIterativeFlag>(in, handler);
        }
        if (handler.number_too_big) result.Set(rapidjson::kParseErrorNumberTooBig, result.Offset());
        return !result.IsError();
    };
    doc.SetNull();
    doc.Populate(generate);
    return result;
}

std::string parse_error_text(std::string_view text, rapidjson::ParseResult result,
                             unsigned max_depth) {
    const Position pos = position_of(text, result.Offset());
    const std::string at =
        "line " + std::to_string(pos.line) + " column " + std::to_string(pos.column);
    if (result.Code() == rapidjson::kParseErrorTermination)
        return "nested deeper than " + std::to_string(std::min(max_depth, kMaxDepth)) +
               " levels at " + at;
    return "invalid JSON at " + at + ": " + rapidjson::GetParseError_En(result.Code());
}

Document parse(Text text, std::string_view what, ErrorCode code, unsigned max_depth) {
    Document doc;
    if (const rapidjson::ParseResult r = parse_into(doc, text, max_depth); !r) {
        throw Error(code, std::string(what) + ": " + parse_error_text(text.view(), r, max_depth));
    }
    return doc;
}

Document parse_object(Text text, std::string_view what, ErrorCode code, unsigned max_depth) {
    Document doc = parse(text, what, code, max_depth);
    if (!doc.IsObject()) {
        throw Error(code, std::string(what) + ": expected a JSON object, got " +
                              std::string(type_name(doc)));
    }
    return doc;
}

namespace {

// Length of the valid UTF-8 sequence at text[i] (1..4), or 0 when it is not one: a stray
// continuation byte, a truncated sequence, an overlong form, a surrogate or past U+10FFFF.
size_t utf8_sequence(std::string_view text, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80) return 1;
    size_t n = 0;
    unsigned char low = 0x80, high = 0xBF; // the second byte's range
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) low = 0xA0;  // overlong
        if (c == 0xED) high = 0x9F; // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) low = 0x90;  // overlong
        if (c == 0xF4) high = 0x8F; // past U+10FFFF
    } else {
        return 0;
    }
    if (i + n > text.size() || byte(i + 1) < low || byte(i + 1) > high) return 0;
    for (size_t k = 2; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    }
    return n;
}

} // namespace

void replace_invalid_utf8(std::string &text) {
    size_t i = 0;
    while (i < text.size()) { // the common case: valid, nothing copied
        const size_t n = utf8_sequence(text, i);
        if (n == 0) break;
        i += n;
    }
    if (i == text.size()) return;
    std::string fixed(text, 0, i);
    while (i < text.size()) {
        const size_t n = utf8_sequence(text, i);
        if (n == 0) {
            fixed += "\xEF\xBF\xBD"; // U+FFFD REPLACEMENT CHARACTER, one per invalid byte
            ++i;
        } else {
            fixed.append(text, i, n);
            i += n;
        }
    }
    text = std::move(fixed);
}

std::string to_string(const Value &value) {
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    value.Accept(writer);
    std::string text(buffer.GetString(), buffer.GetSize());
    replace_invalid_utf8(text);
    return text;
}

std::string to_pretty_string(const Value &value) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    value.Accept(writer);
    std::string text(buffer.GetString(), buffer.GetSize());
    replace_invalid_utf8(text);
    return text;
}

const Value *find(const Value &object, std::string_view key) {
    if (!object.IsObject()) return nullptr;
    const auto it = object.FindMember(
        Value(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
    if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
}

std::optional<std::string> get_string(const Value &object, std::string_view key) {
    const Value *v = find(object, key);
    if (v == nullptr || !v->IsString()) return std::nullopt;
    return std::string(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> get_int(const Value &object, std::string_view key) {
    const Value *v = find(object, key);
    if (v == nullptr) return std::nullopt;
    if (v->IsInt64()) return v->GetInt64();
    if (v->IsUint64()) return static_cast<int64_t>(v->GetUint64());
    if (v->IsDouble()) return static_cast<int64_t>(v->GetDouble());
    return std::nullopt;
}

std::optional<double> get_number(const Value &object, std::string_view key) {
    const Value *v = find(object, key);
    if (v == nullptr || !v->IsNumber()) return std::nullopt;
    return v->GetDouble();
}

std::optional<bool> get_bool(const Value &object, std::string_view key) {
    const Value *v = find(object, key);
    if (v == nullptr || !v->IsBool()) return std::nullopt;
    return v->GetBool();
}

std::string require_string(const Value &object, std::string_view key, std::string_view what,
                           ErrorCode code) {
    const Value *v = find(object, key);
    if (v == nullptr) {
        throw Error(code, std::string(what) + ": missing \"" + std::string(key) + "\"");
    }
    if (!v->IsString()) {
        throw Error(code, std::string(what) + ": \"" + std::string(key) +
                              "\" must be a string, got " + std::string(type_name(*v)));
    }
    return {v->GetString(), v->GetStringLength()};
}

namespace {

// SAX handler for string_at. The open objects on the path are always the outermost ones: the
// root (depth 1) and then one per matched name, so the innermost of them is at depth
// matched + 1, and a name counts only when read there. Only the first member of a name counts
// (as with find()): a matched member that is not what the path needs there (a string at its
// end, an object before), or a matched object that ends without the rest of the path, ends
// the search with nothing found.
class PathReader : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PathReader> {
public:
    explicit PathReader(std::initializer_list<std::string_view> path) : path_(path) {}
    std::optional<std::string> found;

    bool Default() { return value(); }
    bool String(const char *s, rapidjson::SizeType length, bool) {
        if (hit_ && matched_ + 1 == path_.size()) {
            found.emplace(s, length);
            return false; // found: stop reading
        }
        return value();
    }
    bool StartObject() {
        if (hit_ && matched_ + 1 < path_.size()) {
            ++matched_;
            ++depth_;
            hit_ = false;
            return true;
        }
        ++depth_;
        return value();
    }
    bool StartArray() {
        ++depth_;
        return value();
    }
    bool EndObject(rapidjson::SizeType) { return close(); }
    bool EndArray(rapidjson::SizeType) { return close(); }
    bool Key(const char *name, rapidjson::SizeType length, bool) {
        hit_ = depth_ == matched_ + 1 && matched_ < path_.size() &&
               path_.begin()[matched_] == std::string_view(name, length);
        return true;
    }

private:
    bool value() {
        if (hit_) return false; // the first member of the name is not what the path needs
        return true;
    }
    bool close() {
        // The innermost matched object ends without the rest of the path.
        if (depth_ == matched_ + 1 && matched_ > 0) return false;
        --depth_;
        return true;
    }
    std::initializer_list<std::string_view> path_;
    size_t depth_ = 0;
    size_t matched_ = 0;
    bool hit_ = false;
};

} // namespace

std::optional<std::string> string_at(std::string_view text,
                                     std::initializer_list<std::string_view> path) {
    PathReader reader(path);
    const rapidjson::ParseResult result = read(text, reader);
    if (result.IsError() && result.Code() != rapidjson::kParseErrorTermination) return std::nullopt;
    return std::move(reader.found);
}

std::vector<RawMember> raw_members(std::string_view object) {
    const auto space = [&](size_t i) {
        if (i >= object.size()) return false;
        const char c = object[i];
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    };
    // From the opening quote of a string to just after its closing quote: the next quote that
    // an odd number of backslashes does not escape.
    const auto past_string = [&](size_t open) {
        for (size_t from = open + 1; from < object.size();) {
            const void *q = std::memchr(object.data() + from, '"', object.size() - from);
            if (q == nullptr) break;
            const size_t quote = static_cast<size_t>(static_cast<const char *>(q) - object.data());
            size_t backslashes = 0;
            while (quote - backslashes > open + 1 && object[quote - backslashes - 1] == '\\')
                ++backslashes;
            if (backslashes % 2 == 0) return quote + 1;
            from = quote + 1;
        }
        return object.size();
    };
    std::vector<RawMember> members;
    members.reserve(8);
    size_t i = object.find('{');
    if (i == std::string_view::npos) return members;
    for (++i; i < object.size();) {
        while (space(i))
            ++i;
        if (i >= object.size() || object[i] != '"') break; // "}": no (more) members
        const size_t name = i;
        i = past_string(i);
        const size_t name_end = i;
        while (space(i) || (i < object.size() && object[i] == ':'))
            ++i;
        const size_t begin = i;
        for (int nesting = 0; i < object.size(); ++i) {
            const char c = object[i];
            if (c == '"') {
                i = past_string(i) - 1;
            } else if (c == '{' || c == '[') {
                ++nesting;
            } else if (c == '}' || c == ']') {
                if (nesting-- == 0) break;
            } else if (c == ',' && nesting == 0) {
                break;
            }
        }
        size_t end = i;
        while (end > begin && space(end - 1))
            --end;
        members.push_back(
            {object.substr(name, name_end - name), object.substr(begin, end - begin)});
        if (i < object.size() && object[i] == ',') ++i;
    }
    return members;
}

namespace {

// How RapidJSON's Writer escapes each byte: 0 = as it is, 'u' = \u00XX, else \ + that letter.
// Bytes from 0x80 up pass through (UTF-8, not validated, as the Writer does by default).
constexpr std::array<char, 256> kEscape = [] {
    std::array<char, 256> table{};
    for (int c = 0; c < 0x20; ++c)
        table[c] = 'u';
    table['\b'] = 'b';
    table['\f'] = 'f';
    table['\n'] = 'n';
    table['\r'] = 'r';
    table['\t'] = 't';
    table['"'] = '"';
    table['\\'] = '\\';
    return table;
}();

} // namespace

std::string quoted(std::string_view text) {
    std::string out;
    append_quoted(out, text);
    return out;
}

// The Writer's output byte for byte, but whole runs of plain text are appended at once (the
// Writer puts one character at a time, which dominated writing requests and messages).
void append_quoted(std::string &out, std::string_view text) {
    out.reserve(out.size() + text.size() + 2);
    const size_t start = out.size();
    out += '"';
    size_t run = 0; // start of the plain text not yet appended
    for (size_t i = 0; i < text.size(); ++i) {
        const char escape = kEscape[static_cast<unsigned char>(text[i])];
        if (escape == 0) continue;
        out.append(text.data() + run, i - run);
        run = i + 1;
        if (escape != 'u') {
            const char pair[2] = {'\\', escape};
            out.append(pair, 2);
            continue;
        }
        static constexpr char kHex[] = "0123456789ABCDEF";
        const auto byte = static_cast<unsigned char>(text[i]);
        const char code[6] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
        out.append(code, 6);
    }
    out.append(text.data() + run, text.size() - run);
    out += '"';
    if (std::any_of(text.begin(), text.end(), [](char c) { return (c & 0x80) != 0; })) {
        std::string quoted = out.substr(start);
        replace_invalid_utf8(quoted);
        out.replace(start, std::string::npos, quoted);
    }
}

namespace detail {

ScratchCopy::ScratchCopy(std::string_view text) {
    if (text.size() < sizeof small_) {
        std::memcpy(small_, text.data(), text.size());
        small_[text.size()] = '\0';
        data_ = small_;
    } else {
        large_.assign(text);
        data_ = large_.data();
    }
}

} // namespace detail

std::string_view type_name(const Value &value) noexcept {
    switch (value.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "boolean";
    case rapidjson::kObjectType: return "object";
    case rapidjson::kArrayType: return "array";
    case rapidjson::kStringType: return "string";
    case rapidjson::kNumberType: return value.IsInt64() || value.IsUint64() ? "integer" : "number";
    }
    return "unknown";
}

std::string type_phrase(const Value &value) {
    const std::string_view name = type_name(value);
    const bool vowel = std::string_view("aeiou").find(name.front()) != std::string_view::npos;
    return (vowel ? "an " : "a ") + std::string(name);
}

} // namespace tinyllm::json
