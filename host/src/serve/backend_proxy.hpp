// Requests for what is not a graph — a backend's own models, Ollama's other endpoints (pull,
// embed, delete, ...) — passed to the backend's Ollama server unchanged, and its answer
// streamed back as it comes, so that OLLAMA_HOST pointing at `tinyllm serve` in front of an
// Ollama loses nothing. Asynchronous (Beast's HTTP client on a thread of its own): a stream
// being passed through holds no thread, and connections to the backend are kept alive and
// reused. The client's Authorization header (its key for this server) is not passed on.
#pragma once

#include "serve/http_exchange.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::serve {

struct ProxyTarget {
    std::string backend; // its name in models.yaml, for messages
    std::string host;    // a name or an address; resolved per new connection
    uint16_t port = 11434;
};

// An Ollama backend's url (http://host:port, host:port, host), or nullopt with `why` for what
// cannot be passed through (https, a path prefix).
std::optional<ProxyTarget> proxy_target(const std::string &backend, std::string_view url,
                                        std::string &why);

class BackendProxy {
public:
    // `timeout`: how long the backend may take to connect, and to send each next piece.
    BackendProxy(ProxyTarget target, std::chrono::milliseconds timeout);
    ~BackendProxy(); // ends every forward in flight and its thread
    BackendProxy(const BackendProxy &) = delete;
    BackendProxy &operator=(const BackendProxy &) = delete;

    const ProxyTarget &target() const noexcept;

    // Sends `request` to the backend and its answer to `exchange`: the status and content type
    // as the backend gave them, the body streamed chunk by chunk. A backend that cannot be
    // reached or fails before answering: 502 in Ollama's shape; one that fails mid-answer: the
    // stream ends with an {"error": ...} line, as Ollama ends its own. [any thread]
    void forward(const HttpRequest &request, std::shared_ptr<Exchange> exchange);

    // The backend's whole answer to `request`, for this server's own answer: `merge` gets the
    // body of a 200 answer (up to 16 MiB), or null when the backend failed or answered otherwise,
    // and returns the JSON sent to `exchange` with 200 — a list with this server's entries added,
    // or its entries alone. Runs `merge` on the proxy's thread. [any thread]
    using Merge = std::function<std::string(const std::string *backend_body)>;
    void merge(const HttpRequest &request, std::shared_ptr<Exchange> exchange, Merge merge);

    // The entries of the list `member` of a backend's answer (merge's body), each as JSON text
    // and joined with commas after `own` ("" when there are none); an answer that is not such a
    // list adds nothing, and is logged.
    static std::string joined_list(const std::string &own, const std::string *backend_body,
                                   std::string_view member);

    struct Impl; // the I/O thread, its connections to the backend (backend_proxy.cpp)

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace tinyllm::serve
