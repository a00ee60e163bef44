// A client's tools through a graph that takes them (the committed tools graph: request_tools),
// over OpenAI's and Ollama's APIs: the model's call of a client tool is answered as tool_calls,
// the client's results come back in its next request and reach the model after the prompt, and
// the node's own tools still run on the server. FakeOllama plays the model.
#include "serve_test_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::e2e {
namespace {

using serve::testing::HttpClient;
using serve::testing::HttpResponse;
using ::testing::HasSubstr;

constexpr const char *kWeatherTool =
    R"({"type":"function","function":{"name":"get_weather","description":"The weather in a city",)"
    R"("parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}})";

class ServeToolsTest : public ServeTest {
protected:
    ServeToolsTest() {
        std::filesystem::copy_file(kSourceConfigDir / "graphs" / "tools.yaml",
                                   config_dir() / "graphs" / "tools.yaml");
    }

    // The body of the model call the run made last, as its own document.
    json::Document model_request() const {
        return parse_json(ollama_.last_request("/api/chat").body);
    }

    // The message of an error answer, in OpenAI's shape or Ollama's.
    static std::string error_message(const std::string &body) {
        const json::Document doc = parse_json(body);
        if (!doc.IsObject() || !doc.HasMember("error")) return "(not an error: " + body + ")";
        const json::Value &e = doc["error"];
        return e.IsString() ? e.GetString() : e["message"].GetString();
    }

    // OpenAI's turns of the client running the get_weather call `id` for Paris: the assistant's
    // call, then the result.
    static std::string weather_call_answered(const std::string &id) {
        return R"({"role":"assistant","content":null,"tool_calls":[{"id":")" + id +
               R"(","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},)"
               R"({"role":"tool","tool_call_id":")" +
               id + R"(","content":"11 degrees celsius"})";
    }

    // An OpenAI answer that ends the turn with `text`: no further tool call.
    static void expect_final_answer(const HttpResponse &response, const char *text) {
        ASSERT_EQ(response.status, 200) << response.error << response.body;
        const json::Document done = parse_json(response.body);
        EXPECT_STREQ(done["choices"][0]["finish_reason"].GetString(), "stop") << response.body;
        EXPECT_STREQ(done["choices"][0]["message"]["content"].GetString(), text);
        EXPECT_FALSE(done["choices"][0]["message"].HasMember("tool_calls"));
    }

    // The nodes a finished run went through, in order.
    std::vector<std::string> path_of(const std::string &run_id) const {
        EXPECT_TRUE(eventually_status(run_id, "succeeded")) << run_id;
        std::vector<std::string> path;
        const json::Document trace =
            parse_json(HttpClient(url_).get("/tinyllm/v1/runs/" + run_id).body);
        for (const json::Value &n : trace["nodes"].GetArray())
            path.emplace_back(n["node"].GetString());
        return path;
    }

    // The names of the tools a model request offered.
    static std::vector<std::string> offered(const json::Document &request) {
        std::vector<std::string> names;
        for (const json::Value &t : request["tools"].GetArray())
            names.emplace_back(t["function"]["name"].GetString());
        return names;
    }
};

