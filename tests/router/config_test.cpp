// The router's config (plugins/node/router/router_config.*, config_schema.hpp): the schema
// accepts the documented shape and refuses unknown keys; the parser checks what the schema
// cannot (every route named anywhere is one of `routes`) and names the key.
#include "router_config.hpp"

#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <rapidjson/schema.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace tinyllm::router {
namespace {

using ::testing::HasSubstr;

// The brief's example config, as the host hands it over (YAML made JSON).
const char *const kFull = R"({
  "routes": ["math", "code", "general"],
  "default": "general",
  "rules": {
    "math": {"keywords": ["calculate", "how much", "percent"],
             "patterns": ["\\d+\\s*[-+*/^x×÷]\\s*\\d+"]},
    "code": {"keywords": ["python", "function", "compile", "bug"],
             "patterns": ["```", "\\bdef\\s+\\w+\\("]},
    "min_score": 1
  },
  "semantic": {
    "model": "nomic-embed-text", "threshold": 0.75, "margin": 0.02,
    "thresholds": {"math": 0.8},
    "examples": {"math": ["what is 12 times 7"],
                 "code": ["write a function that reverses a string", "fix this loop"]}
  },
  "model": {"prompt_id": "routing/task_classifier", "model": "", "min_confidence": 0.6}
})";

bool valid(const std::string &config) {
    json::Document schema_doc = json::parse(kConfigSchema, "schema");
    const rapidjson::SchemaDocument schema(schema_doc);
    rapidjson::SchemaValidator validator(schema);
    const json::Document doc = json::parse(config, "config");
    return doc.Accept(validator);
}

TEST(RouterConfig, TheSchemaAcceptsTheDocumentedShapeAndNothingElse) {
    EXPECT_TRUE(valid(kFull));
    EXPECT_TRUE(valid(R"({"routes":["a"],"default":"a"})"));
    EXPECT_FALSE(valid(R"({"routes":["a"]})"));                         // default required
    EXPECT_FALSE(valid(R"({"routes":[],"default":"a"})"));              // at least one
    EXPECT_FALSE(valid(R"({"routes":["a","a"],"default":"a"})"));       // unique
    EXPECT_FALSE(valid(R"({"routes":["Big"],"default":"Big"})"));       // [a-z0-9_.-]+
    EXPECT_FALSE(valid(R"({"routes":["a"],"default":"a","extra":1})")); // additionalProperties
    EXPECT_FALSE(valid(R"({"routes":["a"],"default":"a","rules":{"a":{"keyword":["x"]}}})"));
    EXPECT_FALSE(valid(R"({"routes":["a"],"default":"a","rules":{"min_score":0}})"));
    EXPECT_FALSE(valid(R"({"routes":["a"],"default":"a","semantic":{"threshold":0.5}})"));
    EXPECT_FALSE(valid(R"({"routes":["a"],"default":"a","semantic":{"examples":{"a":[]}}})"));
    EXPECT_FALSE(valid(R"({"routes":["a"],"default":"a","model":{"model":"m"}})"));
    EXPECT_FALSE(valid(R"({"routes":["a"],"default":"a","model":{"prompt_id":"p","x":1}})"));
}

