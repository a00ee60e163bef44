#include "runtime/instance_host.hpp"

#include "logging/logging.hpp"
#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace tinyllm::runtime {
namespace {

spdlog::level::level_enum to_spdlog(tllm_log_level level) {
    switch (level) {
    case TLLM_LOG_TRACE: return spdlog::level::trace;
    case TLLM_LOG_DEBUG: return spdlog::level::debug;
    case TLLM_LOG_INFO: return spdlog::level::info;
    case TLLM_LOG_WARN: return spdlog::level::warn;
    case TLLM_LOG_ERROR: return spdlog::level::err;
    }
    return spdlog::level::info;
}

// Strings handed to a plugin are malloc'ed so that free_string is a plain free() and a C
// plugin could even be told to use free() directly in a later minor version. NUL-terminated,
// and whole even when the text holds a NUL byte (the size says where it ends).
char *duplicate(const std::string &text) {
    char *out = static_cast<char *>(std::malloc(text.size() + 1));
    if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
    return out;
}

// Runs a service call, converting every outcome into a status and an owned string.
template <class Fn> tllm_status serve(char **out_json, Fn &&fn) noexcept {
    if (out_json == nullptr) return TLLM_ERR_INVALID_ARGUMENT;
    *out_json = nullptr;
    try {
        *out_json = duplicate(fn());
        return *out_json != nullptr ? TLLM_OK : TLLM_ERR_INTERNAL;
    } catch (const Error &e) {
        *out_json = duplicate(e.what());
        return to_status(e.code());
    } catch (const std::exception &e) {
        *out_json = duplicate(e.what());
    } catch (...) {
        *out_json = duplicate("unknown error");
    }
    return TLLM_ERR_INTERNAL;
}

// A plugin's tllm_chat_request as the host's TextChat, or invalid_argument naming what is
// wrong with it. The JSON members are parsed here, once, so that the request written from them
// is valid JSON whatever the plugin passed.
messages::TextChat text_chat_of(const tllm_chat_request *r) {
    const auto invalid = [](const std::string &what) {
        return Error(ErrorCode::invalid_argument, "chat_messages: " + what);
    };
    if (r == nullptr) throw invalid("no request");
    constexpr size_t kSize = offsetof(tllm_chat_request, think) + sizeof r->think;
    if (r->struct_size < kSize) {
        throw invalid("the request's struct_size " + std::to_string(r->struct_size) +
                      " is smaller than tllm_chat_request's (" + std::to_string(kSize) + ")");
    }
    if (r->messages == nullptr || r->message_count == 0) {
        throw invalid("a chat needs at least one message");
    }
    messages::TextChat chat;
    chat.model = r->model != nullptr ? r->model : "";
    chat.messages.reserve(r->message_count);
    for (uint32_t i = 0; i < r->message_count; ++i) {
        const tllm_chat_message &m = r->messages[i];
        const auto which = [i] { return "message " + std::to_string(i + 1); };
        if (m.role == nullptr) throw invalid(which() + " has no role");
        const std::string_view role = m.role;
        if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
            throw invalid(which() + ": unknown role \"" + std::string(role) +
                          "\" (system, user, assistant or tool)");
        }
        if (m.content == nullptr) throw invalid(which() + " has no content");
        chat.messages.push_back({role, m.content});
    }
    chat.stream = r->stream != 0;
    if (r->options_json != nullptr) {
        json::parse_object(r->options_json, "chat_messages: options_json",
                           ErrorCode::invalid_argument);
        chat.options = r->options_json;
    }
    if (r->format_json != nullptr) {
        const json::Document format =
            json::parse(r->format_json, "chat_messages: format_json", ErrorCode::invalid_argument);
        if (!format.IsString() && !format.IsObject()) {
            throw invalid("format_json must be a JSON string (\"json\") or a JSON Schema object");
        }
        chat.format = r->format_json;
    }
    if (r->think < -1 || r->think > 1) {
        throw invalid("think must be -1 (as configured), 0 or 1, not " + std::to_string(r->think));
    }
    if (r->think >= 0) chat.think = r->think == 1;
    return chat;
}

} // namespace

HostServices::ChatAnswer HostServices::chat_messages(const tllm_call *call,
                                                     const messages::TextChat &request) {
    ChatAnswer answer;
    answer.response =
        chat(call, messages::to_json(request, request.model, nullptr, nullptr, nullptr));
    answer.content = messages::check_chat_response(answer.response).content;
    return answer;
}

InstanceHost::InstanceHost(std::string log_name, HostServices *services)
    : logger_(logging::make_logger(log_name)), services_(services) {
    host_.struct_size = sizeof(tllm_host);
    host_.abi = {TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR};
    host_.host_data = this;
    host_.log = [](const tllm_host *h, tllm_log_level level, const char *message) {
        if (message != nullptr) self(h)->logger_->log(to_spdlog(level), "{}", message);
    };
    host_.log_enabled = [](const tllm_host *h, tllm_log_level level) -> int32_t {
        return self(h)->logger_->should_log(to_spdlog(level)) ? 1 : 0;
    };
    host_.chat = [](const tllm_host *h, const tllm_call *call, const char *request, char **out) {
        return serve(out, [&] {
            if (self(h)->services_ == nullptr || call == nullptr || request == nullptr) {
                throw Error(ErrorCode::unsupported, "model calls are not available here");
            }
            return self(h)->services_->chat(call, request);
        });
    };
    host_.call_tool = [](const tllm_host *h, const tllm_call *call, const char *tool,
                         const char *arguments, char **out) {
        return serve(out, [&] {
            if (self(h)->services_ == nullptr || call == nullptr || tool == nullptr) {
                throw Error(ErrorCode::unsupported, "tool calls are not available here");
            }
            return self(h)->services_->call_tool(call, tool, arguments ? arguments : "{}");
        });
    };
    host_.chat_messages = [](const tllm_host *h, const tllm_call *call,
                             const tllm_chat_request *request, char **out_content,
                             size_t *out_content_size, char **out_response) {
        if (out_response != nullptr) *out_response = nullptr;
        if (out_content_size != nullptr) *out_content_size = 0;
        const tllm_status status = serve(out_content, [&] {
            if (self(h)->services_ == nullptr || call == nullptr) {
                throw Error(ErrorCode::unsupported, "model calls are not available here");
            }
            HostServices::ChatAnswer answer =
                self(h)->services_->chat_messages(call, text_chat_of(request));
            if (out_response != nullptr) {
                *out_response = duplicate(answer.response);
                if (*out_response == nullptr) throw std::bad_alloc();
            }
            if (out_content_size != nullptr) *out_content_size = answer.content.size();
            return std::move(answer.content);
        });
        if (status != TLLM_OK && out_content_size != nullptr) *out_content_size = 0;
        if (status != TLLM_OK && out_response != nullptr) { // only the error message then
            std::free(*out_response);
            *out_response = nullptr;
        }
        return status;
    };
    host_.free_string = [](const tllm_host *, char *s) { std::free(s); };
    host_.describe_tool = [](const tllm_host *h, const char *tool, char **out) {
        return serve(out, [&] {
            if (self(h)->services_ == nullptr || tool == nullptr) {
                throw Error(ErrorCode::unsupported, "tools are not available here");
            }
            return self(h)->services_->describe_tool(tool);
        });
    };
}

InstanceHost *InstanceHost::self(const tllm_host *host) noexcept {
    return static_cast<InstanceHost *>(host->host_data);
}

} // namespace tinyllm::runtime
