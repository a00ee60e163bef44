// What a chat request gives a graph (host/src/serve/chat_request.cpp), read without a server:
// the cases tests/fuzz/serve_request_fuzz found, and the promise it checks (the data read back
// under the one JSON policy). The server's answers to bad requests are tools_serve_test's.
#include "serve/chat_request.hpp"

#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace {

namespace json = tinyllm::json;
using ::testing::HasSubstr;
using tinyllm::serve::GraphInput;
using tinyllm::serve::read_messages;

std::string read(const std::string &body, GraphInput &in) {
    const json::Document doc = json::parse_object(body, "body");
    return read_messages(json::find(doc, "messages"), in, true);
}

// An OpenAI tool-call round trip whose call's arguments text nests `levels` deep.
std::string round_trip_with_arguments(unsigned levels) {
    std::string arguments = "{\\\"a\\\":";
    arguments += std::string(levels - 1, '[') + "1" + std::string(levels - 1, ']') + "}";
    return R"({"messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,)"
           R"("tool_calls":[{"id":"c1","function":{"name":"f","arguments":")" +
           arguments + R"("}}]},{"role":"tool","tool_call_id":"c1","content":"r"}]})";
}

// Found by serve_request_fuzz: OpenAI's arguments text was read with the whole depth limit, and
// set six levels down in the graph's data, which then did not read back: the run failed on the
// server's own document instead of the client getting a 400.
TEST(ChatRequest, ToolCallArgumentsNestOnlyAsDeepAsTheGraphsDataCanHoldThem) {
    GraphInput in;
    ASSERT_EQ(read(round_trip_with_arguments(250), in), "");
    const json::Document back = json::parse_object(json::to_string(in.data), "data");
    EXPECT_TRUE(back["tool_turns"][0]["tool_calls"][0]["function"]["arguments"].IsObject());

    GraphInput deeper;
    EXPECT_THAT(read(round_trip_with_arguments(251), deeper),
                HasSubstr("messages[1].tool_calls[0].function.arguments is not the text of a JSON "
                          "object (arguments: nested deeper than 250 levels"));
}

// Found by serve_request_fuzz: the input was read as a C string, cut at an escaped NUL.
TEST(ChatRequest, TheInputKeepsEveryCharacterOfTheLastUserMessage) {
    GraphInput in;
    ASSERT_EQ(read(R"({"messages":[{"role":"user","content":"before\u0000after"}]})", in), "");
    EXPECT_EQ(in.input, std::string("before\0after", 12));
}

} // namespace
