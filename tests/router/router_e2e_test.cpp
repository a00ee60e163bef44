// The router node end to end: the real tinyllm binary with the plugin from the build tree,
// against the scripted Ollama-protocol server (tests/fake_ollama), through `tinyllm node router`
// and a graph run. The stages that need the host's services are covered here: the model stage
// (the prompt file, the role's model, the answer in and outside the enum, not JSON) and the
// semantic stage (examples embedded in activate, a request equal to an example, an embedding
// backend that is down). The decisions' logic is in the unit tests beside this file.
#include "e2e_support.hpp"

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

// A classifier prompt of the test's own, so a change to the shipped prompts/ cannot break it:
// a system prompt using {{routes}}, a format whose route enum the router replaces, and one
// example per route (poetry's is left out: not a route here).
constexpr const char *kPromptYaml = R"(id: routing/test_classifier
version: 1.0.0
description: Classifies a request for the router's tests.
model: {role: router}
system: |
  Pick one of {{routes}}.
template: |
  Request: {{input}}
variables:
  input: {description: The request.}
  routes: {required: false, description: The router's routes.}
format:
  type: object
  properties:
    route: {type: string, enum: [x, y]}
    confidence: {type: number, minimum: 0, maximum: 1}
  required: [route, confidence]
examples:
  - input: "what is 2+2?"
    output: '{"route": "math", "confidence": 0.9}'
  - input: "write a poem"
    output: '{"route": "poetry", "confidence": 0.9}'
)";

constexpr const char *kRoutes = R"("routes":["math","code","general"],"default":"general")";
constexpr const char *kRules =
    R"("rules":{"math":{"keywords":["calculate"],"patterns":["\\d+\\s*[-+*/]\\s*\\d+"]},)"
    R"("code":{"keywords":["python"]}})";
constexpr const char *kSemantic =
    R"("semantic":{"model":"qwen2.5:0.5b","examples":{"math":["what is 12 times 7"],)"
    R"("code":["reverse a string in go"]}})";
constexpr const char *kModelStage = R"("model":{"prompt_id":"routing/test_classifier"})";

std::string config(std::initializer_list<const char *> stages) {
    std::string out = std::string("{") + kRoutes;
    for (const char *stage : stages)
        out += std::string(",") + stage;
    return out + "}";
}

class RouterE2ETest : public E2ETest {
protected:
    RouterE2ETest() {
        std::filesystem::create_directories(config_dir() / "prompts" / "routing");
        std::filesystem::create_directories(config_dir() / "graphs");
        write_config_file("prompts/routing/test_classifier.yaml", kPromptYaml);
    }

    // `tinyllm node router MESSAGE --config CONFIG --json`.
    RunResult route(const std::string &message, const std::string &router_config) const {
        return host({"node", "router", message, "--config", router_config, "--json"});
    }

    // data.router of a --json answer, checked to be there.
    static const json::Value &router_data(const json::Document &doc) {
        static const json::Value null;
        if (!doc.IsObject() || !doc.HasMember("message") || !doc["message"].HasMember("data") ||
            !doc["message"]["data"].HasMember("router")) {
            ADD_FAILURE() << "no message.data.router in " << json::to_string(doc);
            return null;
        }
        return doc["message"]["data"]["router"];
    }

    // The stage record of `name`, or a failure.
    static const json::Value &stage_of(const json::Value &router, std::string_view name) {
        static const json::Value null;
        if (router.IsObject() && router.HasMember("stages")) {
            for (const json::Value &s : router["stages"].GetArray()) {
                if (name == s["stage"].GetString()) return s;
            }
        }
        ADD_FAILURE() << "no stage " << name << " in " << json::to_string(router);
        return null;
    }

    json::Document last_chat() const { return parse_json(ollama_.last_request("/api/chat").body); }
};

