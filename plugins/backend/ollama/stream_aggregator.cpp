#include "stream_aggregator.hpp"

namespace tinyllm::ollama {
namespace {

void append_string(const json::Value &obj, std::string_view key, std::string &out,
                   std::string_view *piece) {
    *piece = {};
    const json::Value *v = json::find(obj, key);
    if (v == nullptr || !v->IsString()) return;
    *piece = std::string_view(v->GetString(), v->GetStringLength());
    out.append(*piece);
}

// Replace obj[key] in place (keeping member order) or append it.
void set_member(json::Value &obj, std::string_view key, json::Value value, json::Allocator &a) {
    const auto it = obj.FindMember(json::Value(
        rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
    if (it != obj.MemberEnd()) {
        it->value = std::move(value);
    } else {
        obj.AddMember(json::string_value(key, a), std::move(value), a);
    }
}

void remove_member(json::Value &obj, std::string_view key) {
    obj.RemoveMember(json::Value(
        rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
}

// A field of `obj` that is there (and not null) but not of the type Ollama sends: once a
// wrong-typed "done" was read as false, and the run waited for an end that had come, to report
// "connection closed before the response was complete".
void require_type(const json::Value &obj, std::string_view key, rapidjson::Type type,
                  std::string_view expected, std::string_view where = {}) {
    const json::Value *v = json::find(obj, key);
    if (v == nullptr || v->IsNull()) return;
    const bool ok = type == rapidjson::kTrueType ? v->IsBool() : v->GetType() == type;
    if (ok) return;
    throw StreamAggregator::BadChunk("\"" + std::string(where) + std::string(key) + "\" is " +
                                     json::type_phrase(*v) + ", not " + std::string(expected));
}

void check_shape(const json::Value &chunk, StreamAggregator::Kind kind) {
    require_type(chunk, "done", rapidjson::kTrueType, "true or false");
    if (kind == StreamAggregator::Kind::chat) {
        require_type(chunk, "message", rapidjson::kObjectType, "an object");
        if (const json::Value *msg = json::find(chunk, "message"); msg && msg->IsObject()) {
            require_type(*msg, "content", rapidjson::kStringType, "a string", "message.");
            require_type(*msg, "thinking", rapidjson::kStringType, "a string", "message.");
            require_type(*msg, "tool_calls", rapidjson::kArrayType, "an array", "message.");
        }
    } else {
        require_type(chunk, "response", rapidjson::kStringType, "a string");
        require_type(chunk, "thinking", rapidjson::kStringType, "a string");
    }
}

} // namespace

StreamAggregator::StreamAggregator(Kind kind) : kind_(kind) {
    tool_calls_.SetArray();
    final_.SetObject();
}

void StreamAggregator::add(const json::Value &chunk, const sdk::Call &call) {
    if (done_) return;
    check_shape(chunk, kind_);
    std::string_view thinking;
    std::string_view content;
    if (kind_ == Kind::chat) {
        if (const json::Value *msg = json::find(chunk, "message"); msg && msg->IsObject()) {
            if (role_.empty()) {
                if (auto role = json::get_string(*msg, "role")) role_ = std::move(*role);
            }
            append_string(*msg, "thinking", thinking_, &thinking);
            append_string(*msg, "content", content_, &content);
            if (const json::Value *calls = json::find(*msg, "tool_calls");
                calls && calls->IsArray()) {
                auto &a = tool_calls_.GetAllocator();
                for (const auto &c : calls->GetArray())
                    tool_calls_.PushBack(json::Value(c, a), a);
            }
        }
    } else {
        append_string(chunk, "thinking", thinking_, &thinking);
        append_string(chunk, "response", content_, &content);
    }
    // Reasoning comes before the answer it leads to.
    if (!thinking.empty()) call.thinking(thinking);
    if (!content.empty()) call.token(content);

    if (json::get_bool(chunk, "done").value_or(false)) {
        done_ = true;
        final_.CopyFrom(chunk, final_.GetAllocator());
    }
}

std::string StreamAggregator::result() const {
    json::Document doc;
    doc.CopyFrom(final_, doc.GetAllocator());
    auto &a = doc.GetAllocator();
    if (kind_ == Kind::chat) {
        json::Value message(rapidjson::kObjectType);
        if (const json::Value *m = json::find(doc, "message"); m && m->IsObject()) {
            message.CopyFrom(*m, a);
        }
        set_member(message, "role", json::string_value(role_.empty() ? "assistant" : role_, a), a);
        set_member(message, "content", json::string_value(content_, a), a);
        if (!thinking_.empty())
            set_member(message, "thinking", json::string_value(thinking_, a), a);
        else
            remove_member(message, "thinking");
        if (!tool_calls_.Empty()) {
            json::Value calls;
            calls.CopyFrom(tool_calls_, a);
            set_member(message, "tool_calls", std::move(calls), a);
        } else {
            remove_member(message, "tool_calls");
        }
        set_member(doc, "message", std::move(message), a);
    } else {
        set_member(doc, "response", json::string_value(content_, a), a);
        if (!thinking_.empty())
            set_member(doc, "thinking", json::string_value(thinking_, a), a);
        else
            remove_member(doc, "thinking");
    }
    return json::to_string(doc);
}

} // namespace tinyllm::ollama
