#include "serve/chat_request.hpp"

#include "serve/graph_catalog.hpp"

#include <algorithm>

namespace tinyllm::serve {

namespace {

// A message's text: a string, the concatenated text parts of a list, or "" for null (an
// assistant message that only calls tools); nullopt for anything else (an image part: graphs
// take text).
std::optional<std::string> content_text(const json::Value *content) {
    if (content == nullptr || content->IsNull()) return std::string();
    if (content->IsString()) return std::string(content->GetString(), content->GetStringLength());
    if (!content->IsArray()) return std::nullopt;
    std::string text;
    for (const json::Value &part : content->GetArray()) {
        if (!part.IsObject() || json::get_string(part, "type") != "text") return std::nullopt;
        const std::optional<std::string> piece = json::get_string(part, "text");
        if (!piece) return std::nullopt;
        text += *piece;
    }
    return text;
}

// The levels a tool call's arguments may nest: the graph's data holds them six levels down
// (data.tool_turns[i].tool_calls[j].function.arguments), and the whole must read back within
// json::kMaxDepth. Arguments sent as an object already sit that deep in the request's body.
constexpr unsigned kArgumentsDepth = json::kMaxDepth - 6;

std::string at(rapidjson::SizeType i) {
    return "messages[" + std::to_string(i) + "]";
}

// An assistant message's tool_calls in Ollama's shape, whichever API sent them: OpenAI's
// {id, type, function: {name, arguments: "JSON text"}} or Ollama's {function: {name,
// arguments: {...}}}. The id stays, for the tool results that name it.
std::string read_tool_calls(const json::Value &calls, const std::string &where, json::Value &out,
                            json::Allocator &alloc) {
    if (!calls.IsArray())
        return where + ".tool_calls must be a list, not " + json::type_phrase(calls);
    out.SetArray();
    for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
        const std::string call_at = where + ".tool_calls[" + std::to_string(i) + "]";
        const json::Value &c = calls[i];
        const json::Value *function = c.IsObject() ? json::find(c, "function") : nullptr;
        const std::optional<std::string> name = function != nullptr && function->IsObject()
                                                    ? json::get_string(*function, "name")
                                                    : std::nullopt;
        if (!name || name->empty())
            return call_at + " must be {\"function\": {\"name\", \"arguments\"}}";
        json::Document arguments(rapidjson::kObjectType);
        if (const json::Value *a = json::find(*function, "arguments");
            a != nullptr && !a->IsNull()) {
            if (a->IsString()) { // OpenAI's: the object as JSON text, within the depth left
                try {
                    arguments = json::parse_object(
                        std::string_view(a->GetString(), a->GetStringLength()), "arguments",
                        ErrorCode::invalid_argument, kArgumentsDepth);
                } catch (const Error &e) {
                    return call_at + ".function.arguments is not the text of a JSON object (" +
                           e.what() + ")";
                }
            } else if (a->IsObject()) {
                arguments.CopyFrom(*a, arguments.GetAllocator());
            } else {
                return call_at + ".function.arguments must be an object or its JSON text, not " +
                       json::type_phrase(*a);
            }
        }
        json::Value fn(rapidjson::kObjectType);
        fn.AddMember("name", json::string_value(*name, alloc), alloc);
        fn.AddMember("arguments", json::Value(arguments, alloc), alloc);
        json::Value call(rapidjson::kObjectType);
        if (const std::optional<std::string> id = json::get_string(c, "id"); id && !id->empty())
            call.AddMember("id", json::string_value(*id, alloc), alloc);
        call.AddMember("function", fn, alloc);
        out.PushBack(call, alloc);
    }
    return {};
}

// The tool a result answers: Ollama's tool_name, or the one OpenAI's tool_call_id names among
// the calls of the assistant messages before it. "" when neither says (older Ollama clients).
std::string tool_name_of(const json::Value &m, const json::Value &entries, std::string &error,
                         const std::string &where) {
    if (std::optional<std::string> name = json::get_string(m, "tool_name")) return *name;
    const std::optional<std::string> id = json::get_string(m, "tool_call_id");
    if (!id) return {};
    for (rapidjson::SizeType i = entries.Size(); i-- > 0;) {
        const json::Value *calls = json::find(entries[i], "tool_calls");
        if (calls == nullptr) continue;
        for (const json::Value &c : calls->GetArray()) {
            if (json::get_string(c, "id") == id) return *json::get_string(c["function"], "name");
        }
    }
    error = where + ".tool_call_id \"" + *id + "\" is not the id of a tool call before it";
    return {};
}

// One message as the graph's data holds it: {role, content}, with tool_calls (assistant) and
// tool_name (tool) when it has them. `earlier`: the entries before it (a tool_call_id's call).
std::string read_entry(const json::Value &m, const std::string &where, const json::Value &earlier,
                       json::Value &entry, json::Allocator &alloc) {
    const auto role = m.IsObject() ? json::get_string(m, "role") : std::nullopt;
    const std::optional<std::string> text =
        m.IsObject() ? content_text(json::find(m, "content")) : std::nullopt;
    if (!role || !text) {
        return where + " must be an object with a string \"role\" and a text \"content\" (a "
                       "string, or a list of {\"type\": \"text\", \"text\"} parts)";
    }
    entry.SetObject();
    entry.AddMember("role", json::string_value(*role, alloc), alloc);
    entry.AddMember("content", json::string_value(*text, alloc), alloc);
    if (const json::Value *calls = json::find(m, "tool_calls");
        *role == "assistant" && calls != nullptr && !calls->IsNull()) {
        json::Value out;
        if (std::string error = read_tool_calls(*calls, where, out, alloc); !error.empty())
            return error;
        if (!out.Empty()) entry.AddMember("tool_calls", out, alloc);
    }
    if (*role == "tool") {
        std::string error;
        const std::string name = tool_name_of(m, earlier, error, where);
        if (!error.empty()) return error;
        if (!name.empty()) entry.AddMember("tool_name", json::string_value(name, alloc), alloc);
    }
    return {};
}

} // namespace

