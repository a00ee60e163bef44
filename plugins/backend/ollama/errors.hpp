// Turning what Ollama answers into one-line tinyllm::sdk::Error messages.
#pragma once

#include "http_client.hpp"

#include <tinyllm/json.hpp>
#include <tinyllm/plugin.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tinyllm::ollama {

// `text` as one printable line of at most `max_bytes` (control characters become spaces, a
// cut never splits a UTF-8 character): error messages must stay one line.
std::string one_line(std::string_view text, size_t max_bytes = 400);

// Parse a JSON object, turning the common code's tinyllm::Error into sdk::Error(`status`).
json::Document parse_object(json::Text text, std::string_view what, tllm_status status);

// The same, for a context that costs more to write than the parse (it quotes the text):
// `what()` is called only when `text` is not a JSON object, whose error it then names.
template <class What>
requires std::is_invocable_r_v<std::string, What> json::Document
parse_object_lazily(json::Text text, What &&what, tllm_status status) {
    try {
        return json::parse_object(text, "text");
    } catch (const tinyllm::Error &) {
        // Fails again, now with the words.
        return parse_object(text, std::forward<What>(what)(), status);
    }
}

// The text of an Ollama error document ({"error": "..."}), or empty when `doc` is not one.
std::string error_text(const json::Value &doc);

// Throws the error matching a non-2xx answer. With an {"error": "..."} body:
//   400/413/422 -> TLLM_ERR_INVALID_ARGUMENT, 404 -> TLLM_ERR_NOT_FOUND, 408 -> TLLM_ERR_TIMEOUT,
//   429/503 -> TLLM_ERR_UNAVAILABLE, anything else -> TLLM_ERR_REMOTE;
// with a body that is not an Ollama error document -> TLLM_ERR_PROTOCOL (503/429 excepted).
// The message names the endpoint, the request, the status and Ollama's text.
[[noreturn]] void throw_http_error(const HttpResponse &response, const std::string &base_url,
                                   std::string_view what);

} // namespace tinyllm::ollama