TEST(RouterConfig, TheDocumentedShapeIsParsed) {
    const RouterConfig c = parse_config(kFull);
    EXPECT_EQ(c.routes, (std::vector<std::string>{"math", "code", "general"}));
    EXPECT_EQ(c.default_route, 2);
    ASSERT_TRUE(c.rules);
    EXPECT_EQ(c.rules->min_score, 1);
    ASSERT_EQ(c.rules->by_route.size(), 3u);
    EXPECT_EQ(c.rules->by_route[0].keywords.size(), 3u);
    EXPECT_EQ(c.rules->by_route[1].patterns[1], R"(\bdef\s+\w+\()");
    EXPECT_TRUE(c.rules->by_route[2].keywords.empty());
    ASSERT_TRUE(c.semantic);
    EXPECT_EQ(c.semantic->model, "nomic-embed-text");
    EXPECT_EQ(c.semantic->thresholds, (std::vector<double>{0.8, 0.75, 0.75}));
    EXPECT_DOUBLE_EQ(c.semantic->margin, 0.02);
    ASSERT_EQ(c.semantic->examples.size(), 3u);
    EXPECT_EQ(c.semantic->examples[2], (std::pair<int, std::string>{1, "fix this loop"}));
    ASSERT_TRUE(c.model);
    EXPECT_EQ(c.model->prompt_id, "routing/task_classifier");
    EXPECT_DOUBLE_EQ(c.model->min_confidence, 0.6);

    const RouterConfig bare = parse_config(R"({"routes":["a","b"],"default":"b"})");
    EXPECT_EQ(bare.default_route, 1);
    EXPECT_FALSE(bare.rules || bare.semantic || bare.model);
}

std::string error_of(const std::string &config) {
    try {
        parse_config(config);
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        return e.what();
    }
    return "(no error)";
}

TEST(RouterConfig, EveryRouteNamedMustBeARouteAndTheKeyIsNamed) {
    const std::string routes = R"("routes":["math","code"],"default":"code")";
    EXPECT_EQ(error_of(R"({"routes":["math","code"],"default":"chat"})"),
              "default: not one of the routes (math, code)");
    EXPECT_EQ(error_of("{" + routes + R"(,"rules":{"poetry":{"keywords":["rhyme"]}}})"),
              "rules.poetry: not one of the routes (math, code)");
    EXPECT_EQ(error_of("{" + routes + R"(,"semantic":{"examples":{"chat":["hi"]}}})"),
              "semantic.examples.chat: not one of the routes (math, code)");
    EXPECT_EQ(error_of("{" + routes +
                       R"(,"semantic":{"thresholds":{"chat":0.5},"examples":{"math":["1+1"]}}})"),
              "semantic.thresholds.chat: not one of the routes (math, code)");
}

TEST(RouterConfig, WhatTheSchemaChecksIsCheckedAgainForDirectCallers) {
    EXPECT_EQ(error_of(R"({"default":"a"})"), "routes: required: at least one route");
    EXPECT_EQ(error_of(R"({"routes":["a","b","a"],"default":"a"})"),
              "routes[2]: \"a\" repeats routes[0]");
    EXPECT_EQ(error_of(R"({"routes":["a b"],"default":"a b"})"),
              "routes[0]: \"a b\" is not a route name ([a-z0-9_.-]+)");
    EXPECT_EQ(error_of(R"({"routes":["a"]})"),
              "default: required: the route taken when no stage is sure");
    EXPECT_EQ(error_of(R"({"routes":"a","default":"a"})"), "routes: expected an array, got string");
    EXPECT_EQ(error_of(R"({"routes":["a"],"default":"a","rules":{"a":{"keywords":["x",""]}}})"),
              "rules.a.keywords[1]: empty");
    EXPECT_EQ(error_of(R"({"routes":["a"],"default":"a","rules":{"a":{"regex":["x"]}}})"),
              "rules.a.regex: unknown key (keywords or patterns)");
    EXPECT_EQ(error_of(R"({"routes":["a"],"default":"a","rules":{"min_score":0}})"),
              "rules.min_score: must be an integer of at least 1");
    EXPECT_EQ(error_of(R"({"routes":["a"],"default":"a","semantic":{}})"),
              "semantic.examples: needs example requests for at least one route");
    EXPECT_EQ(error_of(R"({"routes":["a"],"default":"a","semantic":{"examples":{"a":[]}}})"),
              "semantic.examples: needs at least one example request");
    EXPECT_EQ(error_of(R"({"routes":["a"],"default":"a","model":{}})"),
              "model.prompt_id: required (a prompt file id such as routing/task_classifier)");
    EXPECT_THAT(error_of("{"), HasSubstr("router config: invalid JSON"));
}

} // namespace
} // namespace tinyllm::router
