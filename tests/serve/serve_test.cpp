// tinyllm serve end to end: the real host serving the config's graphs over Ollama's API, driven
// over loopback HTTP, with FakeOllama as the model server behind it.
#include "serve_test_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>

#include <atomic>
#include <mutex>

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace tinyllm::e2e {
namespace {

using serve::testing::HttpClient;
using serve::testing::HttpResponse;
using serve::testing::RawConnection;
using ::testing::HasSubstr;

TEST_F(ServeTest, TagsListEveryGraphAsAModel) {
    start_server();
    HttpClient client(url_);
    const HttpResponse tags = client.get("/api/tags");
    ASSERT_EQ(tags.status, 200) << tags.error << tags.body;
    const json::Document doc = parse_json(tags.body);
    std::vector<std::string> names;
    for (const json::Value &m : doc["models"].GetArray())
        names.emplace_back(m["name"].GetString());
    // The graphs, then the backend's own models (requests for them are passed through).
    EXPECT_EQ(names, (std::vector<std::string>{"tinyllm/default", "tinyllm/direct", "qwen2.5:0.5b",
                                               "qwen2.5:1.5b"}));
    const HttpResponse version = client.get("/api/version");
    EXPECT_EQ(version.status, 200);
    // In front of an Ollama, its version (FakeOllama's); TinyLLM's own beside it.
    EXPECT_EQ(version.body, std::string(R"({"version":"0.12.0","tinyllm_version":")") +
                                TINYLLM_VERSION_STRING + "\"}");
    EXPECT_EQ(client.get("/").body, "TinyLLM is running");
    EXPECT_EQ(client.get("/healthz").status, 200);
    EXPECT_EQ(client.get("/readyz").status, 200);
    const HttpResponse show = client.post("/api/show", R"({"model":"tinyllm/default"})");
    EXPECT_EQ(show.status, 200);
    EXPECT_THAT(show.body, HasSubstr(R"("tinyllm.graph.id":"default")"));
}

TEST_F(ServeTest, ChatStreamsTheAnswerAsNdjsonAndTheRunIsRecorded) {
    start_server();
    HttpClient client(url_);
    const HttpResponse r = client.post("/api/chat", kChatHello);
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    EXPECT_EQ(r.header("content-type"), "application/x-ndjson");
    EXPECT_EQ(r.header("transfer-encoding"), "chunked");
    const std::vector<std::string> lines = r.lines();
    ASSERT_GE(lines.size(), 3u) << r.body; // tokens as they come, then the end
    std::string answer;
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
        const json::Document line = parse_json(lines[i]);
        EXPECT_FALSE(line["done"].GetBool());
        EXPECT_STREQ(line["model"].GetString(), "tinyllm/direct");
        answer += line["message"]["content"].GetString();
    }
    EXPECT_EQ(answer, testing::kDefaultAnswer);
    const json::Document last = parse_json(lines.back());
    EXPECT_TRUE(last["done"].GetBool());
    EXPECT_STREQ(last["done_reason"].GetString(), "stop");
    EXPECT_EQ(last["eval_count"].GetInt64(), 9);
    const std::string run_id = r.header("x-tinyllm-run-id");
    EXPECT_TRUE(eventually_status(run_id, "succeeded")) << run_id;
}

TEST_F(ServeTest, AGatedGraphStreamsItsAnswerOnceTheGateHasPassedIt) {
    start_server();
    HttpClient client(url_);
    const HttpResponse r = client.post(
        "/api/chat", R"({"model":"tinyllm/default","messages":[{"role":"user","content":"hi"}]})");
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    const std::vector<std::string> lines = r.lines();
    ASSERT_EQ(lines.size(), 2u) << r.body; // the whole answer, then the end
    EXPECT_EQ(parse_json(lines[0])["message"]["content"].GetString(), testing::kDefaultAnswer);
}

TEST_F(ServeTest, ChatAndGenerateWithoutStreamingAnswerOneDocument) {
    start_server();
    HttpClient client(url_);
    const HttpResponse chat = client.post(
        "/api/chat",
        R"({"model":"tinyllm/direct:latest","stream":false,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello"}]})");
    ASSERT_EQ(chat.status, 200) << chat.body;
    EXPECT_EQ(chat.header("content-type"), "application/json; charset=utf-8");
    const json::Document doc = parse_json(chat.body);
    EXPECT_EQ(doc["message"]["content"].GetString(), testing::kDefaultAnswer);
    EXPECT_TRUE(doc["done"].GetBool());
    const HttpResponse generate = client.post(
        "/api/generate", R"({"model":"tinyllm/direct","prompt":"hello","stream":false})");
    ASSERT_EQ(generate.status, 200) << generate.body;
    EXPECT_EQ(parse_json(generate.body)["response"].GetString(), testing::kDefaultAnswer);
    // Two requests, one connection: keep-alive.
    EXPECT_EQ(client.connections_made(), 0) << "the second request opened a new connection";
}