TEST_F(RouterE2ETest, TheRulesStageDecidesWithoutAskingAnyModel) {
    const RunResult r = route("please calculate 2 + 2", config({kRules, kModelStage}));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["route"].GetString(), "math");
    EXPECT_STREQ(doc["message"]["route"].GetString(), "math");
    EXPECT_STREQ(doc["message"]["input"].GetString(), "please calculate 2 + 2"); // kept
    const json::Value &router = router_data(doc);
    EXPECT_STREQ(router["route"].GetString(), "math");
    EXPECT_STREQ(router["stage"].GetString(), "rules");
    EXPECT_EQ(router["confidence"].GetDouble(), 1.0);
    EXPECT_EQ(router["scores"]["math"].GetDouble(), 2.0);
    EXPECT_EQ(router["stages"].Size(), 1u);
    EXPECT_STREQ(stage_of(router, "rules")["detail"].GetString(),
                 "2 matches for math (keyword 'calculate', pattern 0)");
    EXPECT_EQ(ollama_.count("/api/chat"), 0u);
    EXPECT_EQ(r.err, "");

    // Without --json: the route on stderr, as for every routing node.
    const RunResult plain =
        host({"node", "router", "please calculate 2 + 2", "--config", config({kRules})});
    ASSERT_EXIT_CODE(plain, kOk);
    EXPECT_EQ(plain.err, "route: math\n");
}

TEST_F(RouterE2ETest, TheModelStageAnswersInTheEnum) {
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kModel, R"({"route":"code","confidence":0.85})"));
    const RunResult r = route("my loop never ends", config({kRules, kModelStage}));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["route"].GetString(), "code");
    const json::Value &router = router_data(doc);
    EXPECT_STREQ(router["stage"].GetString(), "model");
    EXPECT_DOUBLE_EQ(router["confidence"].GetDouble(), 0.85);
    EXPECT_DOUBLE_EQ(router["scores"]["code"].GetDouble(), 0.85);
    EXPECT_FALSE(router["scores"].HasMember("math")); // not picked: no opinion
    ASSERT_EQ(router["stages"].Size(), 2u);
    EXPECT_STREQ(stage_of(router, "rules")["outcome"].GetString(), "unsure");
    const json::Value &model = stage_of(router, "model");
    EXPECT_STREQ(model["outcome"].GetString(), "sure");
    EXPECT_STREQ(model["detail"].GetString(), "model qwen2.5:0.5b: code with confidence 0.85");

    // The request: the router role's model, the prompt's system with the routes, the example
    // whose route exists, the template with the input; the enum is the router's routes.
    const json::Document request = last_chat();
    ASSERT_TRUE(request.IsObject());
    EXPECT_STREQ(request["model"].GetString(), kModel);
    EXPECT_FALSE(request["stream"].GetBool());
    EXPECT_EQ(request["options"]["temperature"].GetDouble(), 0.0);
    const json::Value &messages = request["messages"];
    ASSERT_EQ(messages.Size(), 4u) << json::to_string(messages);
    EXPECT_STREQ(messages[0]["role"].GetString(), "system");
    EXPECT_STREQ(messages[0]["content"].GetString(), "Pick one of math, code, general.\n");
    EXPECT_STREQ(messages[1]["content"].GetString(), "what is 2+2?");
    EXPECT_STREQ(messages[2]["role"].GetString(), "assistant");
    EXPECT_STREQ(messages[3]["role"].GetString(), "user");
    EXPECT_STREQ(messages[3]["content"].GetString(), "Request: my loop never ends\n");
    const json::Value &route_enum = request["format"]["properties"]["route"]["enum"];
    ASSERT_EQ(route_enum.Size(), 3u);
    EXPECT_STREQ(route_enum[0].GetString(), "math");
    EXPECT_STREQ(route_enum[2].GetString(), "general");
}

TEST_F(RouterE2ETest, AnAnswerOutsideTheEnumFallsThroughToTheDefault) {
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kModel, R"({"route":"poetry","confidence":0.99})"));
    const RunResult r = route("write me a sonnet", config({kModelStage}));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["route"].GetString(), "general");
    const json::Value &router = router_data(doc);
    EXPECT_STREQ(router["stage"].GetString(), "default");
    EXPECT_EQ(router["confidence"].GetDouble(), 0.0);
    const json::Value &model = stage_of(router, "model");
    EXPECT_STREQ(model["outcome"].GetString(), "failed");
    EXPECT_THAT(model["detail"].GetString(),
                HasSubstr("route \"poetry\" is not one of math, code, general"));
}

TEST_F(RouterE2ETest, AnAnswerThatIsNotJsonFallsThroughToTheDefault) {
    ollama_.enqueue("/api/chat", testing::chat_json(kModel, "I would say math, probably."));
    const RunResult r = route("what is a prime?", config({kModelStage}));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["route"].GetString(), "general");
    const json::Value &model = stage_of(router_data(doc), "model");
    EXPECT_STREQ(model["outcome"].GetString(), "failed");
    EXPECT_THAT(model["detail"].GetString(),
                HasSubstr("the answer is not a JSON object: I would say math, probably."));
}

