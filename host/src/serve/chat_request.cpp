#include "serve/chat_request.hpp"

#include "store/run_id.hpp"

namespace tinyllm::serve {

namespace {

// A message's text: a string, or the concatenated text parts of a list; nullopt for anything
// else (an image part: graphs take text).
std::optional<std::string> content_text(const json::Value *content) {
    if (content == nullptr) return std::string();
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

} // namespace

std::string read_messages(const json::Value *messages, GraphInput &out) {
    if (messages == nullptr || !messages->IsArray() || messages->Empty()) {
        return "\"messages\" must be a non-empty list of {role, content}";
    }
    auto &alloc = out.data.GetAllocator();
    json::Value history(rapidjson::kArrayType);
    const auto count = messages->Size();
    for (rapidjson::SizeType i = 0; i < count; ++i) {
        const json::Value &m = (*messages)[i];
        const auto role = m.IsObject() ? json::get_string(m, "role") : std::nullopt;
        const std::optional<std::string> text =
            m.IsObject() ? content_text(json::find(m, "content")) : std::nullopt;
        if (!role || !text) {
            return "messages[" + std::to_string(i) +
                   "] must be an object with a string \"role\" and a text \"content\" (a "
                   "string, or a list of {\"type\": \"text\", \"text\"} parts)";
        }
        if (i + 1 == count) {
            if (*role != "user") {
                return "the last message must be the user's (role \"user\", not \"" + *role +
                       "\"): it is what the graph answers";
            }
            out.input = *text;
            break;
        }
        json::Value entry(rapidjson::kObjectType);
        entry.AddMember("role", json::string_value(*role, alloc), alloc);
        entry.AddMember("content", json::string_value(*text, alloc), alloc);
        history.PushBack(entry, alloc);
    }
    if (!history.Empty()) out.data.AddMember("history", history, alloc);
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

GraphCall graph_call(const ServedGraph &graph, GraphInput &&in, bool stream) {
    GraphCall call;
    call.graph = &graph;
    call.stream = stream;
    call.input = std::move(in.input);
    if (const json::Value *options = json::find(in.data, "options");
        options != nullptr && options->IsObject() && options->MemberCount() > 0)
        call.model_options = json::to_string(*options);
    call.data = json::to_string(in.data);
    call.run_id = store::new_run_id();
    return call;
}

std::string unknown_model(const GraphCatalog &graphs, const std::string &model) {
    if (!graph_name_of(model)) {
        return "model \"" + model +
               "\" is not a TinyLLM graph (tinyllm/<graph>), and no Ollama backend (http://) "
               "takes requests for its own models passed through";
    }
    std::string known;
    for (const ServedGraph &g : graphs.graphs())
        known += (known.empty() ? "" : ", ") + g.model;
    return "model \"" + model +
           "\" not found: no such graph (served: " + (known.empty() ? std::string("none") : known) +
           ")";
}

} // namespace tinyllm::serve
