// What the simulated server says about itself (labelled a simulation everywhere the documents
// allow), which example a conversation is about, and the pseudo-embeddings.
#include "sim_support.hpp"

#include <cmath>

namespace tinyllm::sim::test {
namespace {

using tinyllm::testing::TestCall;

constexpr const char *kModel = "sim-1.5b";

TEST(SimCatalogue, ModelsAreListedAndShownAsSimulated) {
    const Simulator sim = simulator(config_json(0.7));
    const json::Document list = json::parse_object(sim.list_models(), "list");
    ASSERT_EQ(list["models"].Size(), 1u);
    const json::Value &m = list["models"][0];
    EXPECT_STREQ(m["name"].GetString(), kModel);
    EXPECT_STREQ(m["details"]["family"].GetString(), "simulation");
    EXPECT_STREQ(m["details"]["format"].GetString(), "simulated");
    EXPECT_STREQ(m["details"]["parameter_size"].GetString(), "1.5B");
    EXPECT_TRUE(m["details"]["simulated"].GetBool());
    const json::Document shown =
        json::parse_object(sim.show_model(R"({"model":"sim-1.5b:latest"})"), "show");
    EXPECT_STREQ(shown["details"]["family"].GetString(), "simulation");
    EXPECT_EQ(shown["simulation"]["accuracy"]["code"].GetDouble(), 0.7);
    const json::Document version = json::parse_object(sim.server_version(), "version");
    EXPECT_NE(std::string(version["version"].GetString()).find("simulated"), std::string::npos);
    EXPECT_NE(std::string(version["endpoint"].GetString()).find("447 examples"), std::string::npos)
        << version["endpoint"].GetString();
}

TEST(SimCatalogue, AnUnknownModelIsNotFoundNamingTheConfiguredOnes) {
    const Simulator sim = simulator(config_json(0.7));
    TestCall call;
    EXPECT_EQ(call.run([&](sdk::Call &c) { return sim.chat(c, ask("qwen2.5:0.5b", "hi")); }),
              TLLM_ERR_NOT_FOUND);
    EXPECT_EQ(call.error(),
              "simulated model \"qwen2.5:0.5b\" not found (the sim backend's models: sim-1.5b)");
    TestCall pull;
    EXPECT_EQ(pull.run([&](sdk::Call &c) { return sim.pull_model(c, R"({"model":"x"})"); }),
              TLLM_ERR_NOT_FOUND);
    TestCall ok;
    EXPECT_EQ(ok.run([&](sdk::Call &c) { return sim.pull_model(c, R"({"model":"sim-1.5b"})"); }),
              TLLM_OK);
    EXPECT_EQ(ok.output(), R"({"status":"success"})");
}

TEST(SimCatalogue, AnUnknownRequestGetsALabelledReplyNeverAnAnswer) {
    const Simulator sim = simulator(config_json(1.0));
    EXPECT_EQ(content_of(chat(sim, ask(kModel, "tell me a joke"))),
              "[simulated sim-1.5b] no dataset example matches this request");
}

TEST(SimCatalogue, TheRequestIsTheLastUserMessageAndTheLongestInputInItWins) {
    const Simulator sim = simulator(config_json(1.0));
    // A few-shot example before the request names another example: it is not the request.
    const std::string answer = content_of(chat(
        sim, chat_request(kModel, {{"user", "What is the capital of France?"},
                                   {"assistant", "Paris"},
                                   {"user", "Please answer: What is the capital of Japan?\n"}})));
    EXPECT_EQ(answer, "Tokyo");
    // A text holding two inputs is about the longer one, wherever it stands.
    const std::string both =
        content_of(chat(sim, ask(kModel, "Who wrote Don Quixote? What is the capital of Kenya?")));
    EXPECT_EQ(both, "Nairobi");
}

TEST(SimCatalogue, ARoutingOnlyDatasetRoutesButHasNoAnswerToGive) {
    const std::string config = R"({"time_scale":0,"datasets":[")" TINYLLM_ROUTING_DATASET
                               R"("],"models":{"m":{"size":"1b","accuracy":{"routing":1}}}})";
    const Simulator sim = simulator(config);
    EXPECT_GT(sim.dataset().size(), 300u);
    const Example &e = sim.dataset().examples().back();
    EXPECT_FALSE(e.route.empty());
    const std::string answer = content_of(chat(sim, ask("m", e.input)));
    EXPECT_EQ(answer.rfind("[simulated m] dataset example " + e.id, 0), 0u) << answer;
    const std::string format =
        R"({"type":"object","properties":{"route":{"type":"string","enum":["math","code","general"]},)"
        R"("confidence":{"type":"number"}},"required":["route","confidence"]})";
    const json::Document routed = json::parse_object(
        content_of(chat(sim, chat_request("m", {{"user", e.input}}, false, format))), "route");
    EXPECT_EQ(routed["route"].GetString(), e.route);
}

TEST(SimCatalogue, EmbeddingsAreStableUnitVectorsOfTheConfiguredLength) {
    const Simulator sim = simulator(config_json(1.0, 0, R"(,"embedding_dimensions":32)"));
    const auto embed = [&](const std::string &request) {
        TestCall call;
        EXPECT_EQ(call.run([&](sdk::Call &c) { return sim.embed(c, request); }), TLLM_OK)
            << call.error();
        return json::parse_object(call.output(), "embed");
    };
    const json::Document a = embed(R"({"model":"sim-1.5b","input":["one","two"]})");
    const json::Document b = embed(R"({"model":"sim-1.5b","input":"one"})");
    ASSERT_EQ(a["embeddings"].Size(), 2u);
    const json::Value &one = a["embeddings"][0];
    ASSERT_EQ(one.Size(), 32u);
    double norm = 0;
    double dot = 0;
    for (rapidjson::SizeType i = 0; i < 32; ++i) {
        norm += one[i].GetDouble() * one[i].GetDouble();
        dot += one[i].GetDouble() * a["embeddings"][1][i].GetDouble();
        EXPECT_EQ(one[i].GetDouble(), b["embeddings"][0][i].GetDouble());
    }
    EXPECT_NEAR(norm, 1.0, 1e-9);
    EXPECT_LT(std::fabs(dot), 0.9); // different texts, unrelated vectors
}

TEST(SimCatalogue, GenerateAnswersThePromptLikeAChat) {
    const Simulator sim = simulator(config_json(1.0));
    TestCall call;
    ASSERT_EQ(call.run([&](sdk::Call &c) {
        return sim.generate(c, R"({"model":"sim-1.5b","prompt":"What is the capital of Japan?",)"
                               R"("stream":false})");
    }),
              TLLM_OK)
        << call.error();
    EXPECT_STREQ(call.output_json()["response"].GetString(), "Tokyo");
}

} // namespace
} // namespace tinyllm::sim::test