TEST_F(ServeTest, OpenAiChatCompletionsAnswerOneDocument) {
    start_server();
    HttpClient client(url_);
    const HttpResponse r = client.post(
        "/v1/chat/completions",
        R"({"model":"tinyllm/direct","temperature":0.1,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hel"},{"type":"text","text":"lo"}]}]})");
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    const json::Document doc = parse_json(r.body);
    EXPECT_STREQ(doc["object"].GetString(), "chat.completion");
    EXPECT_EQ(std::string(doc["id"].GetString()), "chatcmpl-" + r.header("x-tinyllm-run-id"));
    EXPECT_STREQ(doc["model"].GetString(), "tinyllm/direct");
    ASSERT_EQ(doc["choices"].Size(), 1u);
    EXPECT_EQ(doc["choices"][0]["message"]["content"].GetString(), testing::kDefaultAnswer);
    EXPECT_STREQ(doc["choices"][0]["finish_reason"].GetString(), "stop");
    EXPECT_EQ(doc["usage"]["completion_tokens"].GetInt64(), 9);
    EXPECT_EQ(doc["usage"]["total_tokens"].GetInt64(),
              doc["usage"]["prompt_tokens"].GetInt64() + 9);
    // The user's text parts, joined, are the input the model was asked about. (The chat's own
    // request: the backend health check may have asked for /api/tags since.)
    EXPECT_THAT(json::to_string(parse_json(ollama_.last_request("/api/chat").body)),
                HasSubstr("hello"));

    const HttpResponse models = client.get("/v1/models");
    ASSERT_EQ(models.status, 200);
    const json::Document list = parse_json(models.body);
    EXPECT_STREQ(list["object"].GetString(), "list");
    EXPECT_STREQ(list["data"][0]["id"].GetString(), "tinyllm/default");
    EXPECT_EQ(client.get("/v1/models/tinyllm/direct").status, 200);
    EXPECT_EQ(client.get("/v1/models/tinyllm/nope").status, 404);
}

