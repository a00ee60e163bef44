// `tinyllm serve`'s server: the HTTP server, the queues that run graphs and control calls off
// its I/O threads, the APIs (Ollama's, OpenAI's, TinyLLM's own) and the dashboard, the health
// endpoints, the alert rules evaluated every few seconds, and the graceful shutdown: stop
// accepting, let runs in flight finish for a grace period, cancel the rest (recorded as
// cancelled), close.
#pragma once

#include "serve/access.hpp"
#include "serve/alert_webhook.hpp"
#include "serve/alerts.hpp"
#include "serve/graph_catalog.hpp"
#include "serve/health_check.hpp"
#include "serve/http_server.hpp"
#include "serve/services.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace tinyllm::serve {

struct ServerOptions {
    HttpServerOptions http;
    size_t max_concurrent_runs = 8;
    size_t max_queued_runs = 64;
    size_t max_input_bytes = 1 << 20;
    // A run's time budget from its request's arrival, the time it waited for a run slot
    // included (limits.request_timeout_ms); 0: none.
    std::chrono::milliseconds request_timeout{0};
    std::chrono::milliseconds shutdown_grace{30000};
    AccessPolicy access;         // API keys and CORS origins
    config::AlertsConfig alerts; // no rules: nothing evaluated
    // Runs older than this are deleted from the store at the start and every hour
    // (retention.max_age_days); 0: kept.
    std::chrono::milliseconds run_retention{0};
};

// HOST:PORT or [IPv6]:PORT; nullopt when `text` is neither.
struct ListenAddress {
    std::string host;
    uint16_t port = 0;
};
std::optional<ListenAddress> parse_listen(std::string_view text);

class Server {
public:
    // Listens at once (throws Error(unavailable) naming the address when it cannot).
    Server(ServerOptions options, GraphCatalog graphs, ServerHooks hooks);
    ~Server(); // shuts down if serve() did not

    uint16_t port() const noexcept;

    // Serves until `stop` is cancelled, then shuts down gracefully.
    void serve(const runtime::CancelToken &stop);
    // What the shutdown found: runs still in flight when the grace period ended, cancelled.
    size_t runs_cancelled_at_shutdown() const noexcept { return cancelled_at_shutdown_; }

private:
    void handle(HttpRequest request, std::shared_ptr<Exchange> exchange);
    void ready(const std::shared_ptr<Exchange> &exchange);
    std::string status() const; // /tinyllm/v1/status
    void check_health();        // [the control queue] the backends, then the store
    void evaluate_alerts();     // [the thread in serve()]
    void delete_old_runs();     // [the control queue]
    void shutdown();

    ServerOptions options_;
    GraphCatalog graphs_;
    RunQueue runs_;
    RunQueue control_;
    Services services_;
    std::unique_ptr<class OllamaApi> ollama_;
    std::unique_ptr<class OpenAiApi> openai_;
    std::unique_ptr<class TinyllmApi> tinyllm_;
    std::unique_ptr<HttpServer> http_; // destroyed after proxy_, and after shutdown()
    // After http_, so destroyed before it: a forward cut short at shutdown lets go of its
    // client's exchange while the HTTP server that made it still exists.
    std::unique_ptr<BackendProxy> proxy_;
    HealthCheck health_;       // the backends' last check
    HealthCheck store_health_; // the run store's: can it take a write transaction
    AlertEvaluator alerts_;
    std::unique_ptr<AlertWebhook> webhook_; // none without alerts.yaml's webhook
    std::atomic<bool> checking_{false};     // a check is queued or running
    bool shut_down_ = false;
    size_t cancelled_at_shutdown_ = 0;
};

} // namespace tinyllm::serve
