// Chat messages: Ollama's own documented examples must survive parse -> to_json unchanged, and
// so must everything this version does not model (extras, nulls).
#include "messages/chat.hpp"

#include "tinyllm/json.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tinyllm::messages {
namespace {

using host_test::data_dir;
using host_test::error_of;
using host_test::read_file;
using ::testing::HasSubstr;

json::Document doc(std::string_view text) {
    return json::parse(text, "test document");
}

// Structural equality (RapidJSON's operator==: member order does not matter), with both
// documents in the failure message.
::testing::AssertionResult same_json(std::string_view expected, std::string_view actual) {
    if (doc(expected) == doc(actual)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "expected " << json::to_string(doc(expected)) << "\n  actual " << actual;
}

std::string example(const std::string &name) {
    return read_file(data_dir() / "ollama-api" / name);
}

const std::vector<std::string> kRequests = {
    "09-chat-streaming.request.json",          "10-chat-streaming-with-tools.request.json",
    "11-chat-nonstreaming.request.json",       "12-chat-nonstreaming-with-tools.request.json",
    "13-chat-structured-outputs.request.json", "14-chat-history-with-tools.request.json",
    "15-chat-with-tools-paris.request.json",   "16-chat-reproducible.request.json",
    "17-chat-load-model.request.json",
};

const std::vector<std::string> kResponses = {
    "09-chat-streaming.response.chunk.json",
    "09-chat-streaming.response.final.json",
    "10-chat-streaming-with-tools.response.chunk.json",
    "10-chat-streaming-with-tools.response.final.json",
    "11-chat-nonstreaming.response.json",
    "12-chat-nonstreaming-with-tools.response.json",
    "13-chat-structured-outputs.response.json",
    "14-chat-history-with-tools.response.json",
    "15-chat-with-tools-paris.response.json",
    "16-chat-reproducible.response.json",
    "17-chat-load-model.response.json",
};

class OllamaRequestExample : public ::testing::TestWithParam<std::string> {};
class OllamaResponseExample : public ::testing::TestWithParam<std::string> {};

TEST_P(OllamaRequestExample, RoundTripsExactly) {
    const std::string text = example(GetParam());
    const ChatRequest request = parse_chat_request(text);
    const std::string out = to_json(request);
    EXPECT_TRUE(same_json(text, out));
    EXPECT_EQ(parse_chat_request(out), request); // and back to the same struct
}

TEST_P(OllamaResponseExample, RoundTripsExactly) {
    const std::string text = example(GetParam());
    const ChatResponse response = parse_chat_response(text);
    const std::string out = to_json(response);
    EXPECT_TRUE(same_json(text, out));
    EXPECT_EQ(parse_chat_response(out), response);
}

std::string test_name(const ::testing::TestParamInfo<std::string> &info) {
    std::string name = info.param.substr(0, info.param.find(".json"));
    for (char &c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Docs, OllamaRequestExample, ::testing::ValuesIn(kRequests), test_name);
INSTANTIATE_TEST_SUITE_P(Docs, OllamaResponseExample, ::testing::ValuesIn(kResponses), test_name);

// The examples also land in the right fields, not only in `extra`.
TEST(OllamaExamples, FieldsAreParsedNotJustCarried) {
    const ChatRequest history = parse_chat_request(example(kRequests[5]));
    EXPECT_EQ(history.model, "llama3.2");
    ASSERT_EQ(history.messages.size(), 3u);
    ASSERT_EQ(history.messages[1].tool_calls.size(), 1u);
    EXPECT_EQ(history.messages[1].tool_calls[0].name, "get_weather");
    EXPECT_TRUE(same_json(R"({"city":"Toronto"})", history.messages[1].tool_calls[0].arguments));
    EXPECT_EQ(history.messages[2].role, "tool");
    EXPECT_EQ(history.messages[2].tool_name, "get_weather");
    EXPECT_EQ(history.stream, false);
    ASSERT_TRUE(history.tools);
    EXPECT_EQ(doc(*history.tools).Size(), 1u);
    EXPECT_EQ(history.extra, "{}");

    const ChatRequest structured = parse_chat_request(example(kRequests[4]));
    ASSERT_TRUE(structured.format && structured.options);
    EXPECT_TRUE(doc(*structured.format).IsObject());
    EXPECT_TRUE(same_json(R"({"temperature":0})", *structured.options));

    EXPECT_TRUE(parse_chat_request(example(kRequests[8])).messages.empty());

    const ChatResponse chunk = parse_chat_response(example(kResponses[0]));
    EXPECT_FALSE(chunk.done);
    EXPECT_EQ(chunk.message.content, "The");
    EXPECT_FALSE(chunk.message.images);                   // null is not an empty list...
    EXPECT_EQ(chunk.message.extra, R"({"images":null})"); // ...it is carried as it came

    const ChatResponse final = parse_chat_response(example(kResponses[1]));
    EXPECT_EQ(final.total_duration, 4883583458);
    EXPECT_EQ(final.eval_count, 282);
    EXPECT_FALSE(final.done_reason);

    const ChatResponse load = parse_chat_response(example(kResponses[10]));
    EXPECT_EQ(load.done_reason, "load");
    EXPECT_FALSE(load.eval_count);
}

TEST(ChatMessages, StructsWithExtrasRoundTrip) {
    ChatRequest request;
    request.model = "qwen2.5:0.5b";
    ChatMessage user;
    user.role = "user";
    user.content = "describe \"this\"\n";
    user.images = std::vector<std::string>{"aGVsbG8=", "d29ybGQ="};
    user.extra = R"({"x_note":{"nested":[1,2.5,null,true]}})";
    ChatMessage assistant;
    assistant.role = "assistant";
    assistant.thinking = "the user wants the weather";
    ToolCall call;
    call.id = "call_1";
    call.index = 0;
    call.name = "get_weather";
    call.arguments = R"({"city":"Tokyo","days":[1,2]})";
    call.extra = R"({"type":"function"})";
    assistant.tool_calls = {call};
    ChatMessage tool;
    tool.role = "tool";
    tool.content = "11 degrees";
    tool.tool_name = "get_weather";
    request.messages = {user, assistant, tool};
    request.tools = R"([{"type":"function","function":{"name":"get_weather"}}])";
    request.format = R"("json")";
    request.options = R"({"seed":101,"temperature":0})";
    request.stream = false;
    request.keep_alive = "300";
    request.think = R"("high")";
    request.extra = R"({"truncate":true,"x":{"y":"z"}})";

    const std::string text = to_json(request);
    EXPECT_EQ(parse_chat_request(text), request);
    // Extras come out as members, not as a nested "extra" object.
    const json::Document d = doc(text);
    EXPECT_TRUE(d["truncate"].IsTrue());
    EXPECT_FALSE(d.HasMember("extra"));
    EXPECT_TRUE(d["messages"][0]["x_note"]["nested"][2].IsNull());
    EXPECT_STREQ(d["messages"][1]["tool_calls"][0]["type"].GetString(), "function");
    EXPECT_EQ(d["messages"][1]["tool_calls"][0]["function"]["index"].GetInt(), 0);
    EXPECT_EQ(d["keep_alive"].GetInt(), 300);

    ChatResponse response;
    response.model = "m";
    response.created_at = "2025-07-07T20:22:19.184789Z";
    response.message = assistant;
    response.done = false;
    response.done_reason = "stop";
    response.total_duration = 1;
    response.load_duration = 2;
    response.prompt_eval_count = 3;
    response.prompt_eval_duration = 4;
    response.eval_count = 5;
    response.eval_duration = int64_t{1} << 40;
    response.extra = R"({"context":[1,2,3]})";
    EXPECT_EQ(parse_chat_response(to_json(response)), response);

    EXPECT_EQ(parse_chat_message(to_json(tool)), tool);
}

TEST(ChatMessages, NullMembersAreCarriedVerbatim) {
    const std::string text =
        R"({"model":"m","message":{"role":"assistant","content":"x","images":null,)"
        R"("thinking":null,"tool_calls":null},"done":false,"done_reason":null,)"
        R"("eval_count":null})";
    const ChatResponse r = parse_chat_response(text);
    EXPECT_FALSE(r.message.images);
    EXPECT_FALSE(r.message.thinking);
    EXPECT_FALSE(r.done_reason);
    EXPECT_FALSE(r.eval_count);
    EXPECT_TRUE(same_json(text, to_json(r)));

    const std::string request = R"({"model":"m","messages":[],"format":null,"think":null})";
    const ChatRequest q = parse_chat_request(request);
    EXPECT_FALSE(q.format);
    EXPECT_FALSE(q.think);
    EXPECT_TRUE(same_json(request, to_json(q)));
}

TEST(ChatMessages, ToolCallsKeepIndexIdAndArgumentObjects) {
    const std::string text =
        R"({"role":"assistant","content":"","tool_calls":[)"
        R"({"id":"a","function":{"index":0,"name":"f","arguments":{"x":{"y":[1,"2"]}}}},)"
        R"({"function":{"index":1,"name":"g","arguments":{}}}]})";
    const ChatMessage m = parse_chat_message(text);
    ASSERT_EQ(m.tool_calls.size(), 2u);
    EXPECT_EQ(m.tool_calls[0].id, "a");
    EXPECT_EQ(m.tool_calls[0].index, 0);
    EXPECT_EQ(m.tool_calls[0].name, "f");
    EXPECT_TRUE(same_json(R"({"x":{"y":[1,"2"]}})", m.tool_calls[0].arguments));
    EXPECT_FALSE(m.tool_calls[1].id);
    EXPECT_EQ(m.tool_calls[1].index, 1);
    EXPECT_EQ(m.tool_calls[1].arguments, "{}");
    EXPECT_TRUE(same_json(text, to_json(m)));
}

TEST(ChatMessages, NonAsciiTextRoundTrips) {
    const std::string text =
        R"({"model":"m","message":{"role":"assistant","content":"11°C — ok ✓ 😀"},"done":true})";
    const ChatResponse r = parse_chat_response(text);
    EXPECT_EQ(r.message.content, "11°C — ok ✓ 😀");
    EXPECT_TRUE(same_json(text, to_json(r)));
}

// The error of parsing `text` as a request (or response), which must be invalid_argument.
template <typename Parse> std::string invalid(Parse parse, std::string_view text) {
    const auto e = error_of([&] { parse(text); });
    if (!e) return {};
    EXPECT_EQ(e->code(), ErrorCode::invalid_argument) << e->what();
    return e->what();
}

TEST(ChatMessages, TypeErrorsNameTheField) {
    const auto response = [](std::string_view t) { return parse_chat_response(t); };
    const auto request = [](std::string_view t) { return parse_chat_request(t); };
    const std::string msg = R"("message":{"role":"assistant","content":""})";

    EXPECT_EQ(invalid(response, R"({"model":"m",)" + msg + R"(,"done":"yes"})"),
              "chat response: \"done\" must be a boolean, got string");
    EXPECT_THAT(invalid(response, R"({"model":"m",)" + msg + R"(,"eval_count":1.5})"),
                HasSubstr("\"eval_count\" must be an integer"));
    EXPECT_THAT(invalid(response, R"({"model":7,)" + msg + "}"),
                HasSubstr("\"model\" must be a string"));
    EXPECT_THAT(invalid(response, R"({"model":"m","message":{"role":1,"content":""}})"),
                HasSubstr("\"role\" must be a string"));
    EXPECT_THAT(invalid(response, R"({"model":"m","message":[]})"),
                HasSubstr("message: expected an object, got array"));
    EXPECT_THAT(invalid(response, R"({"model":"m","done":true})"),
                HasSubstr("missing \"message\""));
    EXPECT_THAT(invalid(response, R"([1])"), HasSubstr("expected an object"));
    EXPECT_THAT(invalid(response, R"({"model":)"), HasSubstr("invalid JSON"));

    EXPECT_THAT(invalid(request, R"({"model":"m","messages":{}})"),
                HasSubstr("\"messages\" must be an array"));
    EXPECT_THAT(invalid(request, R"({"model":"m","messages":[],"stream":"no"})"),
                HasSubstr("\"stream\" must be a boolean"));
    EXPECT_THAT(invalid(request, R"({"model":"m","messages":[{"role":"user","content":1}]})"),
                HasSubstr("\"content\" must be a string"));
    EXPECT_THAT(
        invalid(request, R"({"model":"m","messages":[{"role":"u","content":"","images":"x"}]})"),
        HasSubstr("\"images\" must be an array"));
    EXPECT_THAT(invalid(request, R"({"model":"m","messages":[{"role":"assistant","content":"",)"
                                 R"("tool_calls":[{"function":{"name":"f","index":"0"}}]}]})"),
                HasSubstr("\"index\" must be an integer"));
    EXPECT_THAT(invalid(request, R"({"model":"m","messages":[{"role":"assistant","content":"",)"
                                 R"("tool_calls":[{"id":"x"}]}]})"),
                HasSubstr("missing \"function\""));
    EXPECT_THAT(invalid(request, R"({"model":"m","messages":[{"role":"assistant","content":"",)"
                                 R"("tool_calls":[{"function":{"name":"f","strict":true}}]}]})"),
                HasSubstr("unexpected members"));
}

// --- Product bugs (see the report): the documented promise is to_json(parse(doc)) == doc. ---

TEST(ChatMessages, NullInAMemberThatIsAlwaysWrittenIsNotDuplicated) {
    // OpenAI-style clients send "content": null next to tool_calls. The parser accepts it and
    // carries the null in `extra`, but to_json also writes "content": "" — two "content" keys.
    const std::string text =
        R"({"role":"assistant","content":null,"tool_calls":[{"function":{"name":"f",)"
        R"("arguments":{}}}]})";
    const std::string out = to_json(parse_chat_message(text));
    const json::Document d = doc(out);
    int contents = 0;
    for (const auto &m : d.GetObject()) {
        contents += std::string_view(m.name.GetString()) == "content";
    }
    EXPECT_EQ(contents, 1) << out;
    EXPECT_TRUE(same_json(text, out));
}

TEST(ChatMessages, EmptyToolCallsListIsKept) {
    // "images": [] round-trips; "tool_calls": [] is silently dropped.
    const std::string text = R"({"role":"assistant","content":"hi","tool_calls":[]})";
    EXPECT_TRUE(same_json(text, to_json(parse_chat_message(text))));
}

// What the chat service hands a plugin (tool_calls_json) comes back unchanged when the plugin
// puts it into the next request's assistant message.
TEST(ToolCalls, RoundTripOnTheirOwn) {
    const std::string text =
        R"([{"id":"c1","function":{"index":0,"name":"calculator","arguments":{"expression":"2+2"}}},)"
        R"({"function":{"name":"code","arguments":{}}}])";
    const std::vector<ToolCall> calls = parse_tool_calls(text);
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].name, "calculator");
    EXPECT_EQ(calls[0].arguments, R"({"expression":"2+2"})");
    EXPECT_TRUE(same_json(text, to_json(calls)));
    EXPECT_EQ(to_json(std::vector<ToolCall>{}), "[]");
}

TEST(ToolCalls, RejectWhatIsNotAToolCallArray) {
    EXPECT_THAT(error_of([] { parse_tool_calls(R"({"function":{}})"); })->what(),
                HasSubstr("must be an array"));
    EXPECT_THAT(error_of([] { parse_tool_calls(R"([{"id":"x"}])"); })->what(),
                HasSubstr("missing \"function\""));
    EXPECT_EQ(error_of([] { parse_tool_calls("[1,"); })->code(), ErrorCode::invalid_argument);
}

} // namespace
} // namespace tinyllm::messages
