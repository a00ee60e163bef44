#include "tinyllm/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>

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

Document parse(std::string_view text, std::string_view what, ErrorCode code) {
    Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError()) {
        const Position pos = position_of(text, doc.GetErrorOffset());
        throw Error(code, std::string(what) + ": invalid JSON at line " + std::to_string(pos.line) +
                              " column " + std::to_string(pos.column) + ": " +
                              rapidjson::GetParseError_En(doc.GetParseError()));
    }
    return doc;
}

Document parse_object(std::string_view text, std::string_view what, ErrorCode code) {
    Document doc = parse(text, what, code);
    if (!doc.IsObject()) {
        throw Error(code, std::string(what) + ": expected a JSON object, got " +
                              std::string(type_name(doc)));
    }
    return doc;
}

std::string to_string(const Value &value) {
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    value.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
}

std::string to_pretty_string(const Value &value) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    value.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
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

} // namespace tinyllm::json
