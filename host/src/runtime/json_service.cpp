#include "runtime/json_service.hpp"

#include "tinyllm/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

// A document and everything it ever held. Every string in it lives in the document's memory pool
// (text parsed in place in a copy taken from the pool, never short strings stored inside a
// value), and the pool frees nothing before the document is freed: so a string read before
// `set` or `remove` replaced, moved or removed its value stays valid, as the header promises.
struct tllm_json {
    tinyllm::json::Document doc;
};

namespace tinyllm::runtime {
namespace {

using json::Value;

// Counts nesting in a SAX pass (iterative, so the count itself needs no stack) and stops the
// reader at the first level too deep.
class DepthLimit : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DepthLimit> {
public:
    explicit DepthLimit(unsigned max = kJsonServiceMaxDepth) : max_(max) {}
    bool StartObject() { return enter(); }
    bool StartArray() { return enter(); }
    bool EndObject(rapidjson::SizeType) { return leave(); }
    bool EndArray(rapidjson::SizeType) { return leave(); }
    bool too_deep() const noexcept { return too_deep_; }

private:
    bool enter() {
        too_deep_ = ++depth_ > max_;
        return !too_deep_;
    }
    bool leave() {
        --depth_;
        return true;
    }
    unsigned max_;
    unsigned depth_ = 0;
    bool too_deep_ = false;
};

void write_error(char *error, size_t size, const std::string &message) {
    if (error != nullptr && size > 0) std::snprintf(error, size, "%s", message.c_str());
}

const Value *at(const tllm_json *doc, const char *pointer) {
    if (doc == nullptr || pointer == nullptr) return nullptr;
    if (pointer[0] == '\0') return &doc->doc;
    // RFC 6901's string form only: RapidJSON would also read the URI fragment form ("#/a%20b").
    if (pointer[0] != '/') return nullptr;
    const rapidjson::Pointer p(pointer);
    if (!p.IsValid()) return nullptr;
    return p.Get(doc->doc);
}

char *duplicate(const std::string &text) {
    char *out = static_cast<char *>(std::malloc(text.size() + 1));
    if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
    return out;
}

// Why `text` cannot be parsed within `max_depth` levels, or "" when it can be. [iterative]
std::string too_deep(std::string_view text, unsigned max_depth) {
    DepthLimit depth(max_depth);
    const rapidjson::ParseResult ok = json::read<rapidjson::kParseIterativeFlag>(text, depth);
    if (ok || !depth.too_deep()) return {};
    return "nested deeper than " + std::to_string(max_depth) + " levels at offset " +
           std::to_string(ok.Offset());
}

// Parses `text` into `out`, whose values are allocated from `pool`: in place, in a copy of the
// text taken from the pool, so every string is a reference into the pool (see tllm_json).
// Throws Error(invalid_argument) "<what>: invalid JSON at line L column C: <reason>".
void parse_into(json::Document &out, std::string_view text, json::Allocator &pool,
                std::string_view what) {
    char *copy = static_cast<char *>(pool.Malloc(text.size() + 1));
    if (copy == nullptr) throw std::bad_alloc();
    std::memcpy(copy, text.data(), text.size());
    copy[text.size()] = '\0';
    out.ParseInsitu(copy);
    if (out.HasParseError()) {
        const json::Position pos = json::position_of(text, out.GetErrorOffset());
        throw Error(ErrorCode::invalid_argument,
                    std::string(what) + ": invalid JSON at line " + std::to_string(pos.line) +
                        " column " + std::to_string(pos.column) + ": " +
                        rapidjson::GetParseError_En(out.GetParseError()));
    }
}

tllm_json *parse(const char *text, size_t size, char *error, size_t error_size) noexcept {
    if (text == nullptr) {
        write_error(error, error_size, "no text");
        return nullptr;
    }
    if (size == std::numeric_limits<size_t>::max()) size = std::strlen(text);
    const std::string_view view(text, size);
    try {
        if (const std::string deep = too_deep(view, kJsonServiceMaxDepth); !deep.empty()) {
            write_error(error, error_size, deep);
            return nullptr;
        }
        auto doc = std::make_unique<tllm_json>();
        parse_into(doc->doc, view, doc->doc.GetAllocator(), "JSON");
        return doc.release();
    } catch (const std::exception &e) {
        write_error(error, error_size, e.what());
    }
    return nullptr;
}

int32_t type(const tllm_json *doc, const char *pointer) noexcept {
    const Value *v = at(doc, pointer);
    if (v == nullptr) return TLLM_JSON_ABSENT;
    switch (v->GetType()) {
    case rapidjson::kNullType: return TLLM_JSON_NULL;
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return TLLM_JSON_BOOL;
    case rapidjson::kNumberType: return TLLM_JSON_NUMBER;
    case rapidjson::kStringType: return TLLM_JSON_STRING;
    case rapidjson::kArrayType: return TLLM_JSON_ARRAY;
    case rapidjson::kObjectType: return TLLM_JSON_OBJECT;
    }
    return TLLM_JSON_ABSENT;
}

const char *string(const tllm_json *doc, const char *pointer, size_t *size) noexcept {
    const Value *v = at(doc, pointer);
    if (v == nullptr || !v->IsString()) return nullptr;
    if (size != nullptr) *size = v->GetStringLength();
    return v->GetString();
}

int32_t integer(const tllm_json *doc, const char *pointer, int64_t *out) noexcept {
    const Value *v = at(doc, pointer);
    if (v == nullptr || out == nullptr || !v->IsNumber()) return 0;
    if (v->IsInt64()) {
        *out = v->GetInt64();
        return 1;
    }
    // 2.0 or 1e3 hold integers too; 1e300 and 2.5 do not.
    const double d = v->GetDouble();
    if (v->IsUint64() || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
        d != static_cast<double>(static_cast<int64_t>(d))) {
        return 0;
    }
    *out = static_cast<int64_t>(d);
    return 1;
}

int32_t number(const tllm_json *doc, const char *pointer, double *out) noexcept {
    const Value *v = at(doc, pointer);
    if (v == nullptr || out == nullptr || !v->IsNumber()) return 0;
    *out = v->GetDouble();
    return 1;
}

int32_t boolean(const tllm_json *doc, const char *pointer, int32_t *out) noexcept {
    const Value *v = at(doc, pointer);
    if (v == nullptr || out == nullptr || !v->IsBool()) return 0;
    *out = v->GetBool() ? 1 : 0;
    return 1;
}

size_t count(const tllm_json *doc, const char *pointer) noexcept {
    const Value *v = at(doc, pointer);
    if (v == nullptr) return 0;
    if (v->IsArray()) return v->Size();
    if (v->IsObject()) return v->MemberCount();
    return 0;
}

const char *key(const tllm_json *doc, const char *pointer, size_t index) noexcept {
    const Value *v = at(doc, pointer);
    if (v == nullptr || !v->IsObject() || index >= v->MemberCount()) return nullptr;
    return (v->MemberBegin() + static_cast<rapidjson::SizeType>(index))->name.GetString();
}

char *write(const tllm_json *doc, const char *pointer) noexcept {
    const Value *v = at(doc, pointer);
    if (v == nullptr) return nullptr;
    try {
        return duplicate(json::to_string(*v));
    } catch (...) {
        return nullptr;
    }
}

char *quote(const char *text, size_t size) noexcept {
    if (text == nullptr) return nullptr;
    if (size == std::numeric_limits<size_t>::max()) size = std::strlen(text);
    try {
        std::string out;
        json::append_quoted(out, std::string_view(text, size));
        return duplicate(out);
    } catch (...) {
        return nullptr;
    }
}

// ---- edits (2.3) --------------------------------------------------------------------------

// An edit refused: TLLM_ERR_INVALID_ARGUMENT with the reason, the document untouched.
struct Refused {
    std::string reason;
};

// The reference tokens of an RFC 6901 string pointer ("" has none), unescaped.
std::vector<std::string> tokens_of(const char *pointer) {
    if (pointer == nullptr) throw Refused{"no pointer"};
    std::vector<std::string> tokens;
    if (pointer[0] == '\0') return tokens;
    if (pointer[0] != '/') {
        throw Refused{std::string("malformed pointer \"") + pointer +
                      "\": a JSON Pointer is \"\" or starts with '/'"};
    }
    for (const char *p = pointer; *p == '/';) {
        std::string token;
        for (++p; *p != '\0' && *p != '/'; ++p) {
            if (*p != '~') {
                token += *p;
            } else if (p[1] == '0' || p[1] == '1') {
                token += p[1] == '0' ? '~' : '/';
                ++p;
            } else {
                throw Refused{std::string("malformed pointer \"") + pointer +
                              "\": '~' must be followed by 0 or 1"};
            }
        }
        tokens.push_back(std::move(token));
    }
    return tokens;
}

// The pointer to the first `n` tokens, for messages.
std::string prefix(const std::vector<std::string> &tokens, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += '/';
        for (const char c : tokens[i])
            out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    }
    return out;
}

// "the document" or the pointer to the first `n` tokens.
std::string where(const std::vector<std::string> &tokens, size_t n) {
    return n == 0 ? std::string("the document") : prefix(tokens, n);
}

// "a string", "null": what a value that cannot hold others is.
std::string scalar(const Value &v) {
    if (v.IsNull()) return "null";
    if (v.IsBool()) return "a boolean";
    return v.IsNumber() ? "a number" : "a string";
}

// An array index token: "0" or digits without a leading zero (a huge one saturates, to be out
// of range); nullopt for anything else.
std::optional<size_t> index_of(const std::string &token) {
    if (token.empty() || (token.size() > 1 && token[0] == '0')) return std::nullopt;
    size_t n = 0;
    for (const char c : token) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n > (std::numeric_limits<size_t>::max() - 9) / 10
                ? std::numeric_limits<size_t>::max()
                : n * 10 + static_cast<size_t>(c - '0');
    }
    return n;
}

