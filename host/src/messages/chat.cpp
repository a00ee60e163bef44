#include "messages/chat.hpp"

#include "tinyllm/json.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>

namespace tinyllm::messages {
namespace {

using json::Allocator;
using json::Value;

[[noreturn]] void type_error(std::string_view where, std::string_view key, std::string_view want,
                             const Value &got) {
    throw Error(ErrorCode::invalid_argument, std::string(where) + ": \"" + std::string(key) +
                                                 "\" must be " + std::string(want) + ", got " +
                                                 std::string(json::type_name(got)));
}

std::string str(std::string_view where, std::string_view key, const Value &v) {
    if (!v.IsString()) type_error(where, key, "a string", v);
    return {v.GetString(), v.GetStringLength()};
}

int64_t integer(std::string_view where, std::string_view key, const Value &v) {
    if (!v.IsInt64()) type_error(where, key, "an integer", v);
    return v.GetInt64();
}

// Walks an object's members: known keys go to their handler, the rest into `extra`.
using Handlers = std::map<std::string_view, std::function<void(const Value &)>>;

std::string walk(std::string_view where, const Value &object, const Handlers &handlers) {
    if (!object.IsObject()) {
        throw Error(ErrorCode::invalid_argument, std::string(where) + ": expected an object, got " +
                                                     std::string(json::type_name(object)));
    }
    // Most objects have no member this version does not model: the extras' document is made
    // only for one that does (a document allocates its first 64 KB block when it is used).
    std::optional<json::Document> extra;
    for (const auto &m : object.GetObject()) {
        const std::string_view key(m.name.GetString(), m.name.GetStringLength());
        // A null or empty-array known member ("images": null, "tool_calls": []) is kept
        // verbatim in `extra`, which overrides the field when written back: the round trip
        // stays exact without every field needing a "present but empty" state.
        auto it = handlers.find(key);
        const bool list_member = key == "tool_calls" || key == "images" || key == "messages";
        const bool verbatim =
            m.value.IsNull() || (list_member && m.value.IsArray() && m.value.Empty());
        if (it != handlers.end() && !verbatim) {
            it->second(m.value);
        } else {
            if (!extra) extra.emplace(rapidjson::kObjectType);
            extra->AddMember(Value(m.name, extra->GetAllocator()),
                             Value(m.value, extra->GetAllocator()), extra->GetAllocator());
        }
    }
    return extra ? json::to_string(*extra) : std::string("{}");
}

// Writing: members in a stable order, then the extras.
class ObjectBuilder {
public:
    ObjectBuilder(Value &target, Allocator &alloc) : target_(target), alloc_(alloc) {
        target_.SetObject();
    }
    void put(std::string_view key, Value value) {
        target_.AddMember(json::string_value(key, alloc_), value, alloc_);
    }
    void put_string(std::string_view key, std::string_view v) {
        put(key, json::string_value(v, alloc_));
    }
    void put_raw(std::string_view key, std::string_view raw_json) {
        // Parsed straight into the target's allocator: no document (and no block) of its own.
        json::Document doc(&alloc_);
        if (const auto r = json::parse_into(doc, raw_json); !r) {
            throw Error(ErrorCode::invalid_argument,
                        std::string(key) + ": " + json::parse_error_text(raw_json, r));
        }
        put(key, Value(std::move(static_cast<Value &>(doc))));
    }
    template <class T> void put_opt_int(std::string_view key, const std::optional<T> &v) {
        if (v) put(key, Value(static_cast<int64_t>(*v)));
    }
    void put_opt_string(std::string_view key, const std::optional<std::string> &v) {
        if (v) put_string(key, *v);
    }
    void put_opt_raw(std::string_view key, const std::optional<std::string> &v) {
        if (v) put_raw(key, *v);
    }
    void merge_extra(std::string_view extra) {
        if (extra == "{}") return; // the usual case: nothing this version does not model
        const json::Document doc = json::parse(extra, "extra", ErrorCode::invalid_argument);
        if (!doc.IsObject()) return;
        for (const auto &m : doc.GetObject()) {
            if (auto it = target_.FindMember(m.name); it != target_.MemberEnd()) {
                it->value.CopyFrom(m.value, alloc_);
            } else {
                target_.AddMember(Value(m.name, alloc_), Value(m.value, alloc_), alloc_);
            }
        }
    }
    Allocator &alloc() { return alloc_; }

private:
    Value &target_;
    Allocator &alloc_;
};

ToolCall read_tool_call(const Value &v) {
    ToolCall call;
    bool has_function = false;
    call.extra = walk(
        "tool_calls[]", v,
        {{"id", [&](const Value &x) { call.id = str("tool_call", "id", x); }},
         {"function", [&](const Value &f) {
              has_function = true;
              // function's own unknown members are not expected; be strict.
              const std::string fextra = walk(
                  "tool_calls[].function", f,
                  {{"name", [&](const Value &x) { call.name = str("function", "name", x); }},
                   {"index", [&](const Value &x) { call.index = integer("function", "index", x); }},
                   {"arguments", [&](const Value &x) { call.arguments = json::to_string(x); }}});
              if (fextra != "{}") {
                  throw Error(ErrorCode::invalid_argument,
                              "tool_calls[].function: unexpected members " + fextra);
              }
          }}});
    if (!has_function) {
        throw Error(ErrorCode::invalid_argument, "tool_calls[]: missing \"function\"");
    }
    return call;
}

void write_tool_call(const ToolCall &c, Value &out, Allocator &alloc) {
    ObjectBuilder b(out, alloc);
    b.put_opt_string("id", c.id);
    Value fn;
    ObjectBuilder f(fn, alloc);
    f.put_opt_int("index", c.index);
    f.put_string("name", c.name);
    f.put_raw("arguments", c.arguments);
    b.put("function", std::move(fn));
    b.merge_extra(c.extra);
}

ChatMessage read_message(const Value &v) {
    ChatMessage m;
    m.extra =
        walk("message", v,
             {{"role", [&](const Value &x) { m.role = str("message", "role", x); }},
              {"content", [&](const Value &x) { m.content = str("message", "content", x); }},
              {"thinking", [&](const Value &x) { m.thinking = str("message", "thinking", x); }},
              {"tool_name", [&](const Value &x) { m.tool_name = str("message", "tool_name", x); }},
              {"images",
               [&](const Value &x) {
                   if (!x.IsArray()) type_error("message", "images", "an array", x);
                   m.images.emplace();
                   for (const auto &i : x.GetArray())
                       m.images->push_back(str("message", "images", i));
               }},
              {"tool_calls", [&](const Value &x) {
                   if (!x.IsArray()) type_error("message", "tool_calls", "an array", x);
                   for (const auto &c : x.GetArray())
                       m.tool_calls.push_back(read_tool_call(c));
               }}});
    return m;
}

void write_message(const ChatMessage &m, Value &out, Allocator &alloc) {
    ObjectBuilder b(out, alloc);
    b.put_string("role", m.role);
    b.put_string("content", m.content);
    b.put_opt_string("thinking", m.thinking);
    if (m.images) {
        Value arr(rapidjson::kArrayType);
        for (const auto &i : *m.images)
            arr.PushBack(json::string_value(i, alloc), alloc);
        b.put("images", std::move(arr));
    }
    if (!m.tool_calls.empty()) {
        Value arr(rapidjson::kArrayType);
        for (const auto &c : m.tool_calls) {
            Value v;
            write_tool_call(c, v, alloc);
            arr.PushBack(v, alloc);
        }
        b.put("tool_calls", std::move(arr));
    }
    b.put_opt_string("tool_name", m.tool_name);
    b.merge_extra(m.extra);
}

std::string serialize(const std::function<void(Value &, Allocator &)> &write) {
    json::Document doc;
    write(doc, doc.GetAllocator());
    return json::to_string(doc);
}

} // namespace

ChatMessage parse_chat_message(std::string_view text) {
    const json::Document doc = json::parse(text, "chat message", ErrorCode::invalid_argument);
    return read_message(doc);
}

ChatRequest parse_chat_request(std::string_view text) {
    const json::Document doc = json::parse(text, "chat request", ErrorCode::invalid_argument);
    ChatRequest r;
    const auto raw = [](std::optional<std::string> &slot) {
        return [&slot](const Value &x) { slot = json::to_string(x); };
    };
    r.extra = walk("chat request", doc,
                   {{"model", [&](const Value &x) { r.model = str("chat request", "model", x); }},
                    {"messages",
                     [&](const Value &x) {
                         if (!x.IsArray()) type_error("chat request", "messages", "an array", x);
                         for (const auto &m : x.GetArray())
                             r.messages.push_back(read_message(m));
                     }},
                    {"tools", raw(r.tools)},
                    {"format", raw(r.format)},
                    {"options", raw(r.options)},
                    {"keep_alive", raw(r.keep_alive)},
                    {"think", raw(r.think)},
                    {"stream", [&](const Value &x) {
                         if (!x.IsBool()) type_error("chat request", "stream", "a boolean", x);
                         r.stream = x.GetBool();
                     }}});
    return r;
}

std::string to_json(const ChatRequest &r) {
    return serialize([&](Value &out, Allocator &alloc) {
        ObjectBuilder b(out, alloc);
        b.put_string("model", r.model);
        Value msgs(rapidjson::kArrayType);
        for (const auto &m : r.messages) {
            Value v;
            write_message(m, v, alloc);
            msgs.PushBack(v, alloc);
        }
        b.put("messages", std::move(msgs));
        b.put_opt_raw("tools", r.tools);
        b.put_opt_raw("format", r.format);
        b.put_opt_raw("options", r.options);
        if (r.stream) b.put("stream", Value(*r.stream));
        b.put_opt_raw("keep_alive", r.keep_alive);
        b.put_opt_raw("think", r.think);
        b.merge_extra(r.extra);
    });
}

ChatResponse parse_chat_response(std::string_view text) {
    const json::Document doc = json::parse(text, "chat response", ErrorCode::invalid_argument);
    ChatResponse r;
    bool has_message = false;
    const auto count = [](std::optional<int64_t> &slot, std::string_view key) {
        return [&slot, key](const Value &x) { slot = integer("chat response", key, x); };
    };
    r.extra =
        walk("chat response", doc,
             {{"model", [&](const Value &x) { r.model = str("chat response", "model", x); }},
              {"created_at",
               [&](const Value &x) { r.created_at = str("chat response", "created_at", x); }},
              {"message",
               [&](const Value &x) {
                   has_message = true;
                   r.message = read_message(x);
               }},
              {"done",
               [&](const Value &x) {
                   if (!x.IsBool()) type_error("chat response", "done", "a boolean", x);
                   r.done = x.GetBool();
               }},
              {"done_reason",
               [&](const Value &x) { r.done_reason = str("chat response", "done_reason", x); }},
              {"total_duration", count(r.total_duration, "total_duration")},
              {"load_duration", count(r.load_duration, "load_duration")},
              {"prompt_eval_count", count(r.prompt_eval_count, "prompt_eval_count")},
              {"prompt_eval_duration", count(r.prompt_eval_duration, "prompt_eval_duration")},
              {"eval_count", count(r.eval_count, "eval_count")},
              {"eval_duration", count(r.eval_duration, "eval_duration")}});
    if (!has_message) {
        throw Error(ErrorCode::invalid_argument, "chat response: missing \"message\"");
    }
    return r;
}

std::string to_json(const ChatResponse &r) {
    return serialize([&](Value &out, Allocator &alloc) {
        ObjectBuilder b(out, alloc);
        b.put_string("model", r.model);
        b.put_opt_string("created_at", r.created_at);
        Value msg;
        write_message(r.message, msg, alloc);
        b.put("message", std::move(msg));
        b.put("done", Value(r.done));
        b.put_opt_string("done_reason", r.done_reason);
        b.put_opt_int("total_duration", r.total_duration);
        b.put_opt_int("load_duration", r.load_duration);
        b.put_opt_int("prompt_eval_count", r.prompt_eval_count);
        b.put_opt_int("prompt_eval_duration", r.prompt_eval_duration);
        b.put_opt_int("eval_count", r.eval_count);
        b.put_opt_int("eval_duration", r.eval_duration);
        b.merge_extra(r.extra);
    });
}

std::string to_json(const ChatMessage &m) {
    return serialize([&](Value &out, Allocator &alloc) { write_message(m, out, alloc); });
}

std::vector<ToolCall> parse_tool_calls(std::string_view text) {
    const json::Document doc = json::parse(text, "tool calls", ErrorCode::invalid_argument);
    if (!doc.IsArray()) type_error("tool calls", "tool_calls", "an array", doc);
    std::vector<ToolCall> calls;
    calls.reserve(doc.Size());
    for (const auto &c : doc.GetArray())
        calls.push_back(read_tool_call(c));
    return calls;
}

std::string to_json(const std::vector<ToolCall> &calls) {
    return serialize([&](Value &out, Allocator &alloc) {
        out.SetArray();
        for (const auto &c : calls) {
            Value v;
            write_tool_call(c, v, alloc);
            out.PushBack(v, alloc);
        }
    });
}

} // namespace tinyllm::messages