// The direct graph's model node sends the conversation (history: true): the earlier turns
// between its system prompt and the question.
TEST_F(ServeTest, AChatsEarlierTurnsReachTheModelOfAGraphThatKeepsHistory) {
    start_server();
    const HttpResponse r = HttpClient(url_).post(
        "/api/chat",
        R"({"model":"tinyllm/direct","stream":false,"messages":[)"
        R"({"role":"user","content":"My name is Ada."},{"role":"assistant","content":"Hello Ada."},)"
        R"({"role":"user","content":"What is my name?"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    const json::Document request = parse_json(ollama_.last_request("/api/chat").body);
    const json::Value &m = request["messages"];
    ASSERT_EQ(m.Size(), 4u) << json::to_string(m);
    EXPECT_STREQ(m[0]["role"].GetString(), "system");
    EXPECT_STREQ(m[1]["content"].GetString(), "My name is Ada.");
    EXPECT_STREQ(m[2]["role"].GetString(), "assistant");
    EXPECT_STREQ(m[2]["content"].GetString(), "Hello Ada.");
    EXPECT_STREQ(m[3]["role"].GetString(), "user");
    EXPECT_STREQ(m[3]["content"].GetString(), "What is my name?");
}

// A request's options reach every model call of its run: over models.yaml's (temperature 0.2,
// num_ctx 4096), under what a node sets itself (the "pinned" graph's node fixes temperature).
TEST_F(ServeTest, TheRequestsOptionsReachTheModelCallsUnderANodesOwn) {
    write_config_file("graphs/pinned.yaml", "id: pinned\nversion: 1.0.0\nentry: answer\n"
                                            "exits: [answer]\nnodes:\n  - id: answer\n"
                                            "    type: model\n    config:\n"
                                            "      prompt: \"{{input}}\"\n"
                                            "      options: {temperature: 0}\n");
    start_server();
    HttpClient client(url_);
    // The options of the last model call, as their own document (the request's parsed body
    // would be gone with the lambda's frame).
    const auto options_sent = [this] {
        const json::Document body = parse_json(ollama_.last_request("/api/chat").body);
        json::Document options;
        options.CopyFrom(body["options"], options.GetAllocator());
        return options;
    };
    ASSERT_EQ(client
                  .post("/api/chat", R"({"model":"tinyllm/direct","stream":false,)"
                                     R"("options":{"temperature":0.9,"seed":7,"num_ctx":2048},)"
                                     R"("messages":[{"role":"user","content":"hello"}]})")
                  .status,
              200);
    EXPECT_EQ(options_sent()["temperature"].GetDouble(), 0.9);
    EXPECT_EQ(options_sent()["seed"].GetInt(), 7);
    EXPECT_EQ(options_sent()["num_ctx"].GetInt(), 2048);

    ASSERT_EQ(client
                  .post("/api/chat", R"({"model":"tinyllm/pinned","stream":false,)"
                                     R"("options":{"temperature":0.9,"seed":7},)"
                                     R"("messages":[{"role":"user","content":"hello"}]})")
                  .status,
              200);
    EXPECT_EQ(options_sent()["temperature"].GetDouble(), 0.0); // the node's own
    EXPECT_EQ(options_sent()["seed"].GetInt(), 7);
    EXPECT_EQ(options_sent()["num_ctx"].GetInt(), 4096); // models.yaml's

    // OpenAI's sampling parameters are the same options, in Ollama's names.
    ASSERT_EQ(client
                  .post("/v1/chat/completions",
                        R"({"model":"tinyllm/direct","temperature":0.3,"max_tokens":50,)"
                        R"("messages":[{"role":"user","content":"hello"}]})")
                  .status,
              200);
    EXPECT_EQ(options_sent()["temperature"].GetDouble(), 0.3);
    EXPECT_EQ(options_sent()["num_predict"].GetInt(), 50);

    // Options that are not an object are the client's mistake, before any run.
    const HttpResponse bad = client.post(
        "/api/chat", R"({"model":"tinyllm/direct","options":"hot","messages":[{"role":"user",)"
                     R"("content":"hello"}]})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_THAT(bad.body, HasSubstr("must be an object, not a string"));
}

// A client's answer format (Ollama's format, OpenAI's response_format) reaches the model node
// that answers (request_format), and is refused by a graph whose nodes would ignore it.
TEST_F(ServeTest, TheRequestsFormatIsTheAnsweringNodesAndRefusedByAGraphWithoutIt) {
    write_config_file("graphs/plain.yaml", "id: plain\nversion: 1.0.0\nentry: answer\n"
                                           "exits: [answer]\nnodes:\n  - id: answer\n"
                                           "    type: model\n    config:\n"
                                           "      prompt: \"{{input}}\"\n");
    start_server();
    HttpClient client(url_);
    const std::string schema =
        R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})";
    // The format of the last model call, as JSON text ("" for none).
    const auto format_sent = [this] {
        const json::Document body = parse_json(ollama_.last_request("/api/chat").body);
        const json::Value *format = json::find(body, "format");
        return format != nullptr ? json::to_string(*format) : std::string();
    };
    const auto chat = [&](const std::string &path, const std::string &model,
                          const std::string &extra) {
        return client.post(path, R"({"model":")" + model + R"(","stream":false,)" + extra +
                                     R"("messages":[{"role":"user","content":"hello"}]})");
    };

    ASSERT_EQ(chat("/api/chat", "tinyllm/direct", R"("format":)" + schema + ",").status, 200);
    EXPECT_EQ(format_sent(), schema);
    ASSERT_EQ(chat("/api/chat", "tinyllm/direct", R"("format":"json",)").status, 200);
    EXPECT_EQ(format_sent(), R"("json")");
    ASSERT_EQ(chat("/api/chat", "tinyllm/direct", R"("format":"",)").status, 200);
    EXPECT_EQ(format_sent(), "");
    const HttpResponse generated =
        client.post("/api/generate", R"({"model":"tinyllm/direct","stream":false,)"
                                     R"("format":"json","prompt":"hello"})");
    ASSERT_EQ(generated.status, 200) << generated.body;
    EXPECT_EQ(format_sent(), R"("json")");

    // OpenAI's response_format, in Ollama's terms.
    ASSERT_EQ(chat("/v1/chat/completions", "tinyllm/direct",
                   R"("response_format":{"type":"json_schema","json_schema":{"name":"place",)"
                   R"("schema":)" +
                       schema + "}},")
                  .status,
              200);
    EXPECT_EQ(format_sent(), schema);
    ASSERT_EQ(chat("/v1/chat/completions", "tinyllm/direct",
                   R"("response_format":{"type":"json_object"},)")
                  .status,
              200);
    EXPECT_EQ(format_sent(), R"("json")");
    ASSERT_EQ(
        chat("/v1/chat/completions", "tinyllm/direct", R"("response_format":{"type":"text"},)")
            .status,
        200);
    EXPECT_EQ(format_sent(), "");

    // A graph that does not set request_format would answer in free text: refused, not ignored.
    const size_t calls = ollama_.count("/api/chat");
    const HttpResponse ollama_refused = chat("/api/chat", "tinyllm/plain", R"("format":"json",)");
    EXPECT_EQ(ollama_refused.status, 400);
    EXPECT_THAT(std::string(parse_json(ollama_refused.body)["error"].GetString()),
                HasSubstr("graph \"plain\" does not answer in a requested format"));
    const HttpResponse openai_refused = chat("/v1/chat/completions", "tinyllm/plain",
                                             R"("response_format":{"type":"json_object"},)");
    EXPECT_EQ(openai_refused.status, 400);
    EXPECT_EQ(std::string(parse_json(openai_refused.body)["error"]["code"].GetString()),
              "unsupported_parameter");
    // Formats that are neither: the client's mistake.
    const HttpResponse yaml = chat("/api/chat", "tinyllm/direct", R"("format":"yaml",)");
    EXPECT_EQ(yaml.status, 400);
    EXPECT_THAT(yaml.body,
                HasSubstr(R"(format must be \"json\" or a JSON Schema object, not \"yaml\")"));
    const HttpResponse number = chat("/api/chat", "tinyllm/direct", R"("format":3,)");
    EXPECT_EQ(number.status, 400);
    const HttpResponse kind =
        chat("/v1/chat/completions", "tinyllm/direct", R"("response_format":{"type":"xml"},)");
    EXPECT_EQ(kind.status, 400);
    EXPECT_THAT(kind.body, HasSubstr("response_format.type must be"));
    EXPECT_EQ(ollama_.count("/api/chat"), calls); // none of them ran
}