std::string read_messages(const json::Value *messages, GraphInput &out, bool tool_turns) {
    if (messages == nullptr || !messages->IsArray() || messages->Empty()) {
        return "\"messages\" must be a non-empty list of {role, content}";
    }
    auto &alloc = out.data.GetAllocator();
    json::Value entries(rapidjson::kArrayType);
    for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
        json::Value entry;
        if (std::string error = read_entry((*messages)[i], at(i), entries, entry, alloc);
            !error.empty())
            return error;
        entries.PushBack(entry, alloc);
    }
    // The input is the last user message. After it may only come the turns of a tool call the
    // client ran for the graph (an assistant's tool_calls, then their results).
    rapidjson::SizeType input = entries.Size();
    while (input > 0 && entries[input - 1]["role"] != "user")
        --input;
    const rapidjson::SizeType last = entries.Size() - 1;
    const std::string last_role = entries[last]["role"].GetString();
    if (input == 0 || (input - 1 != last && !tool_turns)) {
        if (!tool_turns || last_role != "tool") {
            return "the last message must be the user's (role \"user\", not \"" + last_role +
                   "\"): it is what the graph answers" +
                   (last_role == "tool" ? " (this graph does not take tools from a request)" : "");
        }
        return "there is no user message for the graph to answer";
    }
    for (rapidjson::SizeType i = input; i <= last; ++i) {
        const json::Value &e = entries[i];
        if (!(e["role"] == "tool" || (e["role"] == "assistant" && e.HasMember("tool_calls")))) {
            return at(i) +
                   " follows the last user message, which only the turns of a tool call may: an "
                   "assistant's tool_calls and their results (role \"tool\")";
        }
    }
    const json::Value &asked = entries[input - 1]["content"];
    out.input.assign(asked.GetString(), asked.GetStringLength()); // it may hold a \u0000
    json::Value history(rapidjson::kArrayType);
    json::Value turns(rapidjson::kArrayType);
    for (rapidjson::SizeType i = 0; i < entries.Size(); ++i) {
        if (i + 1 < input) history.PushBack(entries[i], alloc);
        if (i >= input) turns.PushBack(entries[i], alloc);
    }
    if (!history.Empty()) out.data.AddMember("history", history, alloc);
    if (!turns.Empty()) out.data.AddMember("tool_turns", turns, alloc);
    return {};
}

