// Prompt files: what loads, and each mistake reported as file:line:col with its key.
#include "prompts/prompt_file.hpp"
#include "prompts/prompt_render.hpp"

#include "test_support_common.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::prompts {
namespace {

using test_support::TempDir;
using ::testing::HasSubstr;

constexpr const char *kGood = R"(id: specialists/math
version: 1.2.0
description: Solves math.
model: {role: math, min_size: 1.5b}
system: You are exact.
template: |
  {{input}}
  {{#feedback}}Rejected: {{feedback}}{{/feedback}}
variables:
  input: {description: The request.}
  feedback: {required: false}
format: {type: object, properties: {answer: {type: number}}}
examples:
  - {input: "2+2", output: "4"}
)";

std::string load_error(const std::string &text, const std::string &id = "specialists/math") {
    TempDir dir;
    const auto path = dir.write(id + ".yaml", text);
    try {
        load_prompt_file(path, id);
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::config);
        return e.what();
    }
    ADD_FAILURE() << "expected an error";
    return {};
}

TEST(PromptFile, LoadsEveryField) {
    TempDir dir;
    const Prompt p =
        load_prompt_file(dir.write("specialists/math.yaml", kGood), "specialists/math");
    EXPECT_EQ(p.id, "specialists/math");
    EXPECT_EQ(p.version, "1.2.0");
    EXPECT_EQ(p.description, "Solves math.");
    EXPECT_EQ(p.role, "math");
    EXPECT_EQ(p.min_size, "1.5b");
    EXPECT_EQ(p.system, "You are exact.");
    ASSERT_EQ(p.variables.size(), 2u);
    EXPECT_EQ(p.variables[0].name, "input");
    EXPECT_TRUE(p.variables[0].required);
    EXPECT_FALSE(p.variables[1].required);
    ASSERT_TRUE(p.format_json);
    EXPECT_THAT(*p.format_json, HasSubstr("\"answer\""));
    ASSERT_EQ(p.examples.size(), 1u);
    EXPECT_EQ(p.examples[0].output, "4");
    const json::Document doc = json::parse(to_json(p), "service document");
    EXPECT_EQ(json::get_string(doc, "template").value_or(""), p.template_text);
    EXPECT_EQ(doc["model"]["role"], "math");
    EXPECT_TRUE(doc["variables"]["input"]["required"].GetBool());
}

TEST(PromptFile, TemplateErrorsNameFileLineColumnAndKey) {
    std::string e = load_error("id: specialists/math\nversion: 1.0.0\ntemplate: \"{{input\"\n"
                               "variables: {input: {}}\n");
    EXPECT_THAT(e, HasSubstr("specialists/math.yaml:3:11: template: invalid template")) << e;
    e = load_error("id: specialists/math\nversion: 1.0.0\ntemplate: \"{{#a}}x\"\n"
                   "variables: {a: {}}\n");
    EXPECT_THAT(e, HasSubstr(":3:11: template: invalid template")) << e;
    e = load_error("id: specialists/math\nversion: 1.0.0\ntemplate: \"{{> other}}\"\n");
    EXPECT_THAT(e, HasSubstr("partials ({{> name}}) are not supported")) << e;
}

TEST(PromptFile, AnUndeclaredVariableIsAnErrorAtLoad) {
    const std::string e =
        load_error("id: specialists/math\nversion: 1.0.0\nsystem: \"Topic: {{data.topic}}\"\n"
                   "template: \"{{input}}\"\nvariables: {input: {}}\n");
    EXPECT_THAT(e, HasSubstr(":3:9: system: uses the variable \"data\", which variables: does "
                             "not declare (declared: input)"))
        << e;
}

TEST(PromptFile, IdVersionFormatAndUnknownKeysAreChecked) {
    EXPECT_THAT(load_error("id: specialists/other\nversion: 1.0.0\ntemplate: x\n"),
                HasSubstr(":1:5: id: \"specialists/other\" is not the file's id"));
    EXPECT_THAT(load_error("id: specialists/math\nversion: \"1.0\"\ntemplate: x\n"),
                HasSubstr(":2:10: version: \"1.0\" is not a semantic version"));
    EXPECT_THAT(load_error("id: specialists/math\nversion: 1.0.0\ntemplate: x\nformat: xml\n"),
                HasSubstr(":4:9: format: expected \"json\" or a JSON Schema object"));
    EXPECT_THAT(load_error("id: specialists/math\nversion: 1.0.0\ntemplate: x\nsytem: y\n"),
                HasSubstr(":4:1: unknown key \"sytem\" (did you mean \"system\"?)"));
    EXPECT_THAT(load_error("id: specialists/math\nversion: 1.0.0\n"), HasSubstr("template"));
    EXPECT_THAT(load_error("id: specialists/math\nversion: 1.0.0\ntemplate: x\n"
                           "model: {min_size: big}\n"),
                HasSubstr("model.min_size"));
}

TEST(PromptRender, MissingRequiredAndUnknownVariablesAreErrorsNeverEmptyText) {
    TempDir dir;
    const Prompt p =
        load_prompt_file(dir.write("specialists/math.yaml", kGood), "specialists/math");
    const auto error_of = [&](const char *values) {
        try {
            render(p, json::parse(values, "values"));
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error_of("{}"),
              "prompt specialists/math: needs the variable \"input\" (The request.)");
    EXPECT_EQ(error_of(R"({"input":null})"),
              "prompt specialists/math: needs the variable \"input\" (The request.)");
    EXPECT_EQ(error_of(R"({"input":"x","topic":"y"})"),
              "prompt specialists/math: has no variable \"topic\"");
    const Rendered plain = render(p, json::parse(R"({"input":"2+2"})", "values"));
    EXPECT_EQ(plain.system, "You are exact.");
    EXPECT_EQ(plain.user, "2+2\n\n"); // the optional section renders as nothing
    const Rendered retry =
        render(p, json::parse(R"({"input":"2+2","feedback":"wrong"})", "values"));
    EXPECT_EQ(retry.user, "2+2\nRejected: wrong\n");
}

} // namespace
} // namespace tinyllm::prompts