Value::MemberIterator member(Value &object, const std::string &name) {
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
        if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == name) return it;
    }
    return object.MemberEnd();
}

// The object or array the last token is looked up in: every token but the last must lead to an
// existing value, and it must be an object or an array.
Value &parent_of(tllm_json &doc, const std::vector<std::string> &tokens) {
    Value *at = &doc.doc;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
        const std::string &token = tokens[i];
        Value *next = nullptr;
        if (at->IsObject()) {
            if (const auto it = member(*at, token); it != at->MemberEnd()) next = &it->value;
        } else if (at->IsArray()) {
            if (const auto index = index_of(token); index && *index < at->Size()) {
                next = &(*at)[static_cast<rapidjson::SizeType>(*index)];
            }
        } else {
            throw Refused{"no parent for " + prefix(tokens, tokens.size()) + ": " +
                          where(tokens, i) + " is " + scalar(*at) + ", not an object or array"};
        }
        if (next == nullptr) {
            throw Refused{"no parent for " + prefix(tokens, tokens.size()) + ": nothing at " +
                          prefix(tokens, i + 1)};
        }
        at = next;
    }
    if (!at->IsObject() && !at->IsArray()) {
        throw Refused{"no parent for " + prefix(tokens, tokens.size()) + ": " +
                      where(tokens, tokens.size() - 1) + " is " + scalar(*at) +
                      ", not an object or array"};
    }
    return *at;
}

