#include "messages/chat.hpp"

#include "tinyllm/json.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>

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
    json::Document extra(rapidjson::kObjectType);
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
            extra.AddMember(Value(m.name, extra.GetAllocator()),
                            Value(m.value, extra.GetAllocator()), extra.GetAllocator());
        }
    }
    return json::to_string(extra);
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
        const json::Document doc = json::parse(raw_json, key, ErrorCode::invalid_argument);
        put(key, Value(doc, alloc_));
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

} // namespace tinyllm::messages

// ---- The host's hot path -------------------------------------------------------------------
// SAX scans of the plain shapes: every member known, given once, of its type and not null.
// Whatever they do not accept goes to the typed path, which decides.

namespace tinyllm::messages {
namespace {

template <size_t N>
int key_index(std::string_view name, const std::array<std::string_view, N> &keys) {
    for (size_t i = 0; i < N; ++i) {
        if (keys[i] == name) return static_cast<int>(i);
    }
    return -1;
}

constexpr unsigned bit(int i) {
    return 1u << i;
}

// Marks `name` as seen in `seen` and makes `slot` its index; false for a name that is not one of
// `keys` or was seen already.
template <size_t N>
bool take(const std::array<std::string_view, N> &keys, std::string_view name, unsigned &seen,
          int &slot) {
    slot = key_index(name, keys);
    if (slot < 0 || (seen & bit(slot)) != 0) return false;
    seen |= bit(slot);
    return true;
}

// A message of the plain shape: role, content, thinking and tool_name strings, images a
// non-empty array of strings; no tool_calls. Fed the events from inside the message object.
class MessageShape {
public:
    static constexpr std::array<std::string_view, 5> kKeys = {"role", "content", "thinking",
                                                              "images", "tool_name"};
    static constexpr int kRole = 0, kContent = 1, kImages = 3;

    void start() { *this = MessageShape(); }
    bool has(int key) const { return (seen_ & bit(key)) != 0; }
    bool at(int key) const { return key_ == key && !in_images_; } // the value being read
    bool in_images() const { return in_images_; }
    bool key(std::string_view name) { return take(kKeys, name, seen_, key_); }
    bool string() {
        if (in_images_) return ++images_, true;
        return key_ != kImages;
    }
    bool start_array() {
        if (in_images_ || key_ != kImages) return false;
        in_images_ = true;
        return true;
    }
    bool end_array() {
        in_images_ = false;
        return images_ > 0;
    }

private:
    unsigned seen_ = 0;
    int key_ = -1;
    bool in_images_ = false;
    size_t images_ = 0;
};

// The members of a chat response; the counters (from kFirstCounter on) in ChatUsage's order.
constexpr std::array<std::string_view, 11> kResponseKeys = {
    "model",         "created_at",        "message",
    "done",          "done_reason",       "total_duration",
    "load_duration", "prompt_eval_count", "prompt_eval_duration",
    "eval_count",    "eval_duration"};

// Accepts the chat responses of the plain shape (the message's depth is 2, its images' 3) and
// collects their counters.
class ResponseScan : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ResponseScan> {
public:
    ChatUsage usage;
    std::string content;

    bool complete() const { return depth_ == 0 && (seen_ & bit(kMessage)) != 0; }

    bool Default() { return false; } // null, a double, anything unexpected
    bool Bool(bool) { return depth_ == 1 && key_ == kDone; }
    bool Int(int i) { return counter(i); }
    bool Uint(unsigned u) { return counter(u); }
    bool Int64(int64_t i) { return counter(i); }
    bool Uint64(uint64_t u) {
        return u <= static_cast<uint64_t>(INT64_MAX) && counter(static_cast<int64_t>(u));
    }
    bool String(const char *s, rapidjson::SizeType length, bool) {
        if (depth_ == 1) return key_ == kModel || key_ == kCreatedAt || key_ == kDoneReason;
        if (depth_ == 2 && message_.at(MessageShape::kContent)) content.assign(s, length);
        return depth_ >= 2 && message_.string();
    }
    bool StartObject() {
        if (depth_ == 1 && key_ == kMessage)
            message_.start();
        else if (depth_ != 0)
            return false;
        return ++depth_, true;
    }
    bool EndObject(rapidjson::SizeType) { return --depth_, true; }
    bool StartArray() { return depth_ == 2 && message_.start_array() && (++depth_, true); }
    bool EndArray(rapidjson::SizeType) { return --depth_, message_.end_array(); }
    bool Key(const char *name, rapidjson::SizeType length, bool) {
        const std::string_view key(name, length);
        if (depth_ == 1) return take(kResponseKeys, key, seen_, key_);
        return message_.key(key);
    }

private:
    static constexpr int kModel = 0, kCreatedAt = 1, kMessage = 2, kDone = 3, kDoneReason = 4,
                         kFirstCounter = 5;