// In the default graph the format is the specialist's, not the router's (which answers in its
// own); a code answer in a client's format skips code_check, whose fenced block JSON lacks.
TEST_F(ServeTest, TheDefaultGraphsSpecialistAnswersInTheRequestsFormat) {
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kBigModel, R"({"route":"code","confidence":0.9})"));
    ollama_.enqueue("/api/chat", testing::chat_json(kBigModel, R"({"name":"reverse"})"));
    start_server();
    const HttpResponse answer = HttpClient(url_).post(
        "/api/chat", R"({"model":"tinyllm/default","stream":false,"format":"json",)"
                     R"("messages":[{"role":"user","content":"hello there"}]})");
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_STREQ(parse_json(answer.body)["message"]["content"].GetString(),
                 R"({"name":"reverse"})");
    std::vector<testing::Request> sent = ollama_.requests();
    std::erase_if(sent, [](const testing::Request &r) { return r.path != "/api/chat"; });
    ASSERT_EQ(sent.size(), 2u);
    const json::Document routed = parse_json(sent[0].body);
    const json::Document answered = parse_json(sent[1].body);
    EXPECT_NE(json::to_string(routed["format"]), R"("json")"); // the router's classifier schema
    EXPECT_EQ(json::to_string(answered["format"]), R"("json")");
    const std::string run_id = answer.header("x-tinyllm-run-id");
    ASSERT_TRUE(eventually_status(run_id, "succeeded"));
    const json::Document trace =
        parse_json(HttpClient(url_).get("/tinyllm/v1/runs/" + run_id).body);
    std::vector<std::string> path;
    for (const json::Value &n : trace["nodes"].GetArray())
        path.emplace_back(n["node"].GetString());
    EXPECT_EQ(path, (std::vector<std::string>{"router", "specialist.code", "done"}));
}

TEST_F(ServeTest, OpenAiStreamsServerSentEventsEndingWithDone) {
    start_server();
    HttpClient client(url_);
    const HttpResponse r = client.post(
        "/v1/chat/completions",
        R"({"model":"tinyllm/direct","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello"}]})");
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    EXPECT_EQ(r.header("content-type"), "text/event-stream; charset=utf-8");
    std::vector<std::string> events;
    for (const std::string &line : r.lines()) {
        if (line.empty()) continue;
        ASSERT_EQ(line.rfind("data: ", 0), 0u) << line;
        events.push_back(line.substr(6));
    }
    ASSERT_GE(events.size(), 5u) << r.body; // role, tokens..., finish, usage, [DONE]
    EXPECT_EQ(events.back(), "[DONE]");
    const json::Document first = parse_json(events[0]);
    EXPECT_STREQ(first["choices"][0]["delta"]["role"].GetString(), "assistant");
    std::string answer;
    for (size_t i = 1; i + 3 < events.size(); ++i) {
        const json::Document chunk = parse_json(events[i]);
        EXPECT_STREQ(chunk["object"].GetString(), "chat.completion.chunk");
        answer += chunk["choices"][0]["delta"]["content"].GetString();
    }
    EXPECT_EQ(answer, testing::kDefaultAnswer);
    const json::Document finish = parse_json(events[events.size() - 3]);
    EXPECT_STREQ(finish["choices"][0]["finish_reason"].GetString(), "stop");
    const json::Document usage = parse_json(events[events.size() - 2]);
    EXPECT_TRUE(usage["choices"].Empty());
    EXPECT_EQ(usage["usage"]["completion_tokens"].GetInt64(), 9);
}

TEST_F(ServeTest, AnOpenAiRequestErrorIsOpenAisShape) {
    start_server();
    HttpClient client(url_);
    struct Case {
        const char *body;
        long status;
        const char *code; // "" for null
        const char *message;
    };
    const Case cases[] = {
        {"{", 400, "", "request body: invalid JSON"},
        {R"({"messages":[]})", 400, "missing_model", "you must provide a model parameter"},
        {R"({"model":"tinyllm/nope","messages":[]})", 404, "model_not_found", "no such graph"},
        {R"({"model":"tinyllm/direct","n":2,"messages":[]})", 400, "unsupported_value",
         "n must be 1"},
        {R"({"model":"tinyllm/direct","tools":[{"type":"function"}],"messages":[]})", 400,
         "unsupported_parameter", "does not take tools"},
        {R"({"model":"tinyllm/direct","messages":[{"role":"user","content":[{"type":"image_url"}]}]})",
         400, "", "a text \"content\""},
    };
    for (const Case &c : cases) {
        const HttpResponse r = client.post("/v1/chat/completions", c.body);
        EXPECT_EQ(r.status, c.status) << c.body << ": " << r.body;
        const json::Document doc = parse_json(r.body);
        ASSERT_TRUE(doc.IsObject() && doc.HasMember("error")) << r.body;
        const json::Value &error = doc["error"];
        EXPECT_THAT(error["message"].GetString(), HasSubstr(c.message)) << c.body;
        EXPECT_STREQ(error["type"].GetString(), "invalid_request_error") << c.body;
        if (*c.code == '\0') {
            EXPECT_TRUE(error["code"].IsNull()) << c.body;
        } else {
            EXPECT_STREQ(error["code"].GetString(), c.code) << c.body;
        }
    }
    EXPECT_EQ(client.get("/v1/chat/completions").status, 405);
    EXPECT_EQ(client.get("/v1/embeddings").status, 404);
}

