// The gate end to end through the real tinyllm binary, with the real calculator and code tools
// from the build tree: `tinyllm node gate` for single decisions, and graph runs in which the
// gate sends a wrong answer from the (fake) model back with feedback.
#include "e2e_support.hpp"          // tests/e2e: the binary, a config dir and a fake Ollama
#include "sandbox_precondition.hpp" // tests/support

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class GateCliTest : public E2ETest {
protected:
    // `tinyllm node gate MESSAGE --config CONFIG --json`.
    RunResult gate(const std::string &config, const std::string &message) const {
        return host({"node", "gate", message, "--config", config, "--json"});
    }
    // The gate's record in the resulting message of a successful `gate` call.
    static json::Document record(const RunResult &r) {
        json::Document doc = parse_json(r.out);
        const json::Value *message = doc.IsObject() ? json::find(doc, "message") : nullptr;
        const json::Value *data = message ? json::find(*message, "data") : nullptr;
        if (data == nullptr || !data->IsObject() || !data->HasMember("gate")) {
            ADD_FAILURE() << "no data.gate in the output: " << r.describe();
            return json::parse(R"({"route":"","message":{"data":{"gate":{"checks":[{}]}}}})", "x");
        }
        return doc;
    }
};

// A message whose answer is `content`.
std::string message(const std::string &content, const std::string &data = "{}") {
    std::string out = R"({"input":"q","content":)";
    json::append_quoted(out, content);
    return out + R"(,"route":"","attempt":1,"data":)" + data + "}";
}

// Fails the node at the first failure, so the reasons come back as the error line.
const std::string kStrict = R"(,"max_feedback":0,"escalate":false,"fallback":false})";

TEST_F(GateCliTest, APassingAnswerIsPatchedAndRoutedPass) {
    const RunResult r = gate(R"({"rules":[{"type":"non_empty"},{"type":"length","max":20}]})",
                             message("Paris.", R"({"router":{"route":"general"}})"));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = record(r);
    EXPECT_STREQ(doc["route"].GetString(), "pass");
    const json::Value &data = doc["message"]["data"];
    EXPECT_TRUE(data["gate"]["pass"].GetBool());
    EXPECT_EQ(data["gate"]["checks"].Size(), 2u);
    EXPECT_STREQ(data["router"]["route"].GetString(), "general"); // merged, not replaced
}

TEST_F(GateCliTest, AFailedAnswerGoesBackWithFeedbackThenFailsTheRun) {
    const std::string config = R"({"rules":[{"type":"regex","pattern":"\\d+","name":"digits"}]})";
    const RunResult retry = gate(config, message("four"));
    ASSERT_EXIT_CODE(retry, kOk);
    const json::Document doc = record(retry);
    EXPECT_STREQ(doc["route"].GetString(), "retry");
    EXPECT_STREQ(doc["message"]["feedback"].GetString(),
                 "- the answer does not match the pattern \"\\d+\"");
    EXPECT_EQ(doc["message"]["data"]["gate"]["failures"].GetInt(), 1);

    // The second failure: no bigger model known (no data.model), no fallback: the node fails.
    const RunResult fail = gate(config, message("five", R"({"gate":{"failures":1}})"));
    EXPECT_EXIT_CODE(fail, kFailure);
    EXPECT_TRUE(OneErrorLine(fail));
    EXPECT_EQ(fail.err, "tinyllm: error: node gate failed: quality gate failed after 2 attempts: "
                        "the answer does not match the pattern \"\\d+\"\n");
}

TEST_F(GateCliTest, EscalationWhileTheModelsLadderHasABiggerModel) {
    const std::string config = R"({"rules":[{"type":"non_empty"}],"max_feedback":0})";
    const RunResult r = gate(config, message("", R"({"model":{"name":"qwen2.5:0.5b",)"
                                                 R"("role":"math","rung":0,"rungs":2}})"));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = record(r);
    EXPECT_STREQ(doc["route"].GetString(), "escalate");
    EXPECT_EQ(doc["message"]["data"]["escalation"].GetInt(), 1);
    EXPECT_STREQ(doc["message"]["data"]["model"]["name"].GetString(), "qwen2.5:0.5b");
}