    bool counter(int64_t value) {
        if (depth_ != 1 || key_ < kFirstCounter) return false;
        std::optional<int64_t> *slots[] = {&usage.total_duration,    &usage.load_duration,
                                           &usage.prompt_eval_count, &usage.prompt_eval_duration,
                                           &usage.eval_count,        &usage.eval_duration};
        *slots[key_ - kFirstCounter] = value;
        return true;
    }

    int depth_ = 0;
    int key_ = -1;
    unsigned seen_ = 0;
    MessageShape message_;
};

// The members of a chat request. `tools` is known but never plain.
constexpr std::array<std::string_view, 8> kRequestKeys = {
    "model", "messages", "tools", "format", "options", "stream", "keep_alive", "think"};
constexpr int kModel = 0, kMessages = 1, kTools = 2, kFormat = 3, kOptions = 4, kStream = 5,
              kKeepAlive = 6, kThink = 7;
static_assert(kRequestKeys.size() == PlainChatRequest::kMembers);

// Accepts the chat requests of the plain shape (depths: messages 2, a message 3, its images 4)
// and notes the order of their members; a message must have role and content (the typed path
// would add them).
class RequestScan : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RequestScan> {
public:
    std::array<int, kRequestKeys.size()> order{};
    size_t count = 0;
    std::string model;
    // Messages are required: the typed path writes "messages": [] when there are none.
    bool complete() const { return done_ && (seen_ & bit(kMessages)) != 0; }

    bool Default() { return false; }
    bool Bool(bool) { return depth_ == 1 && (key_ == kStream || key_ == kThink); }
    bool Int(int) { return keep_alive(); }
    bool Uint(unsigned) { return keep_alive(); }
    bool Int64(int64_t) { return keep_alive(); }
    bool Uint64(uint64_t u) { return u <= static_cast<uint64_t>(INT64_MAX) && keep_alive(); }
    bool String(const char *s, rapidjson::SizeType length, bool) {
        if (depth_ >= 3) return message_.string();
        if (depth_ != 1) return false;
        if (key_ == kModel) model.assign(s, length);
        return key_ == kModel || key_ == kFormat || key_ == kKeepAlive || key_ == kThink;
    }
    bool StartObject() {
        if (depth_ == 2)
            message_.start();
        else if (depth_ != 0 && !(depth_ == 1 && key_ == kOptions))
            return false;
        return ++depth_, true;
    }
    bool EndObject(rapidjson::SizeType) {
        if (--depth_ == 0) return done_ = true;
        if (depth_ == 1) return true; // options, which had no member
        return message_.has(MessageShape::kRole) && message_.has(MessageShape::kContent);
    }
    bool StartArray() {
        if (!(depth_ == 1 && key_ == kMessages) && !(depth_ == 3 && message_.start_array())) {
            return false;
        }
        return ++depth_, true;
    }
    bool EndArray(rapidjson::SizeType elements) {
        if (--depth_ == 1) return elements > 0;
        return message_.end_array();
    }
    bool Key(const char *name, rapidjson::SizeType length, bool) {
        const std::string_view key(name, length);
        if (depth_ == 3) return message_.key(key);
        if (depth_ != 1 || !take(kRequestKeys, key, seen_, key_) || key_ == kTools) return false;
        order[count++] = key_;
        return true;
    }

private:
    bool keep_alive() const { return depth_ == 1 && key_ == kKeepAlive; }

