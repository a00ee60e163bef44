// `tinyllm prompts` end to end: the shipped prompts are listed, shown and rendered; a prompt in
// the config dir overrides the installed one; a broken prompt file fails the command naming its
// file, line and key; a missing variable is an error, never an empty string.
#include "e2e_support.hpp"

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

class PromptsTest : public E2ETest {
protected:
    PromptsTest() { std::filesystem::create_directories(config_dir() / "prompts" / "specialists"); }
};

TEST_F(PromptsTest, ListsTheShippedPrompts) {
    const RunResult r = host({"prompts", "list"});
    ASSERT_EXIT_CODE(r, kOk);
    for (const char *id :
         {"grading/answer_quality", "grading/pairwise", "meta/expansion_refine",
          "meta/expansion_split", "meta/expansion_step_by_step", "routing/task_classifier",
          "specialists/code", "specialists/general", "specialists/math"}) {
        EXPECT_THAT(r.out, HasSubstr(id));
    }
    const RunResult json = host({"prompts", "list", "--json"});
    ASSERT_EXIT_CODE(json, kOk);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsArray()) << json.out;
    EXPECT_EQ(doc.Size(), 9u);
    EXPECT_STREQ(doc[0]["model"]["role"].GetString(), "judge");
    EXPECT_STREQ(doc[8]["id"].GetString(), "specialists/math");
    EXPECT_STREQ(doc[8]["model"]["role"].GetString(), "math");
}

TEST_F(PromptsTest, RenderShowsTheMessagesAModelReceives) {
    const RunResult r =
        host({"prompts", "render", "specialists/math", "--var", "input=what is 2+2", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    const json::Value &messages = doc["messages"];
    ASSERT_GE(messages.Size(), 4u);
    EXPECT_STREQ(messages[0]["role"].GetString(), "system");
    EXPECT_STREQ(messages[1]["role"].GetString(), "user"); // the first example
    EXPECT_STREQ(messages[2]["role"].GetString(), "assistant");
    const json::Value &last = messages[messages.Size() - 1];
    EXPECT_STREQ(last["role"].GetString(), "user");
    EXPECT_THAT(last["content"].GetString(), HasSubstr("what is 2+2"));
    EXPECT_THAT(std::string(last["content"].GetString()), ::testing::Not(HasSubstr("rejected")));

    const RunResult missing = host({"prompts", "render", "specialists/math"});
    EXPECT_NE(missing.exit_code, kOk);
    EXPECT_TRUE(OneErrorLine(missing));
    EXPECT_THAT(missing.err, HasSubstr("prompt specialists/math: needs the variable \"input\""));
    const RunResult unknown =
        host({"prompts", "render", "specialists/math", "--var", "input=x", "--var", "topic=y"});
    EXPECT_NE(unknown.exit_code, kOk);
    EXPECT_THAT(unknown.err, HasSubstr("has no variable \"topic\""));
    const RunResult nosuch = host({"prompts", "show", "specialists/mth"});
    EXPECT_EXIT_CODE(nosuch, kNotFound);
    EXPECT_THAT(nosuch.err, HasSubstr("did you mean \"specialists/math\""));
}

TEST_F(PromptsTest, TheConfigDirsPromptOverridesTheInstalledOne) {
    write_config_file("prompts/specialists/math.yaml",
                      "id: specialists/math\nversion: 9.0.0\ndescription: mine\n"
                      "template: \"Q: {{input}}\"\nvariables: {input: {}}\n");
    const RunResult r = host({"prompts", "show", "specialists/math", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["version"].GetString(), "9.0.0");
    EXPECT_STREQ(doc["template"].GetString(), "Q: {{input}}");
}

TEST_F(PromptsTest, ABrokenPromptFileFailsWithItsFileLineAndKey) {
    write_config_file("prompts/specialists/math.yaml",
                      "id: specialists/math\nversion: 1.0.0\n"
                      "template: \"{{input}} {{topic}}\"\nvariables: {input: {}}\n");
    const RunResult r = host({"prompts", "list"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("prompts/specialists/math.yaml:3:11: template: uses the variable "
                                 "\"topic\", which variables: does not declare"));
    // A graph run loads the prompts too: the same error, before any model call.
    std::filesystem::create_directories(config_dir() / "graphs");
    std::filesystem::copy_file(kSourceConfigDir / "graphs" / "default.yaml",
                               config_dir() / "graphs" / "default.yaml");
    const RunResult run = host({"run", "what is 2+2"});
    EXPECT_EXIT_CODE(run, kConfig);
    EXPECT_THAT(run.err, HasSubstr("math.yaml:3:11"));
    EXPECT_EQ(ollama_.count("/api/chat"), 0u);
}

TEST_F(PromptsTest, DoctorReportsABrokenPromptAsAFailedCheck) {
    write_config_file("prompts/specialists/math.yaml", "id: specialists/math\nversion: x\n");
    const RunResult r = host({"doctor", "--json"});
    EXPECT_EXIT_CODE(r, kFailure);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    bool found = false;
    for (const auto &check : doc["checks"].GetArray()) {
        if (std::string(check["area"].GetString()) != "prompts") continue;
        found = true;
        EXPECT_STREQ(check["status"].GetString(), "fail");
        EXPECT_THAT(check["detail"].GetString(), HasSubstr("specialists/math.yaml:"));
    }
    EXPECT_TRUE(found) << r.out;
}

} // namespace
} // namespace tinyllm::e2e
