// A chat request's body to `tinyllm serve` (host/src/serve/chat_request.cpp): the input is the
// body a client POSTs to /api/chat or /v1/chat/completions, read the way both APIs read it:
// json::parse_object, then read_messages (for a graph that takes a request's tools and one
// that does not), read_tools, and the data the graph's first message gets, written as
// graph_call writes it and read back as the executor reads it.
// Expected: tinyllm::Error from parse_object (not JSON, not an object), a non-empty 400 message
// from the readers. Findings besides crashes:
//   - a reader that succeeds with data a model node refuses: the input must be the last user
//     message's text; history and tool_turns lists of {role, content} with string members and
//     tool calls in Ollama's shape ({id?, function: {name, arguments: {...}}});
//   - turns after the input from a graph that does not take tools, or a message lost;
//   - tools over the limit, with a duplicate or badly formed name;
//   - data that does not read back under the one JSON policy (json::parse_object): the run
//     would fail on the server's own document instead of the client getting a 400.
#include "fuzz_support.hpp"
#include "serve/chat_request.hpp"

#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <set>
#include <string>
#include <string_view>

namespace {

namespace json = tinyllm::json;
namespace serve = tinyllm::serve;
using tinyllm::fuzz::fail;

bool is_string_member(const json::Value &v, const char *key) {
    const json::Value *m = json::find(v, key);
    return m != nullptr && m->IsString();
}

// A model node's tool call: {id?, function: {name, arguments: {...}}}.
void check_tool_call(const json::Value &call, const std::string &body) {
    if (!call.IsObject()) fail("a tool call is not an object", body);
    if (const json::Value *id = json::find(call, "id"); id != nullptr && !id->IsString())
        fail("a tool call's id is not a string", body);
    const json::Value *function = json::find(call, "function");
    if (function == nullptr || !function->IsObject()) fail("a tool call has no function", body);
    const json::Value *name = json::find(*function, "name");
    if (name == nullptr || !name->IsString() || name->GetStringLength() == 0)
        fail("a tool call has no name", body);
    const json::Value *arguments = json::find(*function, "arguments");
    if (arguments == nullptr || !arguments->IsObject())
        fail("a tool call's arguments are not an object", body);
}

// data.history or data.tool_turns as a model node reads them (append_turns); returns the count.
rapidjson::SizeType check_turns(const json::Value &data, const char *key, const std::string &body) {
    const json::Value *turns = json::find(data, key);
    if (turns == nullptr) return 0;
    if (!turns->IsArray() || turns->Empty()) fail("data turns that are not a non-empty list", body);
    for (const json::Value &t : turns->GetArray()) {
        if (!t.IsObject() || !is_string_member(t, "role") || !is_string_member(t, "content"))
            fail("a turn a model node refuses", body);
        if (const json::Value *calls = json::find(t, "tool_calls")) {
            if (!calls->IsArray() || calls->Empty()) fail("tool_calls that are not a list", body);
            for (const json::Value &c : calls->GetArray())
                check_tool_call(c, body);
        }
        if (const json::Value *name = json::find(t, "tool_name"); name && !name->IsString())
            fail("a tool_name that is not a string", body);
    }
    return turns->Size();
}

void check_messages(const json::Document &body, const std::string &text, bool tool_turns) {
    serve::GraphInput in;
    const std::string error = serve::read_messages(json::find(body, "messages"), in, tool_turns);
    if (!error.empty()) return;
    const json::Value &messages = body["messages"];
    const rapidjson::SizeType history = check_turns(in.data, "history", text);
    const rapidjson::SizeType turns = check_turns(in.data, "tool_turns", text);
    if (turns > 0 && !tool_turns) fail("tool turns for a graph that does not take tools", text);
    if (history + 1 + turns != messages.Size()) fail("a message was lost or added", text);
    const json::Value &asked = messages[history];
    if (json::get_string(asked, "role") != "user") fail("the input is not a user message", text);
    if (const json::Value *content = json::find(asked, "content");
        content != nullptr && content->IsString() &&
        in.input != std::string_view(content->GetString(), content->GetStringLength()))
        fail("the input is not the last user message's text", text);
    if (turns > 0) {
        const json::Value &after = in.data["tool_turns"];
        for (const json::Value &t : after.GetArray()) {
            if (json::get_string(t, "role") == "user") fail("a user turn after the input", text);
        }
    }
    // graph_call writes the data, the executor reads it back under the one policy.
    try {
        json::parse_object(json::to_string(in.data), "data", tinyllm::ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        fail("the data read from a request does not read back", text + " -> " + e.what());
    }
}

void check_tools(const json::Document &body, const std::string &text) {
    const json::Value *tools = json::find(body, "tools");
    if (tools == nullptr) return;
    serve::GraphInput in;
    if (!serve::read_tools(*tools, in).empty()) return;
    const json::Value *defs = json::find(in.data, "tools");
    if (defs == nullptr) {
        if (!tools->IsArray() || !tools->Empty()) fail("tools read into nothing", text);
        return;
    }
    if (!defs->IsArray() || defs->Size() != tools->Size() || defs->Size() > serve::kMaxRequestTools)
        fail("tools read into another count", text);
    std::set<std::string> names;
    for (const json::Value &d : defs->GetArray()) {
        const json::Value *function = json::find(d, "function");
        if (json::get_string(d, "type") != "function" || function == nullptr ||
            !function->IsObject())
            fail("a tool that is not a function", text);
        const std::string name = json::get_string(*function, "name").value_or("");
        if (name.empty() || name.size() > 64 ||
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789_-") != std::string::npos)
            fail("a tool name outside the rule", text);
        if (!names.insert(name).second) fail("two tools of one name", text);
        if (const json::Value *p = json::find(*function, "parameters"); p && !p->IsObject())
            fail("parameters that are not an object", text);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string text(reinterpret_cast<const char *>(data), size);
    json::Document body;
    try {
        body = json::parse_object(text, "request body", tinyllm::ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &) {
        return 0;
    } catch (const std::exception &e) {
        tinyllm::fuzz::fail_unexpected(e);
    }
    try {
        check_messages(body, text, false);
        check_messages(body, text, true);
        check_tools(body, text);
    } catch (const std::exception &e) {
        tinyllm::fuzz::fail_unexpected(e);
    }
    return 0;
}