    int depth_ = 0;
    int key_ = -1;
    unsigned seen_ = 0;
    bool done_ = false;
    MessageShape message_;
};

} // namespace

CheckedResponse check_chat_response(std::string_view text) {
    ResponseScan scan;
    if (!json::read(text, scan).IsError() && scan.complete()) {
        return {scan.usage, std::move(scan.content)};
    }
    ChatResponse typed = parse_chat_response(text);
    return {static_cast<const ChatUsage &>(typed), std::move(typed.message.content)};
}

std::string to_json(const TextChat &chat, std::string_view model, const std::string *options,
                    const std::string *keep_alive, const std::string *think) {
    size_t size = model.size() + 96;
    for (const TextChat::Message &m : chat.messages)
        size += m.role.size() + m.content.size() + 32;
    std::string out;
    out.reserve(size + 64);
    const auto member = [&out](std::string_view key, std::string_view json_text) {
        out += ",\"";
        out += key;
        out += "\":";
        out += json_text;
    };
    out += "{\"model\":";
    json::append_quoted(out, model);
    out += ",\"messages\":[";
    for (size_t i = 0; i < chat.messages.size(); ++i) {
        out += i == 0 ? "{\"role\":" : ",{\"role\":";
        json::append_quoted(out, chat.messages[i].role);
        out += ",\"content\":";
        json::append_quoted(out, chat.messages[i].content);
        out += '}';
    }
    out += ']';
    member("stream", chat.stream ? "true" : "false");
    if (options != nullptr)
        member("options", *options);
    else if (chat.options)
        member("options", *chat.options);
    if (chat.format) member("format", *chat.format);
    if (chat.think) member("think", *chat.think ? "true" : "false");
    if (keep_alive != nullptr) member("keep_alive", *keep_alive);
    if (!chat.think && think != nullptr) member("think", *think);
    out += '}';
    return out;
}

std::optional<PlainChatRequest> PlainChatRequest::parse(const std::string &text) {
    RequestScan scan;
    if (json::read(text, scan).IsError() || !scan.complete()) return std::nullopt;
    PlainChatRequest r;
    r.model_ = std::move(scan.model);
    const std::vector<json::RawMember> members = json::raw_members(text);
    for (size_t i = 0; i < scan.count; ++i)
        r.values_[scan.order[i]] = members.at(i).value;
    r.order_ = scan.order;
    r.count_ = scan.count;
    r.size_ = text.size();
    return r;
}

std::string PlainChatRequest::to_json(std::string_view model, const std::string *options,
                                      const std::string *keep_alive,
                                      const std::string *think) const {
    std::array<const std::string *, kRequestKeys.size()> replaced{};
    replaced[kOptions] = options;
    replaced[kKeepAlive] = keep_alive;
    replaced[kThink] = think;
    // Assembled from the request's own member texts: nothing in them needs writing again.
    std::string out;
    out.reserve(size_ + model.size() + (options ? options->size() : 0) +
                (keep_alive ? keep_alive->size() : 0) + (think ? think->size() : 0) + 64);
    const auto member = [&out](int key, std::string_view value) {
        out.append(",\"").append(kRequestKeys[key]).append("\":").append(value);
    };
    out.append(R"({"model":)");
    json::append_quoted(out, model);
    for (size_t i = 0; i < count_; ++i) {
        const int key = order_[i];
        if (key == kModel) continue;
        if (const std::string *value = replaced[key]) {
            member(key, *value);
            replaced[key] = nullptr;
        } else {
            member(key, values_[key]);
        }
    }
    for (const int key : {kOptions, kKeepAlive, kThink}) {
        if (replaced[key] != nullptr) member(key, *replaced[key]);
    }
    out.push_back('}');
    return out;
}

bool PlainChatRequest::has_keep_alive() const noexcept {
    return !values_[kKeepAlive].empty();
}

bool PlainChatRequest::has_think() const noexcept {
    return !values_[kThink].empty();
}

} // namespace tinyllm::messages