// The position of the last token in `array`: an index at most its size (`allow_end`: "-" or
// the size, for inserting at the end) or below it.
size_t position_in(const Value &array, const std::vector<std::string> &tokens, bool allow_end) {
    const std::string &token = tokens.back();
    const size_t size = array.Size();
    if (token == "-") {
        if (allow_end) return size;
        throw Refused{"index out of range at " + prefix(tokens, tokens.size()) +
                      ": \"-\" names no element (the array has " + std::to_string(size) + ")"};
    }
    const std::optional<size_t> index = index_of(token);
    if (!index) {
        throw Refused{"malformed array index \"" + token + "\" at " +
                      prefix(tokens, tokens.size()) + " (an index is 0 or digits without a " +
                      "leading zero, or \"-\" for the end)"};
    }
    if (*index > size || (*index == size && !allow_end)) {
        throw Refused{"index out of range at " + prefix(tokens, tokens.size()) +
                      ": the array has " + std::to_string(size) + " element" +
                      (size == 1 ? "" : "s")};
    }
    return *index;
}

// Copies `text` into the document's pool and returns a string value referring to the copy (no
// short string inside the value, which would move with it).
Value pooled_string(const std::string &text, json::Allocator &pool) {
    char *copy = static_cast<char *>(pool.Malloc(text.size() + 1));
    if (copy == nullptr) throw std::bad_alloc();
    std::memcpy(copy, text.data(), text.size());
    copy[text.size()] = '\0';
    return Value(rapidjson::StringRef(copy, text.size()));
}

