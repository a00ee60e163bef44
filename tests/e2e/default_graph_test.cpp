// The default graph end to end, with the real binary, the real router, model, gate, calculator
// and passthrough plugins, the shipped prompts, against the scripted Ollama-protocol server:
// a request reaches the right specialist, the math specialist uses the calculator, a gate's
// decisions show with -v, a rejected answer goes back with feedback and then up the role's
// ladder, and a gate that never passes fails the run, recorded.
#include "e2e_support.hpp"

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

constexpr const char *kTopModel = "qwen2.5:3b";

class DefaultGraphTest : public E2ETest {
protected:
    DefaultGraphTest() {
        std::filesystem::create_directories(config_dir() / "graphs");
        std::filesystem::copy_file(kSourceConfigDir / "graphs" / "default.yaml",
                                   config_dir() / "graphs" / "default.yaml");
        // The shipped ladders: math and code 1.5b -> 3b, general 0.5b -> 1.5b -> 3b.
        std::string models = models_yaml(ollama_.url());
        models += "  - name: qwen2.5:3b\n"
                  "    roles: [math, code, general]\n";
        write_config_file("models.yaml", models);
        ollama_.set_models({kModel, kBigModel, kTopModel});
    }

    // The trace's node executions, by node id, in order.
    static std::vector<std::string> path_of(const json::Value &trace) {
        std::vector<std::string> path;
        for (const auto &node : trace["nodes"].GetArray())
            path.emplace_back(node["node"].GetString());
        return path;
    }

    // A node execution's output message (the trace holds it as JSON).
    static const json::Value &output_of(const json::Value &node, json::Document &holder) {
        const json::Value &output = node["output"];
        if (output.IsString()) {
            holder = parse_json(output.GetString());
        } else {
            holder.CopyFrom(output, holder.GetAllocator());
        }
        return holder;
    }

    std::vector<json::Document> chat_requests() const {
        std::vector<json::Document> out;
        for (const auto &r : ollama_.requests()) {
            if (r.path == "/api/chat") out.push_back(parse_json(r.body));
        }
        return out;
    }
};

