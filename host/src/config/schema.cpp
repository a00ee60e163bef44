#include "config/schema.hpp"

#include "config/suggest.hpp"

#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

namespace tinyllm::config {

namespace {

// `"abc"`, `5`, `true`; containers by their type only, they are rarely short.
std::string short_value(const json::Value &value) {
    if (value.IsObject() || value.IsArray()) return {};
    std::string text = json::to_string(value);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

// "string \"abc\"", "integer 5", "object".
std::string describe_value(const json::Value &value) {
    std::string out(json::type_name(value));
    if (value.IsNull()) return out;
    const std::string text = short_value(value);
    if (!text.empty()) out += " " + text;
    return out;
}

// Enum members as a human reads them: strings bare, anything else as JSON.
std::string enum_member(const json::Value &value) {
    return value.IsString() ? std::string(value.GetString(), value.GetStringLength())
                            : json::to_string(value);
}

std::vector<std::string> string_list(const json::Value *array) {
    std::vector<std::string> out;
    if (array == nullptr || !array->IsArray()) return out;
    for (const json::Value &item : array->GetArray())
        out.push_back(enum_member(item));
    return out;
}

std::vector<std::string> property_names(const json::Value &schema) {
    std::vector<std::string> out;
    const json::Value *properties = json::find(schema, "properties");
    if (properties == nullptr || !properties->IsObject()) return out;
    for (const auto &member : properties->GetObject()) {
        out.emplace_back(member.name.GetString(), member.name.GetStringLength());
    }
    return out;
}

std::string expected_types(const json::Value &schema) {
    const json::Value *type = json::find(schema, "type");
    if (type == nullptr) return "another type";
    if (type->IsArray()) return join(string_list(type), " or ");
    return enum_member(*type);
}

std::string got(const json::Value *value) {
    return value == nullptr ? std::string() : ", got " + describe_value(*value);
}

std::string unknown_key(const std::string &pointer, const json::Value &schema) {
    const std::vector<std::string> tokens = split_pointer(pointer);
    const std::string key = tokens.empty() ? std::string() : tokens.back();
    return "unknown key \"" + key + "\"" +
           did_you_mean(key, property_names(schema), "expected one of");
}

std::string missing_key(const json::Value &schema, const json::Value *object) {
    for (const std::string &name : string_list(json::find(schema, "required"))) {
        if (object == nullptr || !object->IsObject() || !object->HasMember(name.c_str())) {
            return "missing required key \"" + name + "\"";
        }
    }
    return "missing a required key";
}

std::string bound(const json::Value &schema, const char *keyword, const char *exclusive,
                  const char *inclusive_op, const char *exclusive_op, const json::Value *value) {
    const auto is_exclusive = json::get_bool(schema, exclusive);
    const char *op = is_exclusive.value_or(false) ? exclusive_op : inclusive_op;
    const json::Value *limit = json::find(schema, keyword);
    return std::string("must be ") + op + " " + (limit ? json::to_string(*limit) : "?") +
           got(value);
}

std::string count_message(int64_t limit, const char *relation, const char *noun) {
    return std::string("must have ") + relation + " " + std::to_string(limit) + " " + noun +
           (limit == 1 ? "" : "s");
}

std::string count_limit(const json::Value &schema, const char *keyword, const char *relation,
                        const char *noun) {
    return count_message(json::get_int(schema, keyword).value_or(0), relation, noun);
}

// The message for the keyword RapidJSON reported; the details come from the schema node and
// the value, because RapidJSON 1.1 reports only where and which keyword.
std::string describe(const std::string &keyword, const json::Value &schema,
                     const json::Value *value, const std::string &pointer) {
    if (keyword == "type") return "expected " + expected_types(schema) + got(value);
    if (keyword == "enum") {
        return "must be one of: " + join(string_list(json::find(schema, "enum"))) +
               (value ? " (got " + short_value(*value) + ")" : "");
    }
    if (keyword == "additionalProperties") return unknown_key(pointer, schema);
    if (keyword == "required") return missing_key(schema, value);
    if (keyword == "minimum") return bound(schema, "minimum", "exclusiveMinimum", ">=", ">", value);
    if (keyword == "maximum") return bound(schema, "maximum", "exclusiveMaximum", "<=", "<", value);
    if (keyword == "multipleOf") {
        return "must be a multiple of " + json::to_string(schema["multipleOf"]) + got(value);
    }
    if (keyword == "minLength") {
        if (json::get_int(schema, "minLength") == 1) return "must not be empty";
        return count_limit(schema, "minLength", "at least", "character");
    }
    if (keyword == "maxLength") return count_limit(schema, "maxLength", "at most", "character");
    if (keyword == "pattern") {
        return "must match the pattern " + json::to_string(schema["pattern"]) + got(value);
    }
    if (keyword == "minItems") return count_limit(schema, "minItems", "at least", "item");
    if (keyword == "maxItems") return count_limit(schema, "maxItems", "at most", "item");
    if (keyword == "items") {
        // RapidJSON 1.1 reports "items", not "additionalItems", for an item beyond a tuple
        // (`items` a list of positions, `additionalItems: false`): its length is the limit.
        const json::Value *items = json::find(schema, "items");
        const int64_t limit = items != nullptr && items->IsArray() ? items->Size() : 0;
        return count_message(limit, "at most", "item");
    }
    if (keyword == "uniqueItems") return "repeats an earlier item (items must be unique)";
    if (keyword == "minProperties") return count_limit(schema, "minProperties", "at least", "key");
    if (keyword == "maxProperties") return count_limit(schema, "maxProperties", "at most", "key");
    if (keyword == "anyOf") return "does not match any of the allowed forms";
    if (keyword == "oneOf") return "must match exactly one of the allowed forms";
    if (keyword == "allOf") return "does not match all of the required forms";
    if (keyword == "not") return "matches a form that is not allowed";
    return "does not satisfy the schema's \"" + keyword + "\" rule";
}

std::string to_pointer_string(const rapidjson::Pointer &pointer) {
    rapidjson::StringBuffer buffer;
    pointer.Stringify(buffer);
    return {buffer.GetString(), buffer.GetSize()};
}

const EnvOverride *override_for(const std::string &pointer,
                                const std::vector<EnvOverride> &overrides) {
    for (const EnvOverride &candidate : overrides) {
        if (pointer == candidate.pointer || pointer.rfind(candidate.pointer + "/", 0) == 0) {
            return &candidate;
        }
    }
    return nullptr;
}

} // namespace

struct Schema::Impl {
    json::Document document;
    std::unique_ptr<rapidjson::SchemaDocument> compiled;
};

Schema::Schema(std::string_view text, std::string_view what, ErrorCode code)
    : impl_(std::make_unique<Impl>()) {
    impl_->document = json::parse_object(text, what, code);
    impl_->compiled = std::make_unique<rapidjson::SchemaDocument>(impl_->document);
}

Schema::~Schema() = default;
Schema::Schema(Schema &&) noexcept = default;
Schema &Schema::operator=(Schema &&) noexcept = default;

const json::Value &Schema::root() const {
    return impl_->document;
}

std::optional<Violation> Schema::check(const json::Value &value) const {
    rapidjson::SchemaValidator validator(*impl_->compiled);
    if (value.Accept(validator)) return std::nullopt;

    const std::string keyword = validator.GetInvalidSchemaKeyword();
    const std::string pointer = to_pointer_string(validator.GetInvalidDocumentPointer());
    const json::Value *schema = validator.GetInvalidSchemaPointer().Get(impl_->document);
    const json::Value *node = rapidjson::Pointer(pointer.c_str()).Get(value);
    static const json::Value empty(rapidjson::kObjectType);
    Violation violation;
    violation.pointer = pointer;
    violation.at_key = keyword == "additionalProperties";
    violation.message = describe(keyword, schema ? *schema : empty, node, pointer);
    return violation;
}

void Schema::validate(const json::Value &value, const Located &where,
                      const std::vector<EnvOverride> &overrides) const {
    const std::optional<Violation> violation = check(value);
    if (!violation) return;
    if (const EnvOverride *env = override_for(violation->pointer, overrides)) {
        throw Error(ErrorCode::config, "environment variable " + env->variable + " (sets " +
                                           where.path(env->pointer) + "): " + violation->message);
    }
    throw Error(ErrorCode::config,
                where.describe(violation->pointer, violation->message, violation->at_key));
}

void validate(const json::Value &value, std::string_view schema_text, const Located &where,
              const std::vector<EnvOverride> &overrides) {
    Schema(schema_text).validate(value, where, overrides);
}

} // namespace tinyllm::config