TEST_F(GateCliTest, ConfigErrorsNameTheRule) {
    const RunResult regex = gate(
        R"({"rules":[{"type":"non_empty"},{"type":"json"},{"type":"regex","pattern":"(\\d+"}]})",
        message("x"));
    EXPECT_EXIT_CODE(regex, kConfig); // a config the plugin refuses: exit 3
    EXPECT_TRUE(OneErrorLine(regex));
    EXPECT_THAT(regex.err, HasSubstr("create failed: rules[2].pattern: missing ): (\\d+\n"));

    const RunResult judge =
        gate(R"({"rules":[{"type":"judge","judge":"strict","min_score":-1}]})", message("x"));
    EXPECT_EXIT_CODE(judge, kConfig);
    EXPECT_THAT(judge.err, HasSubstr("rules[0].min_score: must be >= 0"));

    const RunResult type = gate(R"({"rules":[{"type":"spellcheck"}]})", message("x"));
    EXPECT_EXIT_CODE(type, kConfig);
    EXPECT_TRUE(OneErrorLine(type));
    EXPECT_THAT(type.err, HasSubstr("--config: rules[0].type: must be one of: non_empty, length, "
                                    "regex, json, json_schema, code_block, code_runs, "
                                    "numeric_answer, judge (got \"spellcheck\")"));

    const RunResult tool = gate(R"({"rules":[{"type":"code_runs","tool":"cod"}]})", message("x"));
    EXPECT_EXIT_CODE(tool, kConfig);
    EXPECT_TRUE(OneErrorLine(tool));
    EXPECT_THAT(tool.err, HasSubstr("rules[0].tool: "));
    EXPECT_THAT(tool.err, HasSubstr("\"cod\""));
}

TEST_F(GateCliTest, PluginsInspectDescribesTheRules) {
    const RunResult r = host({"plugins", "inspect", "gate"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("Kind         tinyllm.node/1"));
    EXPECT_THAT(r.out, HasSubstr("rules[].pattern"));
    EXPECT_THAT(r.out, HasSubstr("max_feedback            integer         default 1"));
}

// ---- numeric_answer through the real calculator -------------------------------------------

const std::string kNumeric = R"({"rules":[{"type":"numeric_answer"}])";

TEST_F(GateCliTest, TheCalculatorConfirmsARightAnswer) {
    const RunResult r = gate(kNumeric + "}", message("Each box holds 12, so 12 × 7 = 84. "
                                                     "There are **84** apples."));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = record(r);
    EXPECT_STREQ(doc["route"].GetString(), "pass");
    EXPECT_STREQ(doc["message"]["data"]["gate"]["checks"][0]["detail"].GetString(),
                 "\"12 × 7 = 84\" checked with the calculator: 84");

    // Exact beyond a double's 53 bits, and rounding as written.
    EXPECT_EXIT_CODE(
        gate(kNumeric + kStrict, message("123456789 * 987654321 = 121932631112635269")), kOk);
    EXPECT_EXIT_CODE(gate(kNumeric + kStrict, message("2/3 = 0.667")), kOk);
    EXPECT_EXIT_CODE(gate(kNumeric + kStrict, message("sqrt(2) ≈ 1.41421")), kOk);
    EXPECT_EXIT_CODE(gate(kNumeric + kStrict, message("15% of 80: 0.15 × 80 = 12")), kOk);
}

TEST_F(GateCliTest, TheCalculatorCatchesAWrongAnswer) {
    const RunResult wrong = gate(kNumeric + kStrict, message("So 12 * 7 = 85."));
    EXPECT_EXIT_CODE(wrong, kFailure);
    EXPECT_THAT(wrong.err, HasSubstr("quality gate failed after 1 attempt: \"12 * 7 = 85\" is "
                                     "wrong: the calculator gives 84\n"));

    const RunResult big =
        gate(kNumeric + kStrict, message("123456789 * 987654321 = 121932631112635268"));
    EXPECT_EXIT_CODE(big, kFailure);
    EXPECT_THAT(big.err, HasSubstr("the calculator gives 121932631112635269"));

    const RunResult last =
        gate(kNumeric + kStrict, message("12 * 7 = 84, so there are 48 apples."));
    EXPECT_EXIT_CODE(last, kFailure);
    EXPECT_THAT(last.err, HasSubstr("the answer ends with 48, but its computation \"12 * 7 = 84\" "
                                    "gives 84 (checked with the calculator)"));
}

TEST_F(GateCliTest, ACalculatorErrorFailsTheCheckNamingTheExpression) {
    const RunResult r = gate(kNumeric + kStrict, message("Dividing: 10 / 0 = 0"));
    EXPECT_EXIT_CODE(r, kFailure);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err,
                HasSubstr("the calculator cannot evaluate \"10 / 0\" (from \"10 / 0 = 0\"): "));
}

TEST_F(GateCliTest, NoEquationPassesUnlessRequired) {
    const RunResult r = gate(kNumeric + "}", message("It is 84."));
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_STREQ(record(r)["message"]["data"]["gate"]["checks"][0]["detail"].GetString(),
                 "no equation \"EXPRESSION = NUMBER\" found; nothing to check");
    const RunResult required =
        gate(R"({"rules":[{"type":"numeric_answer","require":true}])" + kStrict, message("84"));
    EXPECT_EXIT_CODE(required, kFailure);
    EXPECT_THAT(required.err, HasSubstr("the answer shows no computation to check"));
}

// ---- code_runs through the real code tool (bubblewrap) --------------------------------------

const std::string kCodeRuns = R"({"rules":[{"type":"code_runs","language":"python"}])";

TEST_F(GateCliTest, CodeThatRunsPasses) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    const RunResult r =
        gate(kCodeRuns + "}", message("Like this:\n\n```python\nprint(sum(range(10)))\n```\n"));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = record(r);
    EXPECT_STREQ(doc["route"].GetString(), "pass");
    EXPECT_THAT(doc["message"]["data"]["gate"]["checks"][0]["detail"].GetString(),
                StartsWith("the python block at line 3 ran in "));
}