TEST_F(ServeToolsTest, OpenAiToolCallsGoToTheClientAndItsResultsComeBack) {
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kBigModel, "", {{"get_weather", R"({"city":"Paris"})"}}));
    start_server();
    HttpClient client(url_);
    const std::string tools = std::string("[") + kWeatherTool + "]";
    const HttpResponse first =
        client.post("/v1/chat/completions",
                    R"({"model":"tinyllm/tools","tools":)" + tools +
                        R"(,"messages":[{"role":"system","content":"be brief"},)"
                        R"({"role":"user","content":"What is the weather in Paris?"}]})");
    ASSERT_EQ(first.status, 200) << first.error << first.body;
    const json::Document answer = parse_json(first.body);
    const json::Value &choice = answer["choices"][0];
    EXPECT_STREQ(choice["finish_reason"].GetString(), "tool_calls");
    EXPECT_TRUE(choice["message"]["content"].IsNull());
    ASSERT_EQ(choice["message"]["tool_calls"].Size(), 1u) << first.body;
    const json::Value &call = choice["message"]["tool_calls"][0];
    const std::string id = call["id"].GetString();
    EXPECT_EQ(id.rfind("call_", 0), 0u) << id;
    EXPECT_STREQ(call["type"].GetString(), "function");
    EXPECT_STREQ(call["function"]["name"].GetString(), "get_weather");
    EXPECT_STREQ(parse_json(call["function"]["arguments"].GetString())["city"].GetString(),
                 "Paris");
    // The model was offered the graph's own tools and the client's.
    EXPECT_THAT(offered(model_request()),
                ::testing::ElementsAre("calculator", "code", "get_weather"));
    // The run handed the calls over: it succeeded, and its message says so.
    EXPECT_TRUE(eventually_status(first.header("x-tinyllm-run-id"), "succeeded"));

    // The client ran the tool and sends its result, in OpenAI's shape.
    ollama_.enqueue("/api/chat", testing::chat_json(kBigModel, "It is 11 degrees in Paris."));
    const HttpResponse second =
        client.post("/v1/chat/completions",
                    R"({"model":"tinyllm/tools","tools":)" + tools +
                        R"(,"messages":[{"role":"system","content":"be brief"},)"
                        R"({"role":"user","content":"What is the weather in Paris?"},)" +
                        weather_call_answered(id) + "]}");
    expect_final_answer(second, "It is 11 degrees in Paris.");

    // The model read: its system prompt, the conversation before the question (history), the
    // question, its own call (in Ollama's shape) and the client's result, named by the call.
    const json::Document request = model_request();
    const json::Value &m = request["messages"];
    ASSERT_EQ(m.Size(), 5u) << json::to_string(m);
    EXPECT_STREQ(m[0]["role"].GetString(), "system");
    EXPECT_STREQ(m[1]["content"].GetString(), "be brief");
    EXPECT_STREQ(m[2]["role"].GetString(), "user");
    EXPECT_STREQ(m[2]["content"].GetString(), "What is the weather in Paris?");
    EXPECT_STREQ(m[3]["role"].GetString(), "assistant");
    EXPECT_STREQ(m[3]["tool_calls"][0]["function"]["name"].GetString(), "get_weather");
    EXPECT_STREQ(m[3]["tool_calls"][0]["function"]["arguments"]["city"].GetString(), "Paris");
    EXPECT_STREQ(m[4]["role"].GetString(), "tool");
    EXPECT_STREQ(m[4]["tool_name"].GetString(), "get_weather");
    EXPECT_STREQ(m[4]["content"].GetString(), "11 degrees celsius");
}