// Runs `edit`, turning a refusal or an exception into a status and a message.
template <class Edit>
tllm_status edit_status(tllm_json *doc, char *error, size_t error_size, Edit &&edit) noexcept {
    try {
        if (doc == nullptr) throw Refused{"no document"};
        edit(*doc);
        return TLLM_OK;
    } catch (const Refused &r) {
        write_error(error, error_size, r.reason);
        return TLLM_ERR_INVALID_ARGUMENT;
    } catch (const Error &e) {
        write_error(error, error_size, e.what());
        return TLLM_ERR_INVALID_ARGUMENT;
    } catch (const std::exception &e) {
        write_error(error, error_size, e.what());
        return TLLM_ERR_INTERNAL;
    }
}

tllm_status set(tllm_json *doc, const char *pointer, const char *value_json, size_t size,
                char *error, size_t error_size) noexcept {
    return edit_status(doc, error, error_size, [&](tllm_json &d) {
        const std::vector<std::string> tokens = tokens_of(pointer);
        if (value_json == nullptr) throw Refused{"no value"};
        if (size == std::numeric_limits<size_t>::max()) size = std::strlen(value_json);
        const std::string_view text(value_json, size);
        // Everything is checked before anything changes: the parent, the position, the value.
        Value *parent = tokens.empty() ? nullptr : &parent_of(d, tokens);
        std::optional<size_t> position;
        if (parent != nullptr && parent->IsArray()) position = position_in(*parent, tokens, true);
        // The value sits inside one container per token: together at most the document limit.
        const size_t room =
            kJsonServiceMaxDepth - std::min<size_t>(tokens.size(), kJsonServiceMaxDepth);
        if (!too_deep(text, static_cast<unsigned>(room)).empty()) {
            throw Refused{"the value would nest the document deeper than " +
                          std::to_string(kJsonServiceMaxDepth) + " levels (at most " +
                          std::to_string(room) + " fit at " + where(tokens, tokens.size()) + ")"};
        }
        json::Allocator &pool = d.doc.GetAllocator();
        json::Document parsed(&pool);
        parse_into(parsed, text, pool, "malformed value");
        Value &value = parsed; // moved out below: its memory is the document's pool
        if (parent == nullptr) {
            static_cast<Value &>(d.doc) = value; // "": the whole document
        } else if (parent->IsObject()) {
            if (auto it = member(*parent, tokens.back()); it != parent->MemberEnd()) {
                it->value = value;
            } else {
                Value name = pooled_string(tokens.back(), pool);
                parent->AddMember(name, value, pool);
            }
        } else {
            parent->PushBack(value, pool); // at the end, then moved down to its position
            for (size_t i = parent->Size() - 1; i > *position; --i) {
                (*parent)[static_cast<rapidjson::SizeType>(i)].Swap(
                    (*parent)[static_cast<rapidjson::SizeType>(i - 1)]);
            }
        }
    });
}

tllm_status remove(tllm_json *doc, const char *pointer, char *error, size_t error_size) noexcept {
    return edit_status(doc, error, error_size, [&](tllm_json &d) {
        const std::vector<std::string> tokens = tokens_of(pointer);
        if (tokens.empty()) throw Refused{"cannot remove the document itself (pointer \"\")"};
        Value &parent = parent_of(d, tokens);
        if (parent.IsObject()) {
            const auto it = member(parent, tokens.back());
            if (it == parent.MemberEnd()) {
                throw Refused{"nothing to remove at " + prefix(tokens, tokens.size()) +
                              ": the object has no member \"" + tokens.back() + "\""};
            }
            parent.EraseMember(it); // the others keep their order
        } else {
            const size_t index = position_in(parent, tokens, false);
            parent.Erase(parent.Begin() + static_cast<rapidjson::SizeType>(index));
        }
    });
}

constexpr tllm_json_service_v1 kService{
    sizeof(tllm_json_service_v1),
    parse,
    [](tllm_json *doc) noexcept { delete doc; },
    type,
    string,
    integer,
    number,
    boolean,
    count,
    key,
    write,
    quote,
    [](char *text) noexcept { std::free(text); },
    set,
    remove,
};

} // namespace

const tllm_json_service_v1 &json_service() noexcept {
    return kService;
}

} // namespace tinyllm::runtime