TEST_F(RouterE2ETest, ALowConfidenceIsNotSure) {
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kModel, R"({"route":"math","confidence":0.3})"));
    const RunResult r = route("hmm", config({kModelStage}));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["route"].GetString(), "general");
    EXPECT_STREQ(stage_of(router_data(doc), "model")["outcome"].GetString(), "unsure");
}

TEST_F(RouterE2ETest, AModelErrorFallsThroughToTheDefault) {
    ollama_.enqueue("/api/chat", testing::Reply::error(500, "model crashed"));
    const RunResult r = route("anything", config({kModelStage}));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["route"].GetString(), "general");
    const json::Value &model = stage_of(router_data(doc), "model");
    EXPECT_STREQ(model["outcome"].GetString(), "failed");
    EXPECT_THAT(model["detail"].GetString(), HasSubstr("model qwen2.5:0.5b failed: "));
}

TEST_F(RouterE2ETest, TheSemanticStageFindsARequestEqualToAnExample) {
    // The fake server's vectors are a hash of the text: the same text is similarity 1, others
    // are far apart.
    const RunResult r = route("what is 12 times 7", config({kSemantic}));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["route"].GetString(), "math");
    const json::Value &router = router_data(doc);
    EXPECT_STREQ(router["stage"].GetString(), "semantic");
    EXPECT_NEAR(router["confidence"].GetDouble(), 1.0, 1e-5);
    EXPECT_FALSE(router["scores"].HasMember("general")); // no examples
    EXPECT_THAT(stage_of(router, "semantic")["detail"].GetString(),
                HasSubstr("(example 0: \"what is 12 times 7\")"));
    // The examples once, in activate; the request, being one of them, comes from the host's
    // cache.
    EXPECT_EQ(ollama_.count("/api/embed"), 1u);

    // Anything else is below the threshold: the default.
    const RunResult other = route("tell me about owls", config({kSemantic}));
    ASSERT_EXIT_CODE(other, kOk);
    const json::Document other_doc = parse_json(other.out);
    EXPECT_STREQ(other_doc["route"].GetString(), "general");
    EXPECT_STREQ(stage_of(router_data(other_doc), "semantic")["outcome"].GetString(), "unsure");
}

TEST_F(RouterE2ETest, AnEmbeddingBackendThatIsDownIsSkippedAndSaidSo) {
    const RefusingPort down;
    write_config_file("models.yaml", models_yaml(down.url()));
    const RunResult r = route("calculate 3 + 4", config({kSemantic, kModelStage}));
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_TRUE(NoCrashNoise(r.err));
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["route"].GetString(), "general");
    const json::Value &router = router_data(doc);
    EXPECT_STREQ(router["stage"].GetString(), "default");
    ASSERT_EQ(router["stages"].Size(), 2u);
    const json::Value &semantic = stage_of(router, "semantic");
    EXPECT_STREQ(semantic["outcome"].GetString(), "skipped");
    EXPECT_THAT(semantic["detail"].GetString(),
                HasSubstr("the examples could not be embedded with qwen2.5:0.5b: "));
    EXPECT_STREQ(stage_of(router, "model")["outcome"].GetString(), "failed");
    // Logged once, as a warning.
    EXPECT_THAT(r.err, HasSubstr("semantic stage off: "));
}

TEST_F(RouterE2ETest, AnEmbeddingFailureOnARequestIsRecorded) {
    // The examples embed; the request's embedding fails.
    ollama_.enqueue("/api/embed",
                    testing::embed_json(kModel, {"what is 12 times 7", "reverse a string in go"}));
    ollama_.enqueue("/api/embed", testing::Reply::error(500, "embedding model crashed"));
    const RunResult r = route("tell me about owls", config({kSemantic}));
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_STREQ(doc["route"].GetString(), "general");
    const json::Value &semantic = stage_of(router_data(doc), "semantic");
    EXPECT_STREQ(semantic["outcome"].GetString(), "failed");
    EXPECT_THAT(semantic["detail"].GetString(), HasSubstr("embedding the request failed: "));
}