// The default graph (router, specialists, gates) takes a client's tools too: the specialist's
// call of one leaves the run past its gate (there is no answer to check yet), and the answer
// made with the client's result is gated as any other. Its specialists keep the conversation.
TEST_F(ServeToolsTest, TheDefaultGraphHandsAClientToolCallPastItsGateAndGatesTheAnswer) {
    const std::string route_general = R"({"route":"general","confidence":0.9})";
    ollama_.enqueue("/api/chat", testing::chat_json(kBigModel, route_general));
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kBigModel, "", {{"get_weather", R"({"city":"Paris"})"}}));
    start_server();
    HttpClient client(url_);
    const std::string tools = std::string("[") + kWeatherTool + "]";
    const std::string earlier = R"({"role":"user","content":"I am going to Paris."},)"
                                R"({"role":"assistant","content":"Have a good trip!"},)"
                                R"({"role":"user","content":"How is the weather there?"})";
    const HttpResponse first =
        client.post("/v1/chat/completions", R"({"model":"tinyllm/default","tools":)" + tools +
                                                R"(,"messages":[)" + earlier + "]}");
    ASSERT_EQ(first.status, 200) << first.error << first.body;
    const json::Document answer = parse_json(first.body);
    EXPECT_STREQ(answer["choices"][0]["finish_reason"].GetString(), "tool_calls") << first.body;
    const json::Value &call = answer["choices"][0]["message"]["tool_calls"][0];
    EXPECT_STREQ(call["function"]["name"].GetString(), "get_weather");
    const std::string id = call["id"].GetString();
    // The specialist had the conversation before the question, and the client's tool.
    const json::Document asked = model_request();
    const json::Value &m = asked["messages"];
    ASSERT_GE(m.Size(), 3u) << json::to_string(m);
    EXPECT_STREQ(m[m.Size() - 3]["content"].GetString(), "I am going to Paris.");
    EXPECT_STREQ(m[m.Size() - 2]["content"].GetString(), "Have a good trip!");
    EXPECT_THAT(m[m.Size() - 1]["content"].GetString(), HasSubstr("How is the weather there?"));
    EXPECT_THAT(offered(asked), ::testing::ElementsAre("get_weather"));
    // The run went router -> specialist -> done: no gate judged a tool call.
    EXPECT_EQ(path_of(first.header("x-tinyllm-run-id")),
              (std::vector<std::string>{"router", "specialist.general", "done"}));

    // The result comes back; the answer made with it goes through the general gate.
    ollama_.enqueue("/api/chat", testing::chat_json(kBigModel, route_general));
    ollama_.enqueue("/api/chat", testing::chat_json(kBigModel, "It is 11 degrees in Paris."));
    const HttpResponse second =
        client.post("/v1/chat/completions", R"({"model":"tinyllm/default","tools":)" + tools +
                                                R"(,"messages":[)" + earlier + "," +
                                                weather_call_answered(id) + "]}");
    expect_final_answer(second, "It is 11 degrees in Paris.");
    const json::Document read = model_request();
    const json::Value &turns = read["messages"];
    EXPECT_STREQ(turns[turns.Size() - 1]["role"].GetString(), "tool");
    EXPECT_STREQ(turns[turns.Size() - 1]["content"].GetString(), "11 degrees celsius");
    EXPECT_EQ(path_of(second.header("x-tinyllm-run-id")),
              (std::vector<std::string>{"router", "specialist.general", "general_check", "done"}));
}

TEST_F(ServeToolsTest, OpenAiStreamsToolCallsAsADeltaThenFinishReasonToolCalls) {
    ollama_.enqueue("/api/chat",
                    testing::chat_stream(kBigModel, {}, {{"get_weather", R"({"city":"Oslo"})"}}));
    start_server();
    const HttpResponse r = HttpClient(url_).post(
        "/v1/chat/completions",
        std::string(R"({"model":"tinyllm/tools","stream":true,"tools":[)") + kWeatherTool +
            R"(],"messages":[{"role":"user","content":"Weather in Oslo?"}]})");
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    std::vector<std::string> events;
    for (const std::string &line : r.lines())
        if (!line.empty()) events.push_back(line.substr(6)); // "data: "
    ASSERT_GE(events.size(), 4u) << r.body;                  // role, tool_calls, finish, [DONE]
    EXPECT_EQ(events.back(), "[DONE]");
    const json::Document calls = parse_json(events[events.size() - 3]);
    const json::Value &delta = calls["choices"][0]["delta"];
    ASSERT_TRUE(delta.HasMember("tool_calls")) << events[events.size() - 3];
    EXPECT_EQ(delta["tool_calls"][0]["index"].GetInt(), 0);
    EXPECT_STREQ(delta["tool_calls"][0]["function"]["name"].GetString(), "get_weather");
    EXPECT_STREQ(delta["tool_calls"][0]["function"]["arguments"].GetString(), R"({"city":"Oslo"})");
    const json::Document finish = parse_json(events[events.size() - 2]);
    EXPECT_STREQ(finish["choices"][0]["finish_reason"].GetString(), "tool_calls");
}

