#include "runtime/json_service.hpp"

#include "tinyllm/json.hpp"

#include <rapidjson/pointer.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

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
    bool StartObject() { return enter(); }
    bool StartArray() { return enter(); }
    bool EndObject(rapidjson::SizeType) { return leave(); }
    bool EndArray(rapidjson::SizeType) { return leave(); }
    bool too_deep() const noexcept { return too_deep_; }

private:
    bool enter() {
        too_deep_ = ++depth_ > kJsonServiceMaxDepth;
        return !too_deep_;
    }
    bool leave() {
        --depth_;
        return true;
    }
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

tllm_json *parse(const char *text, size_t size, char *error, size_t error_size) noexcept {
    if (text == nullptr) {
        write_error(error, error_size, "no text");
        return nullptr;
    }
    if (size == std::numeric_limits<size_t>::max()) size = std::strlen(text);
    const std::string_view view(text, size);
    try {
        DepthLimit depth;
        const rapidjson::ParseResult ok = json::read<rapidjson::kParseIterativeFlag>(view, depth);
        if (!ok && depth.too_deep()) {
            write_error(error, error_size,
                        "nested deeper than " + std::to_string(kJsonServiceMaxDepth) +
                            " levels at offset " + std::to_string(ok.Offset()));
            return nullptr;
        }
        auto *doc = new tllm_json{json::parse(view, "JSON", ErrorCode::invalid_argument)};
        return doc;
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
};

} // namespace

const tllm_json_service_v1 &json_service() noexcept {
    return kService;
}

} // namespace tinyllm::runtime
