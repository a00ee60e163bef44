// The llm judge end to end: the real tinyllm binary and plugins, the shipped grading prompts,
// and the scripted Ollama-protocol server answering as the model — what `tinyllm grade --judge
// llm` sends (the verdict schema as `format`, the reference in the prompt) and what it makes of
// the answers: verdicts, samples, garbage, a server that is down, both orders of a comparison.
// The last tests grade on the simulated backend, whose judge knows the truth.
#include "e2e_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::e2e {
namespace {

using testing::chat_json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Reply;

// grade's exit code when the judge could not grade (docs/cli.md): spelled out, as e2e_support
// spells out the others.
constexpr int kNoVerdict = 8;

class LlmJudgeCli : public E2ETest {
protected:
    LlmJudgeCli() { write_config_file("models.yaml", models_with_judge_role(ollama_.url())); }

    // The test models with the judge role on the 1.5b one, as config/models.yaml gives it.
    static std::string models_with_judge_role(const std::string &url) {
        std::string text = models_yaml(url);
        const std::string roles = "roles: [math, code, general]";
        text.replace(text.find(roles), roles.size(), "roles: [math, code, general, judge]");
        return text;
    }

    RunResult grade(std::vector<std::string> args) const {
        args.insert(args.begin(), "grade");
        return host(std::move(args));
    }

    void answer(std::string_view content) {
        ollama_.enqueue("/api/chat", chat_json(kBigModel, content));
    }

    // The bodies of the chat requests the server received, in order.
    std::vector<json::Document> chats() const {
        std::vector<json::Document> out;
        for (const auto &r : ollama_.requests()) {
            if (r.path == "/api/chat") out.push_back(json::parse_object(r.body, "chat request"));
        }
        return out;
    }