TEST_F(ServeToolsTest, OllamaChatAnswersToolCallsAndTakesToolMessages) {
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kBigModel, "", {{"get_weather", R"({"city":"Toronto"})"}}));
    ollama_.enqueue("/api/chat",
                    testing::chat_stream(kBigModel, {}, {{"get_weather", R"({"city":"Lima"})"}}));
    ollama_.enqueue("/api/chat", testing::chat_json(kBigModel, "11 degrees."));
    start_server();
    HttpClient client(url_);
    const std::string tools = std::string("[") + kWeatherTool + "]";
    const HttpResponse first = client.post(
        "/api/chat", R"({"model":"tinyllm/tools","stream":false,"tools":)" + tools +
                         R"(,"messages":[{"role":"user","content":"Weather in Toronto?"}]})");
    ASSERT_EQ(first.status, 200) << first.body;
    const json::Document doc = parse_json(first.body);
    EXPECT_TRUE(doc["done"].GetBool());
    EXPECT_STREQ(doc["message"]["tool_calls"][0]["function"]["name"].GetString(), "get_weather");
    EXPECT_STREQ(doc["message"]["tool_calls"][0]["function"]["arguments"]["city"].GetString(),
                 "Toronto");

    // Streamed: the calls in a line of their own, before the last.
    const HttpResponse streamed = client.post(
        "/api/chat", R"({"model":"tinyllm/tools","tools":)" + tools +
                         R"(,"messages":[{"role":"user","content":"Weather in Lima?"}]})");
    ASSERT_EQ(streamed.status, 200) << streamed.body;
    const std::vector<std::string> lines = streamed.lines();
    ASSERT_GE(lines.size(), 2u) << streamed.body;
    const json::Document calls = parse_json(lines[lines.size() - 2]);
    EXPECT_FALSE(calls["done"].GetBool());
    EXPECT_STREQ(calls["message"]["tool_calls"][0]["function"]["arguments"]["city"].GetString(),
                 "Lima");
    EXPECT_TRUE(parse_json(lines.back())["done"].GetBool());

    // The result, as Ollama's clients send it (the tool by name).
    const HttpResponse result = client.post(
        "/api/chat",
        R"({"model":"tinyllm/tools","stream":false,"tools":)" + tools +
            R"(,"messages":[{"role":"user","content":"Weather in Toronto?"},)"
            R"({"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Toronto"}}}]},)"
            R"({"role":"tool","tool_name":"get_weather","content":"11 degrees celsius"}]})");
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_STREQ(parse_json(result.body)["message"]["content"].GetString(), "11 degrees.");
    const json::Document request = model_request();
    EXPECT_STREQ(request["messages"][request["messages"].Size() - 1]["tool_name"].GetString(),
                 "get_weather");

    // A graph that takes tools says so, as Ollama's models do.
    const HttpResponse show = client.post("/api/show", R"({"model":"tinyllm/tools"})");
    EXPECT_THAT(show.body, HasSubstr(R"("capabilities":["completion","tools"])"));
    EXPECT_THAT(client.post("/api/show", R"({"model":"tinyllm/direct"})").body,
                HasSubstr(R"("capabilities":["completion"])"));
}

// The graph's own tools run on the server in the same loop: the calculator first, then the
// client's tool ends the run.
TEST_F(ServeToolsTest, TheGraphsOwnToolsStillRunOnTheServer) {
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kBigModel, "", {{"calculator", R"({"expression":"6*7"})"}}));
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kBigModel, "", {{"get_weather", R"({"city":"Rome"})"}}));
    start_server();
    const HttpResponse r = HttpClient(url_).post(
        "/v1/chat/completions",
        std::string(R"({"model":"tinyllm/tools","tools":[)") + kWeatherTool +
            R"(],"messages":[{"role":"user","content":"6*7, and the weather in Rome?"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    const json::Document doc = parse_json(r.body);
    ASSERT_EQ(doc["choices"][0]["message"]["tool_calls"].Size(), 1u) << r.body;
    EXPECT_STREQ(doc["choices"][0]["message"]["tool_calls"][0]["function"]["name"].GetString(),
                 "get_weather");
    // The second model call read the calculator's result.
    const json::Document request = model_request();
    const json::Value &m = request["messages"];
    EXPECT_STREQ(m[m.Size() - 1]["role"].GetString(), "tool");
    EXPECT_STREQ(m[m.Size() - 1]["tool_name"].GetString(), "calculator");
    EXPECT_THAT(m[m.Size() - 1]["content"].GetString(), HasSubstr("42"));
}

