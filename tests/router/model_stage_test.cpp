// The model stage (plugins/node/router/model_stage.*): the prompt file read, the answer's
// schema (the route's enum made this router's routes), the chat request built from the prompt,
// and the model's answer read: valid, outside the enum, not JSON, below min_confidence,
// missing fields.
#include "model_stage.hpp"

#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::router {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kRoutes = {"math", "code", "general"};

StageResult answer(std::string_view text, double min_confidence = 0.6) {
    return parse_answer(text, kRoutes, min_confidence);
}

TEST(RouterModelStage, AValidAnswerIsSure) {
    const StageResult r = answer(R"({"route":"code","confidence":0.92})");
    ASSERT_EQ(r.outcome, Outcome::sure) << r.detail;
    EXPECT_EQ(r.route, 1);
    EXPECT_DOUBLE_EQ(r.confidence, 0.92);
    ASSERT_EQ(r.scores.size(), 3u);
    EXPECT_DOUBLE_EQ(r.scores[1], 0.92);
    EXPECT_FALSE(has_score(r.scores[0])); // the model said nothing about the others
    EXPECT_EQ(r.detail, "code with confidence 0.92");
    // Other members (a reason) are allowed; so are whitespace and a Markdown fence.
    EXPECT_EQ(answer(R"( {"reason":"sums","route":"math","confidence":1} )").route, 0);
    EXPECT_EQ(answer("```json\n{\"route\":\"math\",\"confidence\":0.7}\n```").route, 0);
    EXPECT_EQ(answer("```\n{\"route\":\"general\",\"confidence\":0.7}\n```").route, 2);
    EXPECT_EQ(answer(R"({"route":"math","confidence":0})", 0).outcome, Outcome::sure);
}

TEST(RouterModelStage, ARouteOutsideTheEnumFails) {
    const StageResult r = answer(R"({"route":"poetry","confidence":0.99})");
    EXPECT_EQ(r.outcome, Outcome::failed);
    EXPECT_EQ(r.route, -1);
    EXPECT_EQ(r.detail, "the answer's route \"poetry\" is not one of math, code, general");
    EXPECT_EQ(answer(R"({"route":"Math","confidence":0.99})").outcome, Outcome::failed);
}

TEST(RouterModelStage, AnAnswerThatIsNotAJsonObjectFails) {
    const StageResult r = answer("The route is math.");
    EXPECT_EQ(r.outcome, Outcome::failed);
    EXPECT_EQ(r.detail, "the answer is not a JSON object: The route is math.");
    EXPECT_EQ(answer(R"({"route":"math","confidence":0.9)").outcome, Outcome::failed);
    EXPECT_EQ(answer(R"(["math",0.9])").outcome, Outcome::failed);
    EXPECT_EQ(answer("").outcome, Outcome::failed);
    // A long answer is cut in the detail.
    const StageResult long_one = answer(std::string(500, 'x'));
    EXPECT_LT(long_one.detail.size(), 130u);
    EXPECT_THAT(long_one.detail, HasSubstr("..."));
}

TEST(RouterModelStage, MissingOrMistypedFieldsFail) {
    EXPECT_EQ(answer(R"({"confidence":0.9})").detail,
              R"(the answer has no "route" string: {"confidence":0.9})");
    EXPECT_EQ(answer(R"({"route":3,"confidence":0.9})").outcome, Outcome::failed);
    EXPECT_EQ(answer(R"({"route":"math"})").detail,
              R"(the answer has no "confidence" number: {"route":"math"})");
    EXPECT_EQ(answer(R"({"route":"math","confidence":"0.9"})").outcome, Outcome::failed);
    EXPECT_EQ(answer(R"({"route":"math","confidence":1.5})").detail,
              "the answer's confidence 1.5 is not between 0 and 1");
    EXPECT_EQ(answer(R"({"route":"math","confidence":-0.1})").outcome, Outcome::failed);
}

