// OpenAI's API, so that the OpenAI client libraries (and what is built on them: LangChain,
// LlamaIndex) can use a graph as a model: /v1/chat/completions (one document, or server-sent
// events ending with "data: [DONE]"; stream_options.include_usage), /v1/models and
// /v1/models/{id}. Errors are OpenAI's shape, {"error": {"message", "type", "param", "code"}}.
#pragma once

#include "serve/http_exchange.hpp"
#include "serve/services.hpp"

#include <memory>

namespace tinyllm::serve {

class OpenAiApi {
public:
    explicit OpenAiApi(Services &services) : services_(services) {}

    // [I/O thread] Answers the request if its path is under /v1/; false otherwise.
    bool handle(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange);

private:
    void chat_completions(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange);
    void models(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange);
    void other(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange);

    Services &services_;
};

// {"error": {"message", "type", "param": null, "code"}}; the type follows from the status
// (invalid_request_error for 4xx, server_error for 5xx) unless given.
void send_openai_error(Exchange &exchange, int status, const std::string &message,
                       const std::string &code = {}, Headers headers = {});

} // namespace tinyllm::serve