TEST_F(RouterE2ETest, ABadPatternFailsWhenTheNodeIsMadeNamingIt) {
    const RunResult r = route("hi", std::string("{") + kRoutes +
                                        R"(,"rules":{"math":{"patterns":["ok","(\\d+"]}}})");
    // The plugin refuses its config (TLLM_ERR_INVALID_ARGUMENT from create): a config error.
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("rules.math.patterns[1]: missing ): (\\d+"));
    EXPECT_EQ(r.out, "");
}

TEST_F(RouterE2ETest, RoutesNamedAnywhereMustBeRoutes) {
    const RunResult r =
        route("hi", std::string("{") + kRoutes + R"(,"rules":{"poetry":{"keywords":["rhyme"]}}})");
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("rules.poetry: not one of the routes (math, code, general)"));

    const RunResult schema = route("hi", R"({"routes":["math"],"default":"math","extra":1})");
    EXPECT_EXIT_CODE(schema, kConfig);
    EXPECT_TRUE(OneErrorLine(schema));
}

TEST_F(RouterE2ETest, AnUnknownPromptFailsWhenTheNodeIsActivated) {
    const RunResult r = route("hi", config({R"("model":{"prompt_id":"routing/nope"})"}));
    EXPECT_EXIT_CODE(r, kConfig);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("model.prompt_id: "));
    EXPECT_THAT(r.err, HasSubstr("routing/nope"));
}

TEST_F(RouterE2ETest, TheShippedClassifierPromptServesTheRouter) {
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kModel, R"({"route":"math","confidence":0.9})"));
    const RunResult r =
        route("what is 15% of 80?", config({R"("model":{"prompt_id":"routing/task_classifier"})"}));
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_STREQ(parse_json(r.out)["route"].GetString(), "math");
    const json::Document request = last_chat();
    EXPECT_GT(request["messages"].Size(), 2u); // its examples went along
    EXPECT_EQ(request["format"]["properties"]["route"]["enum"].Size(), 3u);
}

// In a process of its own the router gets the same services (prompts, role models, embeddings,
// chat) across the socket, and its routes come back with the create's answer.
TEST_F(RouterE2ETest, AnIsolatedRouterWorksTheSame) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nisolation:\n  plugins: {org.tinyllm.node.router: "
                                         "process}\n");
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kModel, R"({"route":"code","confidence":0.9})"));
    const RunResult semantic = route("what is 12 times 7", config({kSemantic, kModelStage}));
    ASSERT_EXIT_CODE(semantic, kOk);
    EXPECT_STREQ(parse_json(semantic.out)["route"].GetString(), "math");
    const RunResult model = route("fix my loop", config({kSemantic, kModelStage}));
    ASSERT_EXIT_CODE(model, kOk);
    const json::Document doc = parse_json(model.out);
    EXPECT_STREQ(doc["route"].GetString(), "code");
    const json::Value &router = router_data(doc);
    EXPECT_STREQ(router["stage"].GetString(), "model");
    EXPECT_STREQ(stage_of(router, "semantic")["outcome"].GetString(), "unsure");
    EXPECT_STREQ(last_chat()["model"].GetString(), kModel);
}

TEST_F(RouterE2ETest, AGraphFollowsTheRoutersRoute) {
    write_config_file("graphs/routed.yaml", R"(id: routed
version: 1.0.0
entry: router
exits: [math, code, general]
nodes:
  - id: router
    type: router
    config:
      routes: [math, code, general]
      default: general
      rules:
        math: {keywords: [calculate]}
        code: {keywords: [python]}
  - {id: math, type: passthrough}
  - {id: code, type: passthrough}
  - {id: general, type: passthrough}
edges:
  - {from: router, to: math, when: 'route == "math"'}
  - {from: router, to: code, when: 'route == "code"'}
  - {from: router, to: general, when: 'route == "general"'}
)");
    for (const auto &[input, expected] :
         {std::pair{"calculate it", "math"}, {"in python please", "code"}, {"hello", "general"}}) {
        const RunResult r = host({"run", "--graph", "routed", "--trace", input});
        ASSERT_EXIT_CODE(r, kOk);
        const json::Document doc = parse_json(r.out);
        ASSERT_TRUE(doc.IsObject()) << r.out;
        const json::Value &nodes = doc["trace"]["nodes"];
        ASSERT_EQ(nodes.Size(), 2u) << r.out;
        EXPECT_THAT(json::to_string(nodes[1]), HasSubstr(std::string("\"") + expected + "\""))
            << r.out;
    }
}

} // namespace
} // namespace tinyllm::e2e