TEST(RouterModelStage, ConfidenceBelowTheMinimumIsNotSure) {
    const StageResult r = answer(R"({"route":"math","confidence":0.4})");
    EXPECT_EQ(r.outcome, Outcome::unsure);
    EXPECT_EQ(r.route, -1);
    EXPECT_DOUBLE_EQ(r.scores[0], 0.4);
    EXPECT_EQ(r.detail, "math with confidence 0.40, below min_confidence 0.60");
    EXPECT_EQ(answer(R"({"route":"math","confidence":0.6})").outcome, Outcome::sure);
}

json::Document parsed(const std::string &text) {
    return json::parse(text, "test");
}

TEST(RouterModelStage, TheFormatsRouteEnumIsTheRouters) {
    const json::Document f = parsed(format_for(
        R"({"type":"object","properties":{"route":{"type":"string","enum":["a","b"],)"
        R"("description":"where"},"confidence":{"type":"number"},"reason":{"type":"string"}},)"
        R"("required":["route","confidence","reason"]})",
        kRoutes));
    const json::Value &route = f["properties"]["route"];
    ASSERT_EQ(route["enum"].Size(), 3u);
    EXPECT_STREQ(route["enum"][0].GetString(), "math");
    EXPECT_STREQ(route["enum"][2].GetString(), "general");
    EXPECT_STREQ(route["description"].GetString(), "where"); // the rest of the property stays
    EXPECT_TRUE(f["properties"].HasMember("reason"));
    EXPECT_EQ(f["required"].Size(), 3u);
}

TEST(RouterModelStage, WithoutASchemaTheRouterWritesOne) {
    for (const std::string_view format : {std::string_view(), std::string_view(R"("json")")}) {
        const json::Document f = parsed(format_for(format, kRoutes));
        EXPECT_STREQ(f["type"].GetString(), "object");
        EXPECT_EQ(f["properties"]["route"]["enum"].Size(), 3u);
        EXPECT_EQ(f["properties"]["confidence"]["maximum"].GetInt(), 1);
        EXPECT_EQ(f["required"].Size(), 2u);
    }
    // A schema without the route or the confidence gets them, required.
    const json::Document f =
        parsed(format_for(R"({"type":"object","properties":{"why":{"type":"string"}}})", kRoutes));
    EXPECT_EQ(f["properties"]["route"]["enum"].Size(), 3u);
    EXPECT_TRUE(f["properties"].HasMember("confidence"));
    EXPECT_TRUE(f["properties"].HasMember("why"));
    EXPECT_EQ(f["required"].Size(), 2u);
    EXPECT_THROW(format_for("[1]", kRoutes), Error);
}

const char *const kPrompt = R"({
  "id": "routing/task_classifier", "version": "1.0.0", "description": "Classify",
  "system": "You classify requests into {{routes}}.",
  "template": "Routes: {{routes}}\nRequest: {{input}}",
  "variables": {"input": {"required": true, "description": "the request"},
                "routes": {"required": false}},
  "format": {"type": "object", "properties": {"route": {"type": "string", "enum": ["x"]},
             "confidence": {"type": "number"}}, "required": ["route", "confidence"]},
  "examples": [
    {"input": "what is 2+2", "output": "{\"route\":\"math\",\"confidence\":0.95}"},
    {"input": "write a poem", "output": {"route": "poetry", "confidence": 0.9}},
    {"input": "fix my loop", "output": {"route": "code", "confidence": 0.9}}
  ],
  "model": {"role": "router", "min_size": "0.5b"}
})";