TEST_F(ServeTest, ABadRequestGetsOneErrorInOllamasShape) {
    start_server();
    HttpClient client(url_);
    struct Case {
        const char *method;
        const char *path;
        const char *body;
        long status;
        const char *message;
    };
    const Case cases[] = {
        {"POST", "/api/chat", "{not json", 400, "request body: invalid JSON at line 1 column 2"},
        {"POST", "/api/chat", "[1]", 400, "request body"},
        {"POST", "/api/chat", R"({"messages":[]})", 400, "model is required"},
        {"POST", "/api/chat", R"({"model":5})", 400, "\"model\" must be a string"},
        {"POST", "/api/chat", R"({"model":"tinyllm/direct","messages":[]})", 400,
         "\"messages\" must be a non-empty list"},
        {"POST", "/api/chat",
         R"({"model":"tinyllm/direct","messages":[{"role":"assistant","content":"x"}]})", 400,
         "the last message must be the user's"},
        {"POST", "/api/chat", R"({"model":"tinyllm/direct","stream":"yes","messages":[]})", 400,
         "\"stream\" must be true or false"},
        {"POST", "/api/chat", R"({"model":"tinyllm/nope","messages":[{"role":"user"}]})", 404,
         "model \"tinyllm/nope\" not found: no such graph (served: tinyllm/default"},
        // Not a graph: the backend's own answer, passed through.
        {"POST", "/api/chat", R"({"model":"llama3","messages":[{"role":"user"}]})", 404,
         "model \"llama3\" not found, try pulling it first"},
        {"GET", "/api/chat", "", 405, "method GET not allowed on /api/chat (use POST)"},
        {"POST", "/api/pull", "{}", 400, "model is required"},
        {"GET", "/nope", "", 404, "no such endpoint: GET /nope"},
        {"GET", "/../../etc/passwd", "", 400, "climbs out"},
        {"GET", "/api/%2e%2e/x", "", 400, "climbs out"},
    };
    for (const Case &c : cases) {
        const HttpResponse r = client.request(c.method, c.path, c.body);
        EXPECT_EQ(r.status, c.status)
            << c.method << " " << c.path << " " << c.body << ": " << r.body;
        const json::Document error = parse_json(r.body);
        ASSERT_TRUE(error.IsObject() && error.HasMember("error")) << r.body;
        EXPECT_THAT(error["error"].GetString(), HasSubstr(c.message)) << c.path << " " << c.body;
    }
    EXPECT_EQ(client.get("/healthz").status, 200) << "the server survived them all";
}

TEST_F(ServeTest, ABodyOverTheLimitIsRefusedUnread) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nserver: {max_request_bytes: 2048}\n");
    start_server();
    HttpClient client(url_);
    const HttpResponse r = client.post("/api/chat", std::string(4096, ' '));
    EXPECT_EQ(r.status, 413) << r.error << r.body;
    EXPECT_THAT(r.body, HasSubstr("larger than 2048 bytes"));
    EXPECT_EQ(parse_json(r.body)["error"].GetString(),
              std::string("the request body is larger than 2048 bytes"));
    // Under OpenAI's API, in OpenAI's shape, so that its client libraries read the message.
    const HttpResponse openai =
        HttpClient(url_).post("/v1/chat/completions", std::string(4096, ' '));
    EXPECT_EQ(openai.status, 413) << openai.error << openai.body;
    const json::Document error = parse_json(openai.body);
    EXPECT_STREQ(error["error"]["type"].GetString(), "invalid_request_error") << openai.body;
    EXPECT_THAT(error["error"]["message"].GetString(), HasSubstr("larger than 2048 bytes"));
    EXPECT_EQ(HttpClient(url_).get("/healthz").status, 200);
}

TEST_F(ServeTest, AClientThatAsksBeforeSendingItsBodyGetsTheGoAhead) {
    start_server();
    RawConnection connection(port_);
    const std::string body = R"({"model":"tinyllm/nope","messages":[{"role":"user"}]})";
    connection.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    "Content-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n");
    EXPECT_EQ(connection.read_some(25, std::chrono::seconds(30)), "HTTP/1.1 100 Continue\r\n\r\n");
    connection.send(body);
    EXPECT_THAT(connection.read_some(12, std::chrono::seconds(30)), HasSubstr("HTTP/1.1 404"));
}

TEST_F(ServeTest, AFullQueueAnswersBusyWithRetryAfter) {
    write_config_file("system.yaml",
                      "data_dir: " + (root() / "data").string() +
                          "\nlimits: {max_concurrent_runs: 1, max_queued_runs: 0}\n");
    ollama_.set_token_delay(std::chrono::milliseconds(300)); // the first run holds the slot
    start_server();
    HttpResponse held;
    std::thread first = chat_in_background(held);
    const HttpResponse busy = HttpClient(url_).post("/api/chat", kChatHello);
    const HttpResponse busy_openai = HttpClient(url_).post(
        "/v1/chat/completions",
        R"({"model":"tinyllm/direct","messages":[{"role":"user","content":"hi"}]})");
    first.join();
    EXPECT_EQ(busy_openai.status, 429) << busy_openai.body;
    EXPECT_EQ(busy_openai.header("retry-after"), "1");
    EXPECT_THAT(busy_openai.body, HasSubstr(R"("code":"rate_limit_exceeded")"));
    EXPECT_EQ(busy.status, 503) << busy.body;
    EXPECT_EQ(busy.header("retry-after"), "1");
    EXPECT_THAT(busy.body, HasSubstr("server busy"));
}

// limits.request_timeout_ms counts from a request's arrival: the time it waited for the run slot
// is spent. Each run alone takes ~1.6 s of a 2.5 s budget; the second waits ~1.6 s first.
TEST_F(ServeTest, TheRequestTimeoutCountsTheTimeARequestWaitedInTheQueue) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nlimits: {max_concurrent_runs: 1, max_queued_runs: 4, "
                                         "request_timeout_ms: 2500}\n");
    for (int i = 0; i < 2; ++i) {
        ollama_.enqueue("/api/chat", testing::chat_stream(kModel, {"a ", "b ", "c ", "d"})
                                         .with_chunk_delay(std::chrono::milliseconds(400)));
    }
    start_server();
    HttpResponse first;
    std::thread holder = chat_in_background(first);
    const HttpResponse second =
        HttpClient(url_).post("/api/chat", R"({"model":"tinyllm/direct","stream":false,)"
                                           R"("messages":[{"role":"user","content":"hello"}]})");
    holder.join();
    EXPECT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(second.status, 504) << second.body;
    EXPECT_THAT(second.body, HasSubstr("limits.request_timeout_ms = 2500 ms, from the request's "
                                       "arrival"));
    EXPECT_TRUE(eventually_status(second.header("x-tinyllm-run-id"), "failed"));
}

