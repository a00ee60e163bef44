// Math examples with a calculator offered: the model calls it (at tool_call_rate) in Ollama's
// shape, and once the conversation ends with the result, answers from it. The calculator
// removes arithmetic slips, not a wrong setup: the mistaken model asks it the wrong thing.
#include "answers.hpp"
#include "sim_support.hpp"

namespace tinyllm::sim::test {
namespace {

constexpr const char *kModel = "sim-1.5b";

const Example &first_of(const Simulator &sim, const std::string &category) {
    const std::vector<const Example *> all = examples_of(sim, category);
    EXPECT_FALSE(all.empty());
    return *all.front();
}

std::string called_expression(const json::Document &response) {
    const json::Value &calls = response["message"]["tool_calls"];
    EXPECT_TRUE(calls.IsArray() && calls.Size() == 1u);
    EXPECT_STREQ(calls[0]["function"]["name"].GetString(), "calculator");
    return calls[0]["function"]["arguments"]["expression"].GetString();
}

TEST(SimTools, AnOfferedCalculatorIsCalledWithTheExamplesExpression) {
    const Simulator sim = simulator(config_json(1.0));
    const Example &e = first_of(sim, "arithmetic");
    const json::Document r =
        chat(sim, chat_request(kModel, {{"user", e.input}}, false, "", kCalculatorTools));
    EXPECT_EQ(called_expression(r), e.expression);
    EXPECT_STREQ(r["message"]["content"].GetString(), "");
}

TEST(SimTools, TheFinalAnswerComesFromTheToolResult) {
    const Simulator sim = simulator(config_json(0.0)); // would be wrong without the tool
    const Example &e = first_of(sim, "word_problems");
    const std::string calls = R"([{"function":{"name":"calculator","arguments":{"expression":")" +
                              e.expression + R"("}}}])";
    const json::Document r = chat(sim, chat_request(kModel,
                                                    {{"system", "You solve math problems."},
                                                     {"user", e.input},
                                                     {"assistant", "", calls},
                                                     {"tool", e.expected}},
                                                    false, "", kCalculatorTools));
    EXPECT_EQ(content_of(r), math_answer(e.expression, e.expected));
    EXPECT_FALSE(r["message"].HasMember("tool_calls"));
}

TEST(SimTools, AToolErrorIsAnsweredWithoutTheTool) {
    const Simulator sim = simulator(config_json(1.0));
    const Example &e = first_of(sim, "arithmetic");
    const std::string calls =
        R"([{"function":{"name":"calculator","arguments":{"expression":"1 +"}}}])";
    const json::Document r =
        chat(sim, chat_request(kModel,
                               {{"user", e.input},
                                {"assistant", "", calls},
                                {"tool", "error: at column 4: expected a number"}},
                               false, "", kCalculatorTools));
    EXPECT_EQ(content_of(r), math_answer(e.expression, e.expected));
}

TEST(SimTools, CallsHappenAtTheToolCallRateAndWrongSetupsAskTheWrongThing) {
    const std::string config =
        R"({"time_scale":0,"slip_rate":0,"datasets":["arithmetic.jsonl","word_problems.jsonl"],)"
        R"("models":{"m":{"size":"1b","default_accuracy":0.0,"tool_call_rate":0.6}}})";
    const Simulator sim = simulator(config);
    size_t called = 0;
    for (const Example &e : sim.dataset().examples()) {
        const json::Document r =
            chat(sim, chat_request("m", {{"user", e.input}}, false, "", kCalculatorTools));
        if (!r["message"].HasMember("tool_calls")) continue;
        ++called;
        // Every answer is wrong and no slip: the expression asked is one of the mistakes.
        const std::string asked = called_expression(r);
        bool listed = false;
        for (const WrongAnswer &w : e.wrong)
            listed = listed || w.expression == asked;
        EXPECT_TRUE(listed) << e.id << " asked " << asked;
    }
    const double share = static_cast<double>(called) / static_cast<double>(sim.dataset().size());
    EXPECT_NEAR(share, 0.6, 0.1);
}

TEST(SimTools, NoToolIsCalledForOtherExamplesOrWhenNoneTakesAnExpression) {
    const Simulator sim = simulator(config_json(1.0));
    const Example &general = first_of(sim, "general");
    EXPECT_EQ(content_of(chat(sim, chat_request(kModel, {{"user", general.input}}, false, "",
                                                kCalculatorTools))),
              general.expected);
    const Example &math = first_of(sim, "arithmetic");
    const std::string code_tool =
        R"([{"type":"function","function":{"name":"code","parameters":{"type":"object",)"
        R"("properties":{"code":{"type":"string"}}}}}])";
    EXPECT_EQ(
        content_of(chat(sim, chat_request(kModel, {{"user", math.input}}, false, "", code_tool))),
        math_answer(math.expression, math.expected));
}

} // namespace
} // namespace tinyllm::sim::test
