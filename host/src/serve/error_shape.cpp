#include "serve/error_shape.hpp"

#include "tinyllm/json.hpp"

namespace tinyllm::serve {

namespace {

// TinyLLM's code for an answer no API chose a code for.
std::string_view code_for(int status) {
    switch (status) {
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 413:
    case 431: return "limit_exceeded";
    case 429:
    case 503: return "unavailable";
    case 504: return "timeout";
    default: return status >= 500 ? "internal" : "invalid_argument";
    }
}

} // namespace

std::string ollama_error_body(const std::string &message) {
    return "{\"error\":" + json::quoted(message) + "}";
}

std::string openai_error_body(int status, const std::string &message, std::string_view code) {
    const char *type = status == 429   ? "rate_limit_error"
                       : status >= 500 ? "server_error"
                                       : "invalid_request_error";
    return "{\"error\":{\"message\":" + json::quoted(message) + ",\"type\":\"" + type +
           "\",\"param\":null,\"code\":" + (code.empty() ? "null" : json::quoted(code)) + "}}";
}

std::string tinyllm_error_body(std::string_view code, const std::string &message) {
    return "{\"error\":{\"code\":" + json::quoted(code) + ",\"message\":" + json::quoted(message) +
           "}}";
}

std::string error_body_for(std::string_view path, int status, const std::string &message) {
    if (path.starts_with("/v1/")) return openai_error_body(status, message, {});
    if (path.starts_with("/tinyllm/")) return tinyllm_error_body(code_for(status), message);
    return ollama_error_body(message);
}

} // namespace tinyllm::serve