std::string read_tools(const json::Value &tools, GraphInput &out) {
    if (!tools.IsArray()) return "\"tools\" must be a list, not " + json::type_phrase(tools);
    if (tools.Size() > kMaxRequestTools) {
        return "\"tools\" has " + std::to_string(tools.Size()) + " tools, more than " +
               std::to_string(kMaxRequestTools);
    }
    auto &alloc = out.data.GetAllocator();
    json::Value defs(rapidjson::kArrayType);
    std::vector<std::string> names;
    for (rapidjson::SizeType i = 0; i < tools.Size(); ++i) {
        const std::string where = "tools[" + std::to_string(i) + "]";
        const json::Value &t = tools[i];
        const json::Value *function = t.IsObject() ? json::find(t, "function") : nullptr;
        if (function == nullptr || !function->IsObject() ||
            json::get_string(t, "type").value_or("function") != "function") {
            return where + " must be {\"type\": \"function\", \"function\": {\"name\", "
                           "\"description\", \"parameters\"}}";
        }
        const std::optional<std::string> name = json::get_string(*function, "name");
        if (!name || name->empty() || name->size() > 64 ||
            name->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789_-") != std::string::npos) {
            return where + ".function.name must be 1 to 64 letters, digits, '_' or '-'";
        }
        if (std::find(names.begin(), names.end(), *name) != names.end())
            return where + ": a second tool named \"" + *name + "\"";
        names.push_back(*name);
        json::Value fn(rapidjson::kObjectType);
        fn.AddMember("name", json::string_value(*name, alloc), alloc);
        if (const json::Value *d = json::find(*function, "description"); d != nullptr) {
            if (!d->IsString()) return where + ".function.description must be a string";
            fn.AddMember("description", json::Value(*d, alloc), alloc);
        }
        if (const json::Value *p = json::find(*function, "parameters"); p != nullptr) {
            if (!p->IsObject()) return where + ".function.parameters must be a JSON Schema object";
            fn.AddMember("parameters", json::Value(*p, alloc), alloc);
        }
        json::Value def(rapidjson::kObjectType);
        def.AddMember("type", "function", alloc);
        def.AddMember("function", fn, alloc);
        defs.PushBack(def, alloc);
    }
    if (!defs.Empty()) out.data.AddMember("tools", defs, alloc);
    return {};
}

std::string read_request_tools(const json::Value &body, const ServedGraph &graph, bool offer,
                               GraphInput &out) {
    const json::Value *tools = json::find(body, "tools");
    if (tools == nullptr || tools->IsNull() || (tools->IsArray() && tools->Empty())) return {};
    if (!graph.takes_tools()) {
        return "graph \"" + graph.name +
               "\" does not take tools from a request (its graph file does not set "
               "request_tools: its nodes call the tools of tools.yaml)";
    }
    GraphInput unused;
    return read_tools(*tools, offer ? out : unused); // checked either way
}

std::string read_request_format(const json::Value *format, const ServedGraph &graph,
                                GraphInput &out) {
    if (format == nullptr || format->IsNull() ||
        (format->IsString() && format->GetStringLength() == 0))
        return {};
    const std::string text =
        format->IsString() ? std::string(format->GetString(), format->GetStringLength()) : "";
    if (!format->IsObject() && text != "json") {
        return "format must be \"json\" or a JSON Schema object, not " +
               (format->IsString() ? "\"" + text + "\"" : json::type_phrase(*format));
    }
    if (!graph.takes_format()) {
        return "graph \"" + graph.name +
               "\" does not answer in a requested format (its graph file does not set "
               "request_format)";
    }
    add_data(out, "format", *format);
    return {};
}

void add_data(GraphInput &out, std::string_view key, const json::Value &value) {
    auto &alloc = out.data.GetAllocator();
    out.data.AddMember(json::string_value(key, alloc), json::Value(value, alloc), alloc);
}

std::string input_over_limit(const GraphInput &in, size_t max_input_bytes) {
    if (in.input.size() <= max_input_bytes) return {};
    return "the input is " + std::to_string(in.input.size()) +
           " bytes, over limits.max_input_bytes (" + std::to_string(max_input_bytes) + ")";
}

} // namespace tinyllm::serve