TEST_F(GateCliTest, CodeThatFailsGivesItsErrorAsTheReason) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    const RunResult r = gate(kCodeRuns + kStrict, message("```python\nprint(undefined_name)\n```"));
    EXPECT_EXIT_CODE(r, kFailure);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("quality gate failed after 1 attempt: the python block at line 1 "
                                 "failed: [stderr] | Traceback (most recent call last):"));
    EXPECT_THAT(r.err,
                HasSubstr("NameError: name 'undefined_name' is not defined | [exit code 1]"));

    const RunResult sh =
        gate(R"({"rules":[{"type":"code_runs"}])" + kStrict, message("```sh\nexit 3\n```"));
    EXPECT_EXIT_CODE(sh, kFailure);
    EXPECT_THAT(sh.err, HasSubstr("the sh block at line 1 failed: [exit code 3]"));
}

// ---- in a graph: the model's wrong answer goes back with feedback ---------------------------

class GateGraphTest : public GateCliTest {
protected:
    void SetUp() override {
        std::filesystem::create_directories(config_dir() / "graphs");
        write_config_file(
            "graphs/checked.yaml",
            "id: checked\n"
            "version: 1.0.0\n"
            "entry: solve\n"
            "exits: [done]\n"
            "nodes:\n"
            "  - id: solve\n"
            "    type: model\n"
            "    max_visits: 3\n"
            "    config:\n"
            "      prompt: \"{{input}}{{#feedback}}\\nFix this:\\n{{feedback}}{{/feedback}}\"\n"
            "      stream: false\n"
            "  - id: check\n"
            "    type: gate\n"
            "    config:\n"
            "      rules: [{type: non_empty}, {type: numeric_answer, require: true}]\n"
            "      max_feedback: 2\n"
            "      escalate: false\n"
            "  - id: done\n"
            "    type: passthrough\n"
            "edges:\n"
            "  - {from: solve, to: check}\n"
            "  - {from: check, to: done, when: 'route == \"pass\"'}\n"
            "  - {from: check, to: solve, when: 'route == \"retry\"'}\n");
    }

    std::vector<std::string> prompts() const {
        std::vector<std::string> out;
        for (const auto &r : ollama_.requests()) {
            if (r.path != "/api/chat") continue;
            const json::Document doc = parse_json(r.body);
            const json::Value &messages = doc["messages"];
            out.emplace_back(messages[messages.Size() - 1]["content"].GetString());
        }
        return out;
    }
};

TEST_F(GateGraphTest, AWrongAnswerIsSentBackWithTheReasonAndTheFixedOnePasses) {
    ollama_.enqueue("/api/chat", testing::chat_json(kModel, "12 * 7 = 85"));
    ollama_.enqueue("/api/chat", testing::chat_json(kModel, "12 * 7 = 84"));
    const RunResult r = host({"run", "--graph", "checked", "--json", "What is 12*7?"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_STREQ(doc["answer"].GetString(), "12 * 7 = 84");
    const std::vector<std::string> asked = prompts();
    ASSERT_EQ(asked.size(), 2u);
    EXPECT_EQ(asked[0], "What is 12*7?");
    EXPECT_EQ(asked[1], "What is 12*7?\nFix this:\n- \"12 * 7 = 85\" is wrong: the calculator "
                        "gives 84");
}

TEST_F(GateGraphTest, AModelThatNeverGetsItRightFailsTheRun) {
    for (int i = 0; i < 3; ++i)
        ollama_.enqueue("/api/chat", testing::chat_json(kModel, "It is 85."));
    const RunResult r = host({"run", "--graph", "checked", "What is 12*7?"});
    EXPECT_EXIT_CODE(r, kFailure);
    EXPECT_THAT(r.err, HasSubstr("quality gate failed after 3 attempts: the answer shows no "
                                 "computation to check"));
    EXPECT_EQ(prompts().size(), 3u); // the gate's failure is not retried by the executor
}

} // namespace
} // namespace tinyllm::e2e
