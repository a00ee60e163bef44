// Ollama's API, so that any Ollama client can use a graph as a model: /api/chat and
// /api/generate (streamed NDJSON or one document), /api/tags (every graph as
// "tinyllm/<name>"), /api/show, /api/ps, /api/version.
// Errors are Ollama's shape, {"error": "..."}.
#pragma once

#include "serve/http_exchange.hpp"
#include "serve/services.hpp"
#include "tinyllm/wall_clock.hpp"

#include <memory>

namespace tinyllm::serve {

class OllamaApi {
public:
    explicit OllamaApi(Services &services) : services_(services) {}

    // [I/O thread] Answers the request if its path is one of Ollama's; false otherwise.
    bool handle(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange);

private:
    void run(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange, bool generate);
    void tags(const std::shared_ptr<Exchange> &exchange);
    void show(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange);
    void ps(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange);
    void version(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange);

    Services &services_;
};

// {"error": message}, with Ollama's content type.
void send_ollama_error(Exchange &exchange, int status, const std::string &message,
                       Headers headers = {});

// Now as Ollama writes a time (tinyllm/wall_clock.hpp's rfc3339_utc).
std::string rfc3339_now();

} // namespace tinyllm::serve