// /metrics counts every answer by API and status, and each gate's verdicts.
TEST_F(ServeTest, MetricsCountAnswersByApiAndStatusAndGateVerdicts) {
    ollama_.enqueue("/api/chat",
                    testing::chat_json(kBigModel, R"({"route":"general","confidence":0.9})"));
    ollama_.enqueue("/api/chat", testing::chat_json(kBigModel, "Canberra."));
    start_server();
    HttpClient client(url_);
    const HttpResponse answer =
        client.post("/api/chat", R"({"model":"tinyllm/default","stream":false,)"
                                 R"("messages":[{"role":"user","content":"hello there"}]})");
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(client.post("/v1/chat/completions", R"({"model":"tinyllm/nope"})").status, 404);
    EXPECT_EQ(client.get("/api/nope").status, 404); // passed through: the backend's 404
    // The run's metrics are counted as it ends, after its answer went out.
    ASSERT_TRUE(eventually_status(answer.header("x-tinyllm-run-id"), "succeeded"));
    const std::string metrics = client.get("/metrics").body;
    EXPECT_THAT(metrics,
                HasSubstr("\ntinyllm_http_requests_total{api=\"ollama\",code=\"200\"} 1\n"));
    EXPECT_THAT(metrics,
                HasSubstr("\ntinyllm_http_requests_total{api=\"ollama\",code=\"404\"} 1\n"));
    EXPECT_THAT(metrics,
                HasSubstr("\ntinyllm_http_requests_total{api=\"openai\",code=\"404\"} 1\n"));
    EXPECT_THAT(metrics,
                HasSubstr("\ntinyllm_gate_decisions_total{graph=\"default\",node=\"general_"
                          "check\",outcome=\"pass\"} 1\n"));
}

// 10,000 requests at once from 100 clients: each is answered or refused as busy, cleanly; every
// answered one was recorded; the server is still there after.
TEST_F(ServeTest, ABurstOfTenThousandRequestsIsAnsweredOrRefusedCleanly) {
    write_config_file("system.yaml",
                      "data_dir: " + (root() / "data").string() +
                          "\nlimits: {max_concurrent_runs: 4, max_queued_runs: 16}\n");
    ollama_.set_recording(false);
    start_server();
    constexpr int kClients = 100, kEach = 100;
    std::atomic<int> answered{0}, busy{0}, other{0};
    std::mutex mutex;
    std::string first_other;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&] {
            HttpClient client(url_);
            for (int i = 0; i < kEach; ++i) {
                const HttpResponse r = client.post(
                    "/api/generate", R"({"model":"tinyllm/direct","prompt":"hi","stream":false})");
                if (r.status == 200 && r.body.find(R"("done":true)") != std::string::npos) {
                    ++answered;
                } else if (r.status == 503 && r.header("retry-after") == "1") {
                    ++busy;
                } else {
                    ++other;
                    const std::lock_guard lock(mutex);
                    if (first_other.empty()) {
                        first_other = std::to_string(r.status) + " " + r.error + " " + r.body;
                    }
                }
            }
        });
    }
    for (std::thread &t : clients)
        t.join();
    EXPECT_EQ(other.load(), 0) << first_other;
    EXPECT_EQ(answered + busy, kClients * kEach);
    EXPECT_GT(answered.load(), 0);
    EXPECT_GT(busy.load(), 0) << "16 queued places should not take 100 clients";
    EXPECT_EQ(HttpClient(url_).get("/healthz").status, 200);
    // Every answered request is a recorded run, and nothing refused left one.
    const RunResult listed = host({"runs", "list", "--last", "0", "--json"});
    ASSERT_EXIT_CODE(listed, kOk);
    const json::Document recorded = parse_json(listed.out);
    EXPECT_EQ(recorded.Size(), static_cast<size_t>(answered.load()));
    for (const json::Value &run : recorded.GetArray())
        EXPECT_STREQ(run["status"].GetString(), "succeeded");
}