TEST_F(ServeToolsTest, ToolsAGraphCannotTakeAreRefusedBeforeAnyRun) {
    start_server();
    HttpClient client(url_);
    struct Case {
        const char *path;
        std::string body;
        const char *message;
    };
    const std::string weather = std::string("[") + kWeatherTool + "]";
    const Case cases[] = {
        {"/v1/chat/completions",
         R"({"model":"tinyllm/direct","tools":)" + weather +
             R"(,"messages":[{"role":"user","content":"hi"}]})",
         "does not take tools from a request"},
        {"/api/chat",
         R"({"model":"tinyllm/direct","tools":)" + weather +
             R"(,"messages":[{"role":"user","content":"hi"}]})",
         "does not take tools from a request"},
        {"/api/chat",
         R"({"model":"tinyllm/direct","messages":[{"role":"user","content":"hi"},)"
         R"({"role":"tool","content":"1"}]})",
         "this graph does not take tools"},
        {"/v1/chat/completions",
         R"({"model":"tinyllm/tools","tool_choice":"required","tools":)" + weather +
             R"(,"messages":[{"role":"user","content":"hi"}]})",
         "tool_choice \"required\" is not supported"},
        {"/v1/chat/completions",
         R"({"model":"tinyllm/tools","tools":[{"type":"function","function":{"name":"a b"}}],)"
         R"("messages":[{"role":"user","content":"hi"}]})",
         "tools[0].function.name must be"},
        {"/v1/chat/completions",
         R"({"model":"tinyllm/tools","tools":[)" + std::string(kWeatherTool) + "," + kWeatherTool +
             R"(],"messages":[{"role":"user","content":"hi"}]})",
         "a second tool named \"get_weather\""},
        {"/v1/chat/completions",
         R"({"model":"tinyllm/tools","messages":[{"role":"user","content":"hi"},)"
         R"({"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"f","arguments":"{"}}]}]})",
         "messages[1].tool_calls[0].function.arguments is not the text of a JSON object"},
        // Arguments nested past the JSON depth limit: refused, not read recursively.
        {"/v1/chat/completions",
         R"({"model":"tinyllm/tools","messages":[{"role":"user","content":"hi"},)"
         R"({"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"f","arguments":"{\"a\":)" +
             std::string(200000, '[') + R"("}}]}]})",
         "nested deeper than 250 levels"},
        {"/v1/chat/completions",
         R"({"model":"tinyllm/tools","messages":[{"role":"user","content":"hi"},)"
         R"({"role":"tool","tool_call_id":"nope","content":"1"}]})",
         "tool_call_id \"nope\" is not the id of a tool call before it"},
        {"/v1/chat/completions",
         R"({"model":"tinyllm/tools","messages":[{"role":"user","content":"hi"},)"
         R"({"role":"assistant","content":"an answer"}]})",
         "messages[1] follows the last user message"},
    };
    for (const Case &c : cases) {
        const HttpResponse r = client.post(c.path, c.body);
        EXPECT_EQ(r.status, 400) << c.body << ": " << r.body;
        EXPECT_THAT(error_message(r.body), HasSubstr(c.message)) << c.body;
    }
    EXPECT_EQ(ollama_.count("/api/chat"), 0u); // no run asked the model
}

// A client's tool named like one of the graph's own is the client's mistake, named.
TEST_F(ServeToolsTest, AClientToolNamedLikeTheGraphsOwnFailsTheRunSayingSo) {
    start_server();
    const HttpResponse r = HttpClient(url_).post(
        "/v1/chat/completions",
        R"({"model":"tinyllm/tools","tools":[{"type":"function","function":{"name":"calculator"}}],)"
        R"("messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_THAT(error_message(r.body), HasSubstr("offers a tool named \"calculator\""));
}

} // namespace
} // namespace tinyllm::e2e
