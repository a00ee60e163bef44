// Ollama's REST API (docs/api.md) over HttpClient: the logic of the backend plugin, usable
// without the plugin ABI. Every function may run concurrently on one client.
#pragma once

#include "config.hpp"
#include "endpoint.hpp"
#include "http_client.hpp"
#include "retry.hpp"

#include <tinyllm/plugin.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace tinyllm::ollama {

using Logger = std::function<void(tllm_log_level level, const std::string &message)>;

class OllamaClient {
public:
    // Normalises config.url (throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT) if unusable). The
    // logger receives retries and config warnings; it must be thread-safe.
    explicit OllamaClient(const ClientConfig &config, Logger logger = {});

    const Endpoint &endpoint() const noexcept { return endpoint_; }

    // The request documents are Ollama's own and are forwarded byte for byte, except that the
    // configured keep_alive is added to chat/generate/embed requests lacking one. Each function
    // returns the result document (JSON) or throws sdk::Error.

    // POST /api/chat. Streamed unless "stream": false: token/thinking events per chunk, and
    // the chunks folded into one non-streamed-shaped answer.
    std::string chat(const sdk::Call &call, std::string_view request_json);
    // POST /api/generate; same streaming rules as chat, "response" instead of "message".
    std::string generate(const sdk::Call &call, std::string_view request_json);
    // POST /api/embed -> Ollama's answer ({"model","embeddings":[[...]],...}).
    std::string embed(const sdk::Call &call, std::string_view request_json);
    // GET /api/tags -> {"models":[...]}.
    std::string list_models(const sdk::Call &call);
    // POST /api/show -> Ollama's model details.
    std::string show_model(const sdk::Call &call, std::string_view request_json);
    // POST /api/pull; progress events while streaming -> {"status":"success"}.
    std::string pull_model(const sdk::Call &call, std::string_view request_json);
    // GET /api/version -> {"version":"...","endpoint":"<base url>"}.
    std::string server_version(const sdk::Call &call);

private:
    struct Prepared;
    Prepared prepare(std::string_view request_json, std::string_view what, bool keep_alive);
    TransferControl control_for(const sdk::Call &call) const;
    // Sends with retries on 503/429 and maps every non-2xx answer to an error.
    HttpResponse exchange(const sdk::Call &call, const HttpRequest &request,
                          const BodySink &sink = {});
    std::string buffered(const sdk::Call &call, const HttpRequest &request);
    std::string streamed_completion(const sdk::Call &call, const HttpRequest &request, bool chat);
    void log(tllm_log_level level, const std::string &message) const;

    ClientConfig config_;
    Endpoint endpoint_;
    Logger logger_;
    RetryPolicy retry_;
    HttpClient http_;
};

} // namespace tinyllm::ollama