// 10,000 connections opened at once, each sending one request: every one gets an HTTP answer —
// the graph's, 503 busy from the run queue, or 503 from server.max_connections (2,000 here) —
// and none is reset, hangs or crashes the server.
TEST_F(ServeTest, TenThousandConnectionsAtOnceAreEachAnsweredOrTurnedAway) {
    constexpr size_t kConnections = 10'000;
    rlimit files{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
    const rlim_t needed = kConnections + 1024;
    if (files.rlim_max != RLIM_INFINITY && files.rlim_max < needed) {
        GTEST_SKIP() << "needs " << needed << " open files in this process; the hard limit here is "
                     << files.rlim_max;
    }
    if (files.rlim_cur < needed) {
        files.rlim_cur = needed;
        ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0) << std::strerror(errno);
    }
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nlimits: {max_concurrent_runs: 4, max_queued_runs: 16}"
                                         "\nserver: {max_connections: 2000}\n");
    ollama_.set_recording(false);
    start_server();

    const std::string body = R"({"model":"tinyllm/direct","prompt":"hi","stream":false})";
    const std::string request = "POST /api/generate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                "Content-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
    struct Connection {
        int fd = -1;
        size_t sent = 0;
        std::string received;
        std::string error; // what ended it other than the server's close
        bool open = true;
    };
    std::vector<Connection> connections(kConnections);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(port_);
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (Connection &c : connections) {
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        ASSERT_GE(c.fd, 0) << std::strerror(errno);
        if (::connect(c.fd, reinterpret_cast<const sockaddr *>(&server), sizeof server) != 0 &&
            errno != EINPROGRESS) {
            c.error = std::string("connect: ") + std::strerror(errno);
            c.open = false;
        }
    }
    // One thread drives them all: send the request as the socket takes it, read to the close.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
    std::vector<pollfd> polled;
    std::vector<Connection *> owners;
    char buffer[4096];
    for (;;) {
        polled.clear();
        owners.clear();
        for (Connection &c : connections) {
            if (!c.open) continue;
            polled.push_back(
                {c.fd, static_cast<short>(POLLIN | (c.sent < request.size() ? POLLOUT : 0)), 0});
            owners.push_back(&c);
        }
        if (polled.empty() || std::chrono::steady_clock::now() > deadline) break;
        if (::poll(polled.data(), polled.size(), 1000) < 0 && errno != EINTR) break;
        for (size_t i = 0; i < polled.size(); ++i) {
            Connection &c = *owners[i];
            if ((polled[i].revents & POLLOUT) && c.sent < request.size()) {
                const ssize_t n =
                    ::send(c.fd, request.data() + c.sent, request.size() - c.sent, MSG_NOSIGNAL);
                if (n > 0) c.sent += static_cast<size_t>(n);
                if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && c.received.empty()) {
                    c.error = std::string("send: ") + std::strerror(errno);
                    c.open = false;
                    continue;
                }
            }
            if (polled[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
                if (n > 0) {
                    c.received.append(buffer, static_cast<size_t>(n));
                } else if (n == 0) {
                    c.open = false;
                } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                    c.error = std::string("recv: ") + std::strerror(errno);
                    c.open = false;
                }
            }
        }
    }
    size_t answered = 0, busy = 0, turned_away = 0, other = 0;
    std::string first_other;
    for (Connection &c : connections) {
        ::close(c.fd);
        if (c.received.starts_with("HTTP/1.1 200 ") &&
            c.received.find(R"("done":true)") != std::string::npos) {
            ++answered;
        } else if (c.received.starts_with("HTTP/1.1 503 ") &&
                   c.received.find("too many open connections") != std::string::npos) {
            ++turned_away;
        } else if (c.received.starts_with("HTTP/1.1 503 ") &&
                   c.received.find("Retry-After: 1") != std::string::npos) {
            ++busy;
        } else {
            if (other++ == 0) {
                first_other = (c.open ? "still open after 4 minutes; " : "") + c.error + " [" +
                              c.received.substr(0, 200) + "]";
            }
        }
    }
    RecordProperty("answered", static_cast<int>(answered));
    RecordProperty("busy", static_cast<int>(busy));
    RecordProperty("turned_away", static_cast<int>(turned_away));
    EXPECT_EQ(other, 0u) << first_other;
    EXPECT_EQ(answered + busy + turned_away, kConnections)
        << answered << " answered, " << busy << " busy, " << turned_away << " turned away";
    EXPECT_GT(answered, 0u);
    EXPECT_EQ(HttpClient(url_).get("/healthz").status, 200);
}

TEST_F(ServeTest, AClientThatGoesAwayCancelsItsRunAndTheRunIsRecordedSo) {
    ollama_.set_token_delay(std::chrono::milliseconds(500));
    start_server();
    RawConnection connection(port_);
    const std::string body =
        R"({"model":"tinyllm/direct","messages":[{"role":"user","content":"hello"}]})";
    connection.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
    // The head and the first token, then the client leaves.
    const std::string head = connection.read_some(200, std::chrono::seconds(30));
    ASSERT_THAT(head, HasSubstr("X-TinyLLM-Run-Id: "));
    const size_t at = head.find("X-TinyLLM-Run-Id: ") + 18;
    const std::string run_id = head.substr(at, head.find('\r', at) - at);
    connection.close();
    EXPECT_TRUE(eventually_status(run_id, "cancelled"))
        << "run " << run_id << ": " << status_of(run_id);
    // Its model call was cut off where it was, not left to finish for no one.
    const json::Document trace =
        parse_json(HttpClient(url_).get("/tinyllm/v1/runs/" + run_id).body);
    const json::Value &call = trace["nodes"][0]["model_calls"][0];
    EXPECT_THAT(call["error"].GetString(), HasSubstr("cancelled during POST /api/chat"));
    EXPECT_NE(std::string(trace["answer"].GetString()), testing::kDefaultAnswer);
}

// server.max_connections: one connection more is told the server is busy and closed, unread, so
// a flood of idle sockets cannot take every descriptor; the open ones are served as before.
TEST_F(ServeTest, AConnectionBeyondMaxConnectionsIsTurnedAwayAtOnce) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nserver: {max_connections: 2}\n");
    start_server();
    auto first = std::make_unique<RawConnection>(port_);
    RawConnection second(port_);
    RawConnection third(port_); // accepted in order: the first two are counted by now
    const std::string answer = third.read_until_closed(std::chrono::seconds(30));
    EXPECT_TRUE(third.closed_by_server());
    EXPECT_THAT(answer, HasSubstr("HTTP/1.1 503 Service Unavailable\r\n"));
    EXPECT_THAT(answer, HasSubstr("Retry-After: 1\r\n"));
    EXPECT_THAT(answer, HasSubstr(R"({"error":"server busy: too many open connections"})"));
    second.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_THAT(second.read_some(12, std::chrono::seconds(30)), HasSubstr("HTTP/1.1 200"));
    // A connection that closes makes room for the next.
    first.reset();
    long status = 0;
    for (int i = 0; i < 100 && status != 200; ++i) {
        status = HttpClient(url_).get("/healthz").status;
        if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(status, 200);
}

