// Error answers in each API's own shape, so that a client's library reads the message: Ollama's
// {"error": "..."}, OpenAI's {"error": {"message", "type", "param", "code"}}, TinyLLM's
// {"error": {"code", "message"}}. The send_*_error functions of the APIs write these bodies.
#pragma once

#include <string>
#include <string_view>

namespace tinyllm::serve {

std::string ollama_error_body(const std::string &message);

// `code`: OpenAI's machine-readable code ("model_not_found"), or "" for null. The type follows
// from the status: rate_limit_error for 429, server_error for 5xx, else invalid_request_error.
std::string openai_error_body(int status, const std::string &message, std::string_view code);

// `code`: an ErrorCode's name ("invalid_argument"), or "unauthorized".
std::string tinyllm_error_body(std::string_view code, const std::string &message);

// The shape of the API `path` belongs to: OpenAI's under /v1/, TinyLLM's under /tinyllm/,
// Ollama's elsewhere (its API, and the root, which Ollama clients probe). For answers made before
// any API has read the request (a body over the limit, a malformed head, a path that climbs).
std::string error_body_for(std::string_view path, int status, const std::string &message);

} // namespace tinyllm::serve