TEST(RouterModelStage, ThePromptFileIsRead) {
    const Prompt p = parse_prompt(kPrompt);
    EXPECT_EQ(p.id, "routing/task_classifier");
    EXPECT_EQ(p.version, "1.0.0");
    EXPECT_EQ(p.system, "You classify requests into {{routes}}.");
    EXPECT_EQ(p.template_text, "Routes: {{routes}}\nRequest: {{input}}");
    ASSERT_EQ(p.examples.size(), 3u);
    EXPECT_EQ(p.examples[0].second, R"({"route":"math","confidence":0.95})");
    EXPECT_EQ(p.examples[2].second, R"({"route":"code","confidence":0.9})"); // object: its JSON
    EXPECT_EQ(p.required_variables, std::vector<std::string>{"input"});
    // "required" defaults to true, as in a prompt file.
    EXPECT_EQ(parse_prompt(R"({"variables":{"a":{},"b":{"required":false}}})").required_variables,
              std::vector<std::string>{"a"});
    EXPECT_EQ(p.role, "router");
    EXPECT_EQ(p.min_size, "0.5b");
    EXPECT_THAT(p.format_json, HasSubstr(R"("enum":["x"])"));

    const Prompt bare = parse_prompt(R"({"id":"p"})");
    EXPECT_TRUE(bare.template_text.empty());
    EXPECT_TRUE(bare.format_json.empty());
    EXPECT_THROW(parse_prompt(R"({"id":"p","examples":{}})"), Error);
    EXPECT_THROW(parse_prompt(R"({"id":"p","system":3})"), Error);
    EXPECT_THROW(parse_prompt("[]"), Error);
}

TEST(RouterModelStage, TheRequestIsSystemExamplesThenTheInput) {
    const ModelStage stage(parse_prompt(kPrompt), kRoutes, 0.6);
    EXPECT_EQ(stage.examples_used(), 2u);
    EXPECT_EQ(stage.examples_dropped(), 1u); // "poetry" is not a route here
    const sdk::ChatRequest r = stage.request_for("what is 12 times 7?");
    ASSERT_EQ(r.messages.size(), 6u);
    EXPECT_EQ(r.messages[0].role, "system");
    EXPECT_EQ(r.messages[0].content, "You classify requests into math, code, general.");
    EXPECT_EQ(r.messages[1].role, "user");
    EXPECT_EQ(r.messages[1].content, "what is 2+2"); // examples go as written
    EXPECT_EQ(r.messages[2].role, "assistant");
    EXPECT_EQ(r.messages[2].content, R"({"route":"math","confidence":0.95})");
    EXPECT_EQ(r.messages[3].content, "fix my loop");
    EXPECT_EQ(r.messages[5].role, "user");
    EXPECT_EQ(r.messages[5].content, "Routes: math, code, general\nRequest: what is 12 times 7?");
    EXPECT_FALSE(r.stream);
    EXPECT_EQ(r.options_json, R"({"temperature":0})");
    EXPECT_TRUE(r.model.empty()); // the plugin's choice
    const json::Document format = parsed(r.format_json);
    EXPECT_EQ(format["properties"]["route"]["enum"].Size(), 3u);
    // Values go in verbatim (no HTML escaping).
    EXPECT_EQ(stage.request_for("a < b & \"c\"").messages.back().content,
              "Routes: math, code, general\nRequest: a < b & \"c\"");
    EXPECT_EQ(stage.read_answer(R"({"route":"code","confidence":0.8})").route, 1);
}

TEST(RouterModelStage, ABarePromptAsksWithTheInputAlone) {
    const ModelStage stage(parse_prompt(R"({"id":"p"})"), kRoutes, 0.6);
    const sdk::ChatRequest r = stage.request_for("hi {{there}}");
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].role, "user");
    EXPECT_EQ(r.messages[0].content, "hi {{there}}"); // the input is a value, not a template
}

TEST(RouterModelStage, APromptNeedingOtherVariablesCannotServeARouter) {
    try {
        ModelStage(parse_prompt(R"({"id":"p","template":"{{input}} {{topic}}",)"
                                R"("variables":{"input":{"required":true},"topic":{}}})"),
                   kRoutes, 0.6);
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_EQ(std::string(e.what()), "prompt p needs the variable \"topic\", which a router "
                                         "does not give (it gives input and routes)");
    }
    EXPECT_THROW(ModelStage(parse_prompt(R"({"id":"p","template":"{{#input}}"})"), kRoutes, 0.6),
                 Error);
}

} // namespace
} // namespace tinyllm::router