TEST_F(ServeTest, ASlowClientIsCutOffAfterTheRequestTimeout) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nserver: {request_timeout_ms: 300}\n");
    start_server();
    RawConnection slow(port_);
    slow.send("POST /api/chat HTTP/1.1\r\nHost: x\r\n"); // and never the rest
    const std::string answer = slow.read_until_closed(std::chrono::seconds(30));
    EXPECT_TRUE(slow.closed_by_server());
    EXPECT_EQ(answer, ""); // closed, not answered: the request never arrived
    EXPECT_EQ(HttpClient(url_).get("/healthz").status, 200);
}

TEST_F(ServeTest, SigtermLetsTheRunInFlightFinishThenExits) {
    ollama_.set_token_delay(std::chrono::milliseconds(100));
    start_server();
    HttpResponse response;
    std::thread client = chat_in_background(response);
    server_->send_signal(SIGTERM);
    client.join();
    const RunResult ended = server_->finish();
    EXPECT_EXIT_CODE(ended, kOk);
    ASSERT_EQ(response.status, 200) << response.error;
    EXPECT_THAT(response.body, HasSubstr(R"("done":true)"));
    EXPECT_EQ(status_of(response.header("x-tinyllm-run-id")), "succeeded");
}

TEST_F(ServeTest, SigtermCancelsARunStillInFlightAfterTheGrace) {
    write_config_file("system.yaml", "data_dir: " + (root() / "data").string() +
                                         "\nserver: {shutdown_grace_ms: 0}\n");
    ollama_.set_token_delay(std::chrono::milliseconds(1000));
    start_server();
    HttpResponse response;
    std::thread client = chat_in_background(response);
    server_->send_signal(SIGTERM);
    client.join();
    const RunResult ended = server_->finish();
    EXPECT_EXIT_CODE(ended, kOk);
    EXPECT_THAT(ended.err, HasSubstr("cancelling 1 run(s) still in flight"));
    const std::string run_id = response.header("x-tinyllm-run-id");
    ASSERT_FALSE(run_id.empty()) << response.status << " " << response.error << response.body;
    EXPECT_EQ(status_of(run_id), "cancelled");
}

// "Max open files  SOFT  HARD  files" of a process, as the kernel shows its limits.
std::pair<std::string, std::string> open_files_limit(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("Max open files", 0) != 0) continue;
        std::istringstream fields(line.substr(std::string_view("Max open files").size()));
        std::string soft, hard;
        fields >> soft >> hard;
        return {soft, hard};
    }
    return {};
}

TEST_F(ServeTest, TheServerTakesEveryDescriptorItsHardLimitAllows) {
    // Started with a soft limit below the hard one (the child inherits the test's), as a
    // login shell's 1,024 under a far higher hard limit.
    rlimit saved{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max <= 512) {
        GTEST_SKIP() << "the hard limit on open files is " << saved.rlim_max
                     << ": no room to start the server below it";
    }
    rlimit low = saved;
    low.rlim_cur = 512;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    start_server();
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
    const auto [soft, hard] = open_files_limit(server_->pid());
    ASSERT_FALSE(hard.empty()) << "no open-files line in /proc/" << server_->pid() << "/limits";
    EXPECT_EQ(soft, hard);
}

// retention.max_age_days: the server deletes the runs older than that at its start (and every
// hour), not the ones it records afterwards. 0.00002 days is 1.7 s.
TEST_F(ServeTest, RunsOlderThanTheRetentionAreDeletedWhenTheServerStarts) {
    write_config_file("system.yaml", "data_dir: " + (config_dir().parent_path() / "data").string() +
                                         "\nretention:\n  max_age_days: 0.00002\n");
    ASSERT_EXIT_CODE(host({"run", "--graph", "direct", "an old question"}), kOk);
    std::this_thread::sleep_for(std::chrono::milliseconds(2000)); // older than the limit
    start_server();
    bool gone = false;
    for (int i = 0; i < 300 && !gone; ++i) {
        gone = runs().Size() == 0;
        if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(gone) << "the old run is still recorded";
    const std::string fresh =
        HttpClient(url_).post("/api/chat", kChatHello).header("x-tinyllm-run-id");
    EXPECT_EQ(status_of(fresh), "succeeded");
}

TEST_F(ServeTest, AnAddressInUseIsOneClearError) {
    start_server();
    const RunResult second = host({"serve", "--listen", "127.0.0.1:" + std::to_string(port_)});
    EXPECT_EXIT_CODE(second, kUnavailable);
    EXPECT_TRUE(OneErrorLine(second));
    EXPECT_THAT(second.err, HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(port_) +
                                      ": Address already in use"));
    const RunResult bad = host({"serve", "--listen", "localhost"});
    EXPECT_EXIT_CODE(bad, kUsage);
    EXPECT_THAT(bad.err, HasSubstr("expected HOST:PORT"));
}

} // namespace
} // namespace tinyllm::e2e