    static std::string last_user(const json::Document &chat) {
        const json::Value &messages = chat["messages"];
        return messages[messages.Size() - 1]["content"].GetString();
    }
};

constexpr const char *kPass =
    R"({"reasons":["4 is the reference answer"],"score":5,"verdict":"pass"})";
constexpr const char *kFail =
    R"({"reasons":["the answer is 5; the reference is 4"],"score":1,"verdict":"fail"})";

TEST_F(LlmJudgeCli, TheRightAnswerPassesAgainstTheReference) {
    answer(kPass);
    const RunResult r =
        grade({"--judge", "llm", "--input", "2+2", "--output", "4", "--expected", "4"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("PASS  score 1.00  judge llm"));
    EXPECT_THAT(r.out, HasSubstr("  - 4 is the reference answer"));
    EXPECT_THAT(r.out, HasSubstr("judge_model=qwen2.5:1.5b"));

    // What the model was asked: the shipped prompt with the reference, the verdict schema as
    // structured output, deterministically, by the first model of role judge.
    const auto sent = chats();
    ASSERT_EQ(sent.size(), 1u);
    const json::Document &chat = sent[0];
    EXPECT_STREQ(chat["model"].GetString(), kBigModel);
    EXPECT_FALSE(chat["stream"].GetBool());
    EXPECT_DOUBLE_EQ(chat["options"]["temperature"].GetDouble(), 0.0);
    const json::Value &format = chat["format"];
    ASSERT_TRUE(format.IsObject()) << json::to_string(chat);
    EXPECT_EQ(json::to_string(format["properties"]["verdict"]["enum"]), R"(["pass","fail"])");
    EXPECT_EQ(format["properties"]["score"]["minimum"].GetInt(), 1);
    EXPECT_EQ(format["properties"]["score"]["maximum"].GetInt(), 5);
    EXPECT_EQ(json::to_string(format["required"]), R"(["reasons","score","verdict"])");
    const std::string user = last_user(chat);
    EXPECT_THAT(user, HasSubstr("<question>\n2+2\n</question>"));
    EXPECT_THAT(user, HasSubstr("<reference>\n4\n</reference>"));
    EXPECT_THAT(user, HasSubstr("<answer>\n4\n</answer>"));
    EXPECT_STREQ(chat["messages"][0]["role"].GetString(), "system");
    EXPECT_THAT(chat["messages"][0]["content"].GetString(),
                HasSubstr("Score the answer from 1 to 5"));
}

TEST_F(LlmJudgeCli, AWrongAnswerFailsWithTheModelsReason) {
    answer(kFail);
    const RunResult r =
        grade({"--judge", "llm", "--input", "2+2", "--output", "5", "--expected", "4"});
    ASSERT_EXIT_CODE(r, kFailure);
    EXPECT_THAT(r.out, HasSubstr("FAIL  score 0.00  judge llm"));
    EXPECT_THAT(r.out, HasSubstr("  - the answer is 5; the reference is 4"));
    EXPECT_THAT(last_user(chats().at(0)), HasSubstr("<answer>\n5\n</answer>"));
}

TEST_F(LlmJudgeCli, WithoutAReferenceThePromptHasNone) {
    answer(kPass);
    const RunResult r = grade({"--judge", "llm", "--input", "Name a prime.", "--output", "7",
                               "--rubric", "one prime number", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document v = parse_json(r.out);
    EXPECT_FALSE(v["labels"]["reference"].GetBool());
    EXPECT_STREQ(v["labels"]["prompt"].GetString(), "grading/answer_quality@1.0.0");
    const std::string user = last_user(chats().at(0));
    EXPECT_THAT(user, Not(HasSubstr("<reference>")));
    EXPECT_THAT(user, HasSubstr("A good answer: one prime number"));
}

TEST_F(LlmJudgeCli, SamplesAreAskedWithASeedEachAndDecidedByMajority) {
    write_config_file("judges.yaml", "judges:\n"
                                     "  - name: llm3\n"
                                     "    type: llm\n"
                                     "    config: {samples: 3}\n");
    answer(kPass);
    answer(kFail);
    answer(kPass);
    const RunResult r =
        grade({"--judge", "llm3", "--input", "2+2", "--output", "4", "--expected", "4", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document v = parse_json(r.out);
    EXPECT_TRUE(v["pass"].GetBool());
    EXPECT_NEAR(v["score"].GetDouble(), 2.0 / 3, 1e-6);
    EXPECT_EQ(v["labels"]["samples"].GetInt(), 3);
    EXPECT_NEAR(v["labels"]["agreement"].GetDouble(), 0.667, 1e-9);
    EXPECT_EQ(json::to_string(v["reasons"]), R"(["4 is the reference answer"])");
    const auto sent = chats();
    ASSERT_EQ(sent.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_DOUBLE_EQ(sent[i]["options"]["temperature"].GetDouble(), 0.7);
        EXPECT_EQ(sent[i]["options"]["seed"].GetInt(), i);
    }
}

TEST_F(LlmJudgeCli, AGarbledAnswerIsSentBackAndTheSecondAnswerCounts) {
    answer("Looks right to me!");
    answer(kPass);
    const RunResult r =
        grade({"--judge", "llm", "--input", "2+2", "--output", "4", "--expected", "4", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(parse_json(r.out)["labels"]["retries"].GetInt(), 1);
    const auto sent = chats();
    ASSERT_EQ(sent.size(), 2u);
    const json::Value &messages = sent[1]["messages"];
    const rapidjson::SizeType n = messages.Size();
    EXPECT_EQ(n, sent[0]["messages"].Size() + 2);
    EXPECT_STREQ(messages[n - 2]["role"].GetString(), "assistant");
    EXPECT_STREQ(messages[n - 2]["content"].GetString(), "Looks right to me!");
    EXPECT_THAT(messages[n - 1]["content"].GetString(),
                HasSubstr("That answer cannot be used: the answer is not valid JSON"));
    EXPECT_TRUE(sent[1]["format"].IsObject());
}

TEST_F(LlmJudgeCli, GarbageEveryTimeIsAJudgeErrorNeverAPass) {
    answer("Looks right to me!");
    answer("PASS");
    const RunResult r =
        grade({"--judge", "llm", "--input", "2+2", "--output", "4", "--expected", "4"});
    EXPECT_EXIT_CODE(r, kNoVerdict);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("model qwen2.5:1.5b answered outside the verdict format 2 times "
                                 "(max_attempts 2)"));
    EXPECT_THAT(r.err, HasSubstr("its last answer: \"PASS\""));
    EXPECT_THAT(r.out, Not(HasSubstr("PASS")));
    EXPECT_EQ(chats().size(), 2u);
}

TEST_F(LlmJudgeCli, AServerThatIsDownIsExit5) {
    const RefusingPort down;
    write_config_file("models.yaml", models_with_judge_role(down.url()));
    const RunResult r =
        grade({"--judge", "llm", "--input", "2+2", "--output", "4", "--expected", "4"});
    EXPECT_EXIT_CODE(r, kUnavailable);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("model qwen2.5:1.5b"));
}

TEST_F(LlmJudgeCli, PairwiseAsksBothOrdersAndTheSamePositionTwiceIsATie) {
    answer(R"({"reasons":["A is right"],"preference":"a"})");
    answer(R"({"reasons":["A is right"],"preference":"a"})");
    const RunResult r = grade({"--judge", "llm", "--input", "2+2", "--output", "4", "--versus", "5",
                               "--expected", "4", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document p = parse_json(r.out);
    EXPECT_STREQ(p["preference"].GetString(), "tie");
    EXPECT_TRUE(p["labels"]["position_bias"].GetBool());
    EXPECT_FALSE(p["labels"]["orders_agree"].GetBool());
    const auto sent = chats();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_THAT(last_user(sent[0]), HasSubstr("<answer_a>\n4\n</answer_a>\n<answer_b>\n5\n"));
    EXPECT_THAT(last_user(sent[1]), HasSubstr("<answer_a>\n5\n</answer_a>\n<answer_b>\n4\n"));
    EXPECT_THAT(last_user(sent[0]), HasSubstr("<reference>\n4\n</reference>"));
    EXPECT_EQ(json::to_string(sent[0]["format"]["properties"]["preference"]["enum"]),
              R"(["a","b","tie"])");
}

TEST_F(LlmJudgeCli, PairwiseCountsAPreferenceBothOrdersAgreeOn) {
    answer(R"({"reasons":["A says 4"],"preference":"a"})");
    answer(R"({"reasons":["B says 4"],"preference":"b"})");
    const RunResult r = grade(
        {"--judge", "llm", "--input", "2+2", "--output", "4", "--versus", "5", "--expected", "4"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("--output is better  (judge llm)"));
}

TEST_F(LlmJudgeCli, AModelNamedInJudgesYamlIsTheOneAsked) {
    write_config_file("judges.yaml", "judges:\n"
                                     "  - name: llm\n"
                                     "    config: {model: qwen2.5:0.5b}\n");
    ollama_.enqueue("/api/chat", chat_json(kModel, kPass));
    const RunResult r = grade({"--judge", "llm", "--input", "2+2", "--output", "4"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_STREQ(chats().at(0)["model"].GetString(), kModel);
}

TEST_F(LlmJudgeCli, NoModelWithTheJudgeRoleIsAConfigErrorNamingIt) {
    write_config_file("models.yaml", models_yaml(ollama_.url())); // no judge role
    const RunResult r = grade({"--judge", "llm", "--input", "2+2", "--output", "4"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("\"judge\""));
    EXPECT_THAT(r.err, HasSubstr("model: in judges.yaml"));
    EXPECT_EQ(chats().size(), 0u);
}

TEST_F(LlmJudgeCli, APromptThatCannotServeAJudgeIsAConfigError) {
    fs::create_directories(config_dir() / "prompts" / "grading");
    write_config_file("prompts/grading/plain.yaml", "id: grading/plain\n"
                                                    "version: 1.0.0\n"
                                                    "template: \"{{input}} {{output}}\"\n"
                                                    "variables: {input: {}, output: {}}\n");
    write_config_file("judges.yaml", "judges:\n"
                                     "  - name: plain\n"
                                     "    type: llm\n"
                                     "    config: {prompt_id: grading/plain}\n");
    const RunResult r = grade({"--judge", "plain", "--input", "2+2", "--output", "4"});
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("prompt grading/plain cannot serve the llm judge: it has no "
                                 "format"));
}

// ---- on the simulated backend ------------------------------------------------------------

// A sim backend whose judge model is always right (accuracy.judge 1) or always wrong (0), at
// time_scale 0: the verdicts are known, so the tests cannot pass by luck.
std::string sim_models(double judge_accuracy) {
    return "default_model: sim-judge\n"
           "backends:\n"
           "  - name: simulated\n"
           "    type: sim\n"
           "    config:\n"
           "      time_scale: 0\n"
           "      models:\n"
           "        sim-judge: {size: 1.5b, accuracy: {judge: " +
           std::to_string(judge_accuracy) +
           "}}\n"
           "models:\n"
           "  - {name: sim-judge, backend: simulated, size: 1.5b, roles: [judge]}\n";
}

class SimJudgeCli : public LlmJudgeCli {};

TEST_F(SimJudgeCli, ASimulatedJudgeThatIsAlwaysRightTellsRightFromWrong) {
    write_config_file("models.yaml", sim_models(1.0));
    const RunResult right =
        grade({"--judge", "llm", "--input", "What is 38 * 13?", "--output", "38 * 13 = 494"});
    ASSERT_EXIT_CODE(right, kOk);
    EXPECT_THAT(right.out, HasSubstr("[simulated sim-judge judge]"));
    // A wrong setup (38 + 13): the equation holds, the answer does not.
    const RunResult wrong = grade(
        {"--judge", "llm", "--input", "What is 38 * 13?", "--output", "38 + 13 = 51\nIt is 51."});
    EXPECT_EXIT_CODE(wrong, kFailure);
    const RunResult paris =
        grade({"--judge", "llm", "--input", "What is the capital of France?", "--output",
               "The capital of France is Paris.", "--expected", "Paris"});
    EXPECT_EXIT_CODE(paris, kOk);
    const RunResult better = grade({"--judge", "llm", "--input", "What is 38 * 13?", "--output",
                                    "51", "--versus", "494", "--json"});
    ASSERT_EXIT_CODE(better, kOk);
    EXPECT_STREQ(parse_json(better.out)["preference"].GetString(), "b");
}

TEST_F(SimJudgeCli, AnAlwaysWrongJudgeFlipsEveryVerdictAndItsOrdersDisagree) {
    write_config_file("models.yaml", sim_models(0.0));
    EXPECT_EXIT_CODE(grade({"--judge", "llm", "--input", "What is 38 * 13?", "--output", "494"}),
                     kFailure);
    EXPECT_EXIT_CODE(grade({"--judge", "llm", "--input", "What is 38 * 13?", "--output", "495"}),
                     kOk);
    // Wrong both times, but not the same way in both orders: no preference survives.
    const RunResult pair = grade({"--judge", "llm", "--input", "What is 38 * 13?", "--output", "51",
                                  "--versus", "494", "--json"});
    ASSERT_EXIT_CODE(pair, kOk);
    const json::Document p = parse_json(pair.out);
    EXPECT_STREQ(p["preference"].GetString(), "tie");
    EXPECT_FALSE(p["labels"]["orders_agree"].GetBool());
}

TEST_F(SimJudgeCli, ARequestTheSimulationHasNoExampleForIsAJudgeError) {
    write_config_file("models.yaml", sim_models(1.0));
    const RunResult r =
        grade({"--judge", "llm", "--input", "Is this in a dataset?", "--output", "no"});
    EXPECT_EXIT_CODE(r, kNoVerdict);
    EXPECT_THAT(r.err, HasSubstr("no dataset example matches this request"));
}

} // namespace
} // namespace tinyllm::e2e
