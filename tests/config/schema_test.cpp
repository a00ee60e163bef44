// Schema validation messages, defaults and x-env overrides, tied to YAML positions.
#include "config/schema.hpp"
#include "config/suggest.hpp"
#include "config/yaml_json.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace tinyllm::config {
namespace {

using test::config_error;
using test::fake_env;

// Shaped like a backend plugin's config_schema.
constexpr const char *backend_schema = R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["url"],
  "properties": {
    "url": {"type": "string", "x-env": "TEST_HOST", "description": "server"},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 60000, "default": 2000},
    "mode": {"type": "string", "enum": ["fast", "slow"], "default": "fast"},
    "tls": {
      "type": "object",
      "default": {},
      "properties": {
        "verify": {"type": "boolean", "default": true},
        "ca_file": {"type": "string", "x-env": "TEST_CA"}
      }
    }
  }
})";

// models.yaml with the backend's config at /backends/0/config, as the host will see it.
std::string models_yaml(const std::string &config_lines) {
    return "backends:\n"
           "  - name: local\n"
           "    type: ollama\n"
           "    config:\n" +
           config_lines;
}

// Validate /backends/0/config of `yaml` against backend_schema, the way the host will.
void validate_backend_config(const std::string &yaml, const Getenv &getenv = fake_env({})) {
    YamlDocument doc = parse_yaml(yaml, "models.yaml");
    json::Value &config = doc.value["backends"][0]["config"];
    const Schema schema(backend_schema);
    apply_defaults(config, schema.root(), doc.value.GetAllocator());
    const auto overrides =
        apply_env_overrides(config, schema.root(), doc.value.GetAllocator(), getenv);
    schema.validate(config, Located{doc.positions, "/backends/0/config"}, overrides);
}

TEST(Schema, WrongTypeNamesPositionPathAndValue) {
    EXPECT_EQ(config_error([] {
                  validate_backend_config(models_yaml("      url: http://x\n"
                                                      "      timeout_ms: abc\n"));
              }),
              "models.yaml:6:19: backends[0].config.timeout_ms: expected integer, got string "
              "\"abc\"");
}

TEST(Schema, UnknownKeySuggestsTheClosestProperty) {
    EXPECT_EQ(config_error([] {
                  validate_backend_config(models_yaml("      url: http://x\n"
                                                      "      tiemout_ms: 5\n"));
              }),
              "models.yaml:6:7: backends[0].config: unknown key \"tiemout_ms\" (did you mean "
              "\"timeout_ms\"?)");
}

TEST(Schema, UnknownKeyWithoutCloseMatchListsTheKeys) {
    const std::string message = config_error([] {
        validate_backend_config(models_yaml("      url: http://x\n"
                                            "      colour: blue\n"));
    });
    EXPECT_EQ(message, "models.yaml:6:7: backends[0].config: unknown key \"colour\" (expected "
                       "one of: url, timeout_ms, mode, tls)");
}

TEST(Schema, MissingRequiredKeyPointsAtTheParent) {
    EXPECT_EQ(config_error([] { validate_backend_config(models_yaml("      mode: slow\n")); }),
              "models.yaml:5:7: backends[0].config: missing required key \"url\"");
}

TEST(Schema, EnumListsTheAllowedValues) {
    EXPECT_EQ(config_error([] {
                  validate_backend_config(models_yaml("      url: http://x\n"
                                                      "      mode: turbo\n"));
              }),
              "models.yaml:6:13: backends[0].config.mode: must be one of: fast, slow (got "
              "\"turbo\")");
}

TEST(Schema, MinimumAndMaximum) {
    EXPECT_EQ(config_error([] {
                  validate_backend_config(models_yaml("      url: http://x\n"
                                                      "      timeout_ms: 0\n"));
              }),
              "models.yaml:6:19: backends[0].config.timeout_ms: must be >= 1, got integer 0");
    EXPECT_EQ(config_error([] {
                  validate_backend_config(models_yaml("      url: http://x\n"
                                                      "      timeout_ms: 70000\n"));
              }),
              "models.yaml:6:19: backends[0].config.timeout_ms: must be <= 60000, got integer "
              "70000");
}