TEST_F(DefaultGraphTest, AFunctionRequestIsAnsweredByTheCodeSpecialist) {
    const std::string answer = "```python\ndef reverse(s):\n    return s[::-1]\n```\nSlicing "
                               "with step -1 reverses it.";
    ollama_.enqueue("/api/chat", testing::chat_stream(kBigModel, {answer}));
    const RunResult r = host({"run", "--trace", "write a function that reverses a string"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_EQ(std::string(doc["answer"].GetString()), answer);
    const json::Value &trace = doc["trace"];
    EXPECT_EQ(path_of(trace),
              (std::vector<std::string>{"router", "specialist.code", "code_check", "done"}));
    json::Document routed;
    const json::Value &router = output_of(trace["nodes"][0], routed)["data"]["router"];
    EXPECT_STREQ(router["route"].GetString(), "code");
    EXPECT_STREQ(router["stage"].GetString(), "rules"); // no model asked to route it
    EXPECT_EQ(ollama_.count("/api/chat"), 1u);
    // The specialist asked the code role's first model with the code prompt and the code tool.
    const std::vector<json::Document> requests = chat_requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_STREQ(requests[0]["model"].GetString(), kBigModel);
    EXPECT_STREQ(requests[0]["tools"][0]["function"]["name"].GetString(), "code");
    EXPECT_THAT(requests[0]["messages"][0]["content"].GetString(), HasSubstr("code"));
    json::Document checked;
    EXPECT_TRUE(output_of(trace["nodes"][2], checked)["data"]["gate"]["pass"].GetBool());
}

TEST_F(DefaultGraphTest, ArithmeticGoesToTheMathSpecialistWhichCallsTheCalculator) {
    ollama_.enqueue("/api/chat", testing::chat_stream(kBigModel, {},
                                                      {{"calculator", R"({"expression":"2+2"})"}}));
    ollama_.enqueue("/api/chat",
                    testing::chat_stream(kBigModel, {"2 + 2 = 4\n", "The answer is 4."}));
    const RunResult r = host({"run", "--trace", "what is 2+2"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_STREQ(doc["answer"].GetString(), "2 + 2 = 4\nThe answer is 4.");
    const json::Value &trace = doc["trace"];
    EXPECT_EQ(path_of(trace),
              (std::vector<std::string>{"router", "specialist.math", "math_check", "done"}));
    const json::Value &math = trace["nodes"][1];
    ASSERT_EQ(math["tool_calls"].Size(), 1u) << json::to_string(math);
    EXPECT_STREQ(math["tool_calls"][0]["tool"].GetString(), "calculator");
    EXPECT_THAT(json::to_string(math["tool_calls"][0]["result"]), HasSubstr("4"));
    // The gate checked "2 + 2 = 4" with the calculator too.
    json::Document checked;
    const json::Value &gate = output_of(trace["nodes"][2], checked)["data"]["gate"];
    EXPECT_TRUE(gate["pass"].GetBool()) << json::to_string(gate);
    ASSERT_EQ(trace["nodes"][2]["tool_calls"].Size(), 1u);
    EXPECT_STREQ(trace["nodes"][2]["tool_calls"][0]["tool"].GetString(), "calculator");
}

TEST_F(DefaultGraphTest, VerbosePrintsTheRouterAndGateDecisions) {
    // "test" matches no rule: the classifier is asked, answers a route, the general specialist
    // answers, its gate passes.
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kModel, R"({"route":"general","confidence":0.9})"));
    ollama_.enqueue("/api/chat", testing::chat_stream(kModel, {"A test is a check."}));
    const RunResult r = host({"run", "-v", "test"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "A test is a check.\n");
    EXPECT_THAT(r.err, HasSubstr("router: route general (model, confidence 0.90)"));
    EXPECT_THAT(r.err, HasSubstr("general_check: pass"));
    // Without -v, none of it.
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kModel, R"({"route":"general","confidence":0.9})"));
    ollama_.enqueue("/api/chat", testing::chat_stream(kModel, {"A test is a check."}));
    const RunResult quiet = host({"run", "test"});
    ASSERT_EXIT_CODE(quiet, kOk);
    EXPECT_EQ(quiet.err, "");
}

TEST_F(DefaultGraphTest, ARejectedAnswerGoesBackWithFeedbackThenToTheBiggerModel) {
    const std::vector<std::string> wrong = {"2 + 2 = 5\n", "The answer is 5."};
    ollama_.enqueue("/api/chat", testing::chat_stream(kBigModel, wrong));
    ollama_.enqueue("/api/chat", testing::chat_stream(kBigModel, wrong));
    ollama_.enqueue("/api/chat",
                    testing::chat_stream(kTopModel, {"2 + 2 = 4\n", "The answer is 4."}));
    const RunResult r = host({"run", "-v", "--trace", "what is 2+2"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_STREQ(doc["answer"].GetString(), "2 + 2 = 4\nThe answer is 4.");
    EXPECT_EQ(
        path_of(doc["trace"]),
        (std::vector<std::string>{"router", "specialist.math", "math_check", "specialist.math",
                                  "math_check", "specialist.math", "math_check", "done"}));
    // Which model each attempt asked: the role's ladder, climbed once feedback did not help.
    const std::vector<json::Document> requests = chat_requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_STREQ(requests[0]["model"].GetString(), kBigModel);
    EXPECT_STREQ(requests[1]["model"].GetString(), kBigModel);
    EXPECT_STREQ(requests[2]["model"].GetString(), kTopModel);
    // The retry carried the gate's reason (the calculator's result) to the model.
    const json::Value &retry_messages = requests[1]["messages"];
    const std::string last = retry_messages[retry_messages.Size() - 1]["content"].GetString();
    EXPECT_THAT(last, HasSubstr("rejected"));
    EXPECT_THAT(last, HasSubstr("calculator gives 4"));
    // -v told the story as it happened.
    EXPECT_THAT(r.err, HasSubstr("math_check: fail, retry: "));
    EXPECT_THAT(r.err, HasSubstr("math_check: fail, escalate: "));
    EXPECT_THAT(r.err, HasSubstr("math_check: pass"));
}

TEST_F(DefaultGraphTest, AGateThatNeverPassesFailsTheRunWithItsReasonsAndItIsRecorded) {
    for (const char *model : {kBigModel, kBigModel, kTopModel})
        ollama_.enqueue("/api/chat", testing::chat_stream(model, {"2 + 2 = 5. The answer is 5."}));
    const RunResult r = host({"run", "what is 2+2"});
    EXPECT_NE(r.exit_code, kOk);
    EXPECT_TRUE(OneErrorLine(r)) << r.err;
    EXPECT_THAT(r.err, HasSubstr("quality gate failed after 3 attempts"));
    EXPECT_THAT(r.err, HasSubstr("calculator gives 4"));
    EXPECT_EQ(r.out, ""); // no rejected draft in a pipe
    EXPECT_EQ(ollama_.count("/api/chat"), 3u);
    const RunResult listed = host({"runs", "list", "--status", "failed", "--json"});
    ASSERT_EXIT_CODE(listed, kOk);
    const json::Document runs = parse_json(listed.out);
    ASSERT_TRUE(runs.IsArray() && runs.Size() == 1u) << listed.out;
    EXPECT_THAT(json::to_string(runs[0]["error"]), HasSubstr("math_check"));
}

} // namespace
} // namespace tinyllm::e2e
