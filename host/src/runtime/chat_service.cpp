#include "runtime/chat_service.hpp"

#include "runtime/instance_host.hpp"
#include "tinyllm/json.hpp"

#include <cstdlib>
#include <string>

namespace tinyllm::runtime {
namespace {

Error invalid(const std::string &what) {
    return Error(ErrorCode::invalid_argument, "chat: " + what);
}

// The JSON text of an optional request member after checking that it parses and has a type
// the member allows.
std::string checked_json(const char *text, const char *field, bool (*allowed)(const json::Value &),
                         const char *wanted) {
    const json::Document doc =
        json::parse(text, std::string("chat: ") + field, ErrorCode::invalid_argument);
    if (!allowed(doc)) {
        throw invalid(std::string(field) + " must be " + wanted + ", got " +
                      std::string(json::type_name(doc)));
    }
    return text;
}

messages::ChatMessage message_of(const tllm_chat_message &m, uint32_t index) {
    const auto which = [index] { return "message " + std::to_string(index + 1); };
    if (m.role == nullptr) throw invalid(which() + " has no role");
    messages::ChatMessage out;
    out.role = m.role;
    if (out.role != "system" && out.role != "user" && out.role != "assistant" &&
        out.role != "tool") {
        throw invalid(which() + ": unknown role \"" + out.role +
                      "\" (system, user, assistant or tool)");
    }
    if (m.content != nullptr) {
        out.content =
            m.content_size == 0 ? std::string(m.content) : std::string(m.content, m.content_size);
    }
    if (m.tool_calls_json != nullptr) {
        try {
            out.tool_calls = messages::parse_tool_calls(m.tool_calls_json);
        } catch (const Error &e) {
            throw invalid(which() + ": tool_calls_json: " + e.what());
        }
    }
    if (m.tool_name != nullptr) out.tool_name = m.tool_name;
    if (m.images_json != nullptr) {
        const json::Document images = json::parse(
            m.images_json, "chat: " + which() + ": images_json", ErrorCode::invalid_argument);
        if (!images.IsArray()) throw invalid(which() + ": images_json must be an array");
        out.images.emplace();
        for (const json::Value &image : images.GetArray()) {
            if (!image.IsString()) {
                throw invalid(which() + ": images_json must hold base64 strings");
            }
            out.images->emplace_back(image.GetString(), image.GetStringLength());
        }
    }
    return out;
}

// Strings for the plugin: a null result on failure, reported as out of memory.
char *owned(std::string_view text) {
    char *s = duplicate_for_plugin(text);
    if (s == nullptr) throw std::bad_alloc();
    return s;
}

void reset(tllm_chat_result *r) noexcept {
    std::free(r->content);
    std::free(r->thinking);
    std::free(r->tool_calls_json);
    std::free(r->done_reason);
    std::free(r->error);
    const uint32_t size = r->struct_size;
    const tllm_chat_result init = TLLM_CHAT_RESULT_INIT;
    *r = init;
    r->struct_size = size;
}

void fill(const messages::ChatResponse &response, tllm_chat_result *r) {
    const messages::ChatMessage &m = response.message;
    r->content = owned(m.content);
    r->content_size = m.content.size();
    if (m.thinking) r->thinking = owned(*m.thinking);
    if (!m.tool_calls.empty()) r->tool_calls_json = owned(messages::to_json(m.tool_calls));
    if (response.done_reason) r->done_reason = owned(*response.done_reason);
    r->prompt_tokens = response.prompt_eval_count.value_or(-1);
    r->completion_tokens = response.eval_count.value_or(-1);
}

tllm_status chat(const tllm_host *host, const tllm_call *call, const tllm_chat_request *request,
                 tllm_chat_result *result) noexcept {
    // Every field a 2.0 plugin knows must fit: the error is written into the last one.
    if (!TLLM_HAS_FIELD(result, tllm_chat_result, error)) return TLLM_ERR_INVALID_ARGUMENT;
    reset(result);
    const auto fail = [result](tllm_status status, std::string_view message) {
        reset(result);
        result->error = duplicate_for_plugin(message);
        return status;
    };
    try {
        HostServices *services = InstanceHost::services_of(host);
        if (services == nullptr || call == nullptr) {
            throw Error(ErrorCode::unsupported, "model calls are not available here");
        }
        fill(services->chat(call, chat_request_of(request)), result);
        return TLLM_OK;
    } catch (const Error &e) {
        return fail(to_status(e.code()), e.what());
    } catch (const std::bad_alloc &) {
        return fail(TLLM_ERR_INTERNAL, "out of memory");
    } catch (const std::exception &e) {
        return fail(TLLM_ERR_INTERNAL, e.what());
    }
}

constexpr tllm_chat_service_v1 kService{
    sizeof(tllm_chat_service_v1),
    chat,
    [](const tllm_host *, tllm_chat_result *result) noexcept {
        if (TLLM_HAS_FIELD(result, tllm_chat_result, error)) reset(result);
    },
};

bool is_object(const json::Value &v) {
    return v.IsObject();
}
bool is_format(const json::Value &v) {
    return v.IsString() || v.IsObject();
}
bool is_array(const json::Value &v) {
    return v.IsArray();
}

} // namespace

const tllm_chat_service_v1 &chat_service() noexcept {
    return kService;
}

messages::ChatRequest chat_request_of(const tllm_chat_request *r) {
    if (r == nullptr) throw invalid("no request");
    if (!TLLM_HAS_FIELD(r, tllm_chat_request, tools_json)) {
        throw invalid("the request's struct_size " + std::to_string(r->struct_size) +
                      " is smaller than ABI 2.0's tllm_chat_request (" +
                      std::to_string(sizeof(tllm_chat_request)) +
                      "): start from TLLM_CHAT_REQUEST_INIT");
    }
    if (r->messages == nullptr || r->message_count == 0) {
        throw invalid("a chat needs at least one message");
    }
    // Messages are read with the stride the plugin built them with, so a newer plugin's longer
    // messages still line up.
    const uint32_t stride = r->messages[0].struct_size;
    if (!TLLM_HAS_FIELD(&r->messages[0], tllm_chat_message, images_json)) {
        throw invalid("message 1: struct_size " + std::to_string(stride) +
                      " is smaller than ABI 2.0's tllm_chat_message (" +
                      std::to_string(sizeof(tllm_chat_message)) +
                      "): build messages with TLLM_CHAT_MESSAGE or TLLM_CHAT_MESSAGE_INIT");
    }
    messages::ChatRequest out;
    out.model = r->model != nullptr ? r->model : "";
    out.messages.reserve(r->message_count);
    const auto *base = reinterpret_cast<const unsigned char *>(r->messages);
    for (uint32_t i = 0; i < r->message_count; ++i) {
        const auto &m = *reinterpret_cast<const tllm_chat_message *>(base + size_t{i} * stride);
        if (m.struct_size != stride) {
            throw invalid("message " + std::to_string(i + 1) + ": struct_size " +
                          std::to_string(m.struct_size) + " differs from message 1's (" +
                          std::to_string(stride) + ")");
        }
        out.messages.push_back(message_of(m, i));
    }
    out.stream = r->stream != 0;
    switch (r->think) {
    case TLLM_THINK_DEFAULT: break;
    case TLLM_THINK_OFF: out.think = "false"; break;
    case TLLM_THINK_ON: out.think = "true"; break;
    default:
        throw invalid("think must be TLLM_THINK_DEFAULT, _OFF or _ON, not " +
                      std::to_string(r->think));
    }
    if (r->options_json != nullptr) {
        out.options = checked_json(r->options_json, "options_json", is_object, "an object");
    }
    if (r->format_json != nullptr) {
        out.format = checked_json(r->format_json, "format_json", is_format,
                                  "a JSON string (\"json\") or a JSON Schema object");
    }
    if (r->tools_json != nullptr) {
        out.tools = checked_json(r->tools_json, "tools_json", is_array, "an array");
    }
    return out;
}

} // namespace tinyllm::runtime