TEST(Schema, NestedObjectErrors) {
    EXPECT_EQ(config_error([] {
                  validate_backend_config(models_yaml("      url: http://x\n"
                                                      "      tls:\n"
                                                      "        verify: maybe\n"));
              }),
              "models.yaml:7:17: backends[0].config.tls.verify: expected boolean, got string "
              "\"maybe\"");
}

TEST(Schema, WholeValueOfWrongType) {
    const Schema schema(backend_schema);
    const YamlDocument doc = parse_yaml("- a\n- b\n", "c.yaml");
    EXPECT_EQ(config_error([&] {
                  schema.validate(doc.value, Located{doc.positions, ""});
              }),
              "c.yaml:1:1: expected object, got array");
}

TEST(Schema, CheckWithoutPositions) {
    const Schema schema(backend_schema);
    json::Document value = json::parse(R"({"url": 5})", "test");
    const auto violation = schema.check(value);
    ASSERT_TRUE(violation.has_value());
    EXPECT_EQ(violation->pointer, "/url");
    EXPECT_EQ(violation->message, "expected string, got integer 5");
    EXPECT_EQ(config_error([&] { schema.validate(value, Located{}); }),
              "url: expected string, got integer 5");
    EXPECT_FALSE(schema.check(json::parse(R"({"url": "x"})", "test")).has_value());
}

TEST(Schema, DefaultsFillAbsentPropertiesRecursively) {
    const Schema schema(backend_schema);
    json::Document value = json::parse(R"({"url": "x", "timeout_ms": 5})", "test");
    apply_defaults(value, schema.root(), value.GetAllocator());
    EXPECT_EQ(value["timeout_ms"].GetInt(), 5); // present values are kept
    EXPECT_STREQ(value["mode"].GetString(), "fast");
    ASSERT_TRUE(value["tls"].IsObject());
    EXPECT_TRUE(value["tls"]["verify"].IsTrue());    // inside a defaulted object
    EXPECT_FALSE(value["tls"].HasMember("ca_file")); // no default, stays absent
}

TEST(Schema, DefaultsReachArrayItems) {
    const Schema schema(R"({"type": "object", "properties": {"list": {"type": "array",
        "items": {"type": "object", "properties": {"n": {"default": 1}}}}}})");
    json::Document value = json::parse(R"({"list": [{}, {"n": 2}]})", "test");
    apply_defaults(value, schema.root(), value.GetAllocator());
    EXPECT_EQ(value["list"][0]["n"].GetInt(), 1);
    EXPECT_EQ(value["list"][1]["n"].GetInt(), 2);
}

TEST(Schema, EnvOverrideSetsStringPropertiesAndReportsThem) {
    const Schema schema(backend_schema);
    json::Document value = json::parse(R"({"url": "http://file"})", "test");
    const auto overrides =
        apply_env_overrides(value, schema.root(), value.GetAllocator(),
                            fake_env({{"TEST_HOST", "http://env:1"}, {"TEST_CA", "/ca.pem"}}));
    EXPECT_STREQ(value["url"].GetString(), "http://env:1");
    EXPECT_STREQ(value["tls"]["ca_file"].GetString(), "/ca.pem"); // parent created on demand
    ASSERT_EQ(overrides.size(), 2u);
    EXPECT_EQ(overrides[0].pointer, "/url");
    EXPECT_EQ(overrides[0].variable, "TEST_HOST");
    EXPECT_EQ(overrides[0].value, "http://env:1");
    EXPECT_EQ(overrides[1].pointer, "/tls/ca_file");
}

TEST(Schema, EmptyOrUnsetVariableChangesNothing) {
    const Schema schema(backend_schema);
    json::Document value = json::parse(R"({"url": "http://file"})", "test");
    const auto overrides = apply_env_overrides(value, schema.root(), value.GetAllocator(),
                                               fake_env({{"TEST_HOST", ""}}));
    EXPECT_TRUE(overrides.empty());
    EXPECT_STREQ(value["url"].GetString(), "http://file");
    EXPECT_FALSE(value.HasMember("tls"));
}

TEST(Schema, BadValueFromTheEnvironmentNamesTheVariable) {
    const Schema schema(R"({"type": "object", "properties": {"level": {"type": "string",
        "enum": ["info", "debug"], "x-env": "TEST_LEVEL"}}})");
    const YamlDocument doc = parse_yaml("level: info\n", "s.yaml");
    json::Document value;
    value.CopyFrom(doc.value, value.GetAllocator());
    const auto overrides = apply_env_overrides(value, schema.root(), value.GetAllocator(),
                                               fake_env({{"TEST_LEVEL", "loud"}}));
    EXPECT_EQ(config_error([&] {
                  schema.validate(value, {doc.positions, ""}, overrides);
              }),
              "environment variable TEST_LEVEL (sets level): must be one of: info, debug (got "
              "\"loud\")");
}

