// The rules that read the answer as JSON: json and json_schema.
#include "rules.hpp"
#include "text.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>

namespace tinyllm::answer {

namespace {

// Deeper documents are refused before parsing: schema validation walks them recursively, and
// the host's own JSON reader draws the same line.
constexpr size_t kMaxDepth = 512;

// The JSON text of an answer: its ```json block, or the answer when it is one fenced block of
// any tag (models fence JSON by habit), or else the whole answer.
struct JsonText {
    std::string_view text;
    std::string where; // "the answer", "the ```json block at line 3"
};

JsonText json_text_of(const Answer &answer) {
    for (const FencedBlock &b : answer.fences.blocks) {
        if (b.language == "json")
            return {b.code, "the ```json block at line " + std::to_string(b.line)};
    }
    const std::string_view trimmed = trim(answer.content);
    const bool fenced = trimmed.rfind("```", 0) == 0 || trimmed.rfind("~~~", 0) == 0;
    if (fenced && answer.fences.blocks.size() == 1) {
        const FencedBlock &b = answer.fences.blocks.front();
        return {b.code, "the fenced block at line " + std::to_string(b.line)};
    }
    return {trimmed, "the answer"};
}

size_t nesting_depth(std::string_view text) {
    size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

// Parses `source`; on failure `reason` says where and why, for the model.
bool parse(const JsonText &source, json::Document &doc, std::string &reason) {
    if (nesting_depth(source.text) > kMaxDepth) {
        reason =
            source.where + " is JSON nested deeper than " + std::to_string(kMaxDepth) + " levels";
        return false;
    }
    constexpr unsigned kFlags =
        rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
    doc.Parse<kFlags>(source.text.data(), source.text.size());
    if (!doc.HasParseError()) return true;
    const json::Position at = json::position_of(source.text, doc.GetErrorOffset());
    std::string message = rapidjson::GetParseError_En(doc.GetParseError());
    if (!message.empty() && message.back() == '.') message.pop_back();
    reason = source.where + " is not valid JSON: " + message + " (line " + std::to_string(at.line) +
             ", column " + std::to_string(at.column) + ")";
    return false;
}

class Json final : public Rule {
public:
    Outcome check(const Answer &answer, Tools &) const override {
        const JsonText source = json_text_of(answer);
        json::Document doc;
        std::string reason;
        if (!parse(source, doc, reason)) return {false, reason, {}};
        return {
            true, {}, "valid JSON " + std::string(json::type_name(doc)) + " in " + source.where};
    }
};

// "string \"abc\"", "integer 5", "object": what the value at fault is.
std::string describe_value(const json::Value &value) {
    std::string out(json::type_name(value));
    if (value.IsObject() || value.IsArray() || value.IsNull()) return out;
    return out + " " + excerpt(json::to_string(value), 40);
}

std::string expected_type(const json::Value &schema) {
    const json::Value *type = json::find(schema, "type");
    if (type == nullptr) return "another type";
    if (type->IsString()) return type->GetString();
    std::string out;
    if (type->IsArray()) {
        for (const json::Value &t : type->GetArray())
            if (t.IsString()) out += (out.empty() ? "" : " or ") + std::string(t.GetString());
    }
    return out.empty() ? "another type" : out;
}

std::string limit(const json::Value &schema, const char *keyword) {
    const json::Value *v = json::find(schema, keyword);
    return v != nullptr ? json::to_string(*v) : "?";
}

// What broke, from the keyword RapidJSON reports, the schema node and the value (RapidJSON 1.1
// says only where and which keyword).
std::string describe(std::string_view keyword, const json::Value &schema, const json::Value *value,
                     const std::string &pointer) {
    const std::string got = value != nullptr ? ", got " + describe_value(*value) : "";
    if (keyword == "type") return "expected " + expected_type(schema) + got;
    if (keyword == "enum") return "must be one of " + limit(schema, "enum") + got;
    if (keyword == "required") {
        if (const json::Value *required = json::find(schema, "required");
            required && required->IsArray()) {
            for (const json::Value &name : required->GetArray()) {
                if (name.IsString() && value && value->IsObject() && !value->HasMember(name))
                    return "missing required key \"" + std::string(name.GetString()) + "\"";
            }
        }
        return "missing a required key";
    }
    if (keyword == "additionalProperties") {
        const size_t slash = pointer.rfind('/');
        return "unknown key \"" + pointer.substr(slash + 1) +
               "\" (the schema allows no other keys)";
    }
    const bool exclusive_min = json::get_bool(schema, "exclusiveMinimum").value_or(false);
    const bool exclusive_max = json::get_bool(schema, "exclusiveMaximum").value_or(false);
    if (keyword == "minimum")
        return std::string("must be ") + (exclusive_min ? "> " : ">= ") + limit(schema, "minimum") +
               got;
    if (keyword == "maximum")
        return std::string("must be ") + (exclusive_max ? "< " : "<= ") + limit(schema, "maximum") +
               got;
    if (keyword == "multipleOf")
        return "must be a multiple of " + limit(schema, "multipleOf") + got;
    if (keyword == "minLength")
        return "must have at least " + limit(schema, "minLength") + " characters" + got;
    if (keyword == "maxLength")
        return "must have at most " + limit(schema, "maxLength") + " characters" + got;
    if (keyword == "pattern") return "must match the pattern " + limit(schema, "pattern") + got;
    if (keyword == "minItems") return "must have at least " + limit(schema, "minItems") + " items";
    if (keyword == "maxItems" || keyword == "additionalItems")
        return "must have at most " + limit(schema, "maxItems") + " items";
    if (keyword == "uniqueItems") return "has repeated items (they must be unique)";
    if (keyword == "minProperties")
        return "must have at least " + limit(schema, "minProperties") + " keys";
    if (keyword == "maxProperties")
        return "must have at most " + limit(schema, "maxProperties") + " keys";
    if (keyword == "anyOf" || keyword == "oneOf")
        return "does not match the allowed forms (" + std::string(keyword) + ")";
    if (keyword == "allOf") return "does not match all of the required forms";
    if (keyword == "not") return "matches a form that is not allowed";
    return "fails the schema's \"" + std::string(keyword) + "\" rule";
}

std::string pointer_text(const rapidjson::Pointer &pointer) {
    rapidjson::StringBuffer buffer;
    pointer.Stringify(buffer);
    return {buffer.GetString(), buffer.GetSize()};
}

class JsonSchema final : public Rule {
public:
    explicit JsonSchema(const json::Value &schema) {
        if (!schema.IsObject()) throw ConfigError("schema", "must be a JSON Schema object");
        schema_.CopyFrom(schema, schema_.GetAllocator());
        compiled_ = std::make_unique<rapidjson::SchemaDocument>(schema_);
    }

    Outcome check(const Answer &answer, Tools &) const override {
        const JsonText source = json_text_of(answer);
        json::Document doc;
        std::string reason;
        if (!parse(source, doc, reason)) return {false, reason, {}};
        rapidjson::SchemaValidator validator(*compiled_);
        if (doc.Accept(validator))
            return {true, {}, "the JSON in " + source.where + " matches the schema"};

        const std::string pointer = pointer_text(validator.GetInvalidDocumentPointer());
        const json::Value *schema_node = validator.GetInvalidSchemaPointer().Get(schema_);
        const json::Value *value = rapidjson::Pointer(pointer.c_str()).Get(doc);
        static const json::Value empty(rapidjson::kObjectType);
        // An unknown key is reported at the member; say where its object is.
        const std::string keyword = validator.GetInvalidSchemaKeyword();
        std::string at =
            keyword == "additionalProperties" ? pointer.substr(0, pointer.rfind('/')) : pointer;
        at = at.empty() ? "at the top level" : "at " + at;
        return {false,
                "the JSON in " + source.where + " does not match the schema " + at + ": " +
                    describe(keyword, schema_node ? *schema_node : empty, value, pointer),
                {}};
    }

private:
    json::Document schema_;
    std::unique_ptr<rapidjson::SchemaDocument> compiled_;
};

} // namespace

RulePtr make_json() {
    return std::make_unique<Json>();
}

RulePtr make_json_schema(const json::Value &schema) {
    return std::make_unique<JsonSchema>(schema);
}

} // namespace tinyllm::answer