TEST(Schema, MalformedSchemaIsAnError) {
    try {
        const Schema schema("{not json", "plugin schema");
        FAIL() << "expected an error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::internal);
        EXPECT_NE(std::string(e.what()).find("plugin schema: invalid JSON"), std::string::npos);
    }
}

// Each keyword's own message, for the keywords the backend schema above does not use: checked
// without positions, as a plugin's schema is checked against a value it produces.
std::string violation_of(const char *schema_text, const char *value_text) {
    const Schema schema(schema_text);
    const auto violation = schema.check(json::parse(value_text, "test"));
    return violation ? violation->message : "(no violation)";
}

TEST(Schema, EveryKeywordSaysWhatItWanted) {
    EXPECT_EQ(violation_of(R"({"type": "string", "pattern": "^[a-z]+$"})", R"("A1")"),
              "must match the pattern \"^[a-z]+$\", got string \"A1\"");
    EXPECT_EQ(violation_of(R"({"type": "array", "items": [{"type": "integer"}],
                               "additionalItems": false})",
                           "[1, 2]"),
              "must have at most 1 item");
    EXPECT_EQ(violation_of(R"({"type": "array", "uniqueItems": true})", "[1, 1]"),
              "repeats an earlier item (items must be unique)");
    EXPECT_EQ(violation_of(R"({"type": "object", "minProperties": 2})", R"({"a": 1})"),
              "must have at least 2 keys");
    EXPECT_EQ(violation_of(R"({"anyOf": [{"type": "string"}, {"type": "integer"}]})", "true"),
              "does not match any of the allowed forms");
    EXPECT_EQ(violation_of(R"({"oneOf": [{"type": "number"}, {"type": "integer"}]})", "1"),
              "must match exactly one of the allowed forms");
    EXPECT_EQ(violation_of(R"({"not": {"type": "integer"}})", "1"),
              "matches a form that is not allowed");
}

TEST(Suggest, AMatchMayBeAThirdOfTheWordAwayAndNoFurther) {
    // "colour" allows two edits: "colo" is two deletions away, "col" three.
    EXPECT_EQ(closest_match("colour", {"colo"}), "colo");
    EXPECT_EQ(closest_match("colour", {"col"}), std::nullopt);
    // A short word still allows one edit.
    EXPECT_EQ(closest_match("ab", {"abc"}), "abc");
    EXPECT_EQ(closest_match("ab", {"abcd"}), std::nullopt);
}

TEST(Suggest, EditDistanceCountsTranspositionsOnce) {
    EXPECT_EQ(edit_distance("tiemout_ms", "timeout_ms"), 1u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(closest_match("levle", {"level", "file"}), "level");
    EXPECT_EQ(closest_match("foo", {"url", "mode"}), std::nullopt);
}

} // namespace
} // namespace tinyllm::config
