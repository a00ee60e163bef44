#include "serve/server.hpp"

#include "serve/alerts_json.hpp"
#include "serve/dashboard.hpp"
#include "serve/error_shape.hpp"
#include "serve/ollama_api.hpp"
#include "serve/openai_api.hpp"
#include "serve/tinyllm_api.hpp"
#include "store/run_store.hpp"
#include "store/sqlite.hpp"
#include "tinyllm/json.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <thread>

namespace tinyllm::serve {

namespace {

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A path that climbs out of where it points ("/../", "/..", "%2e%2e"): refused outright, so no
// handler, today's or a later one that serves files, ever sees one.
bool climbs(std::string_view path) {
    std::string lower(path);
    for (char &c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const std::string_view dots : {"..", "%2e%2e", "%2e.", ".%2e"}) {
        for (size_t at = lower.find(dots); at != std::string::npos; at = lower.find(dots, at + 1)) {
            const size_t end = at + dots.size();
            const bool starts = at == 0 || lower[at - 1] == '/' || lower[at - 1] == '\\';
            const bool ends = end == lower.size() || lower[end] == '/' || lower[end] == '\\' ||
                              lower.compare(end, 3, "%2f") == 0 ||
                              lower.compare(end, 3, "%5c") == 0;
            if (starts && ends) return true;
        }
    }
    return false;
}

// An exchange whose responses carry `headers` too (CORS's, for an allowed origin).
class WithHeaders final : public Exchange {
public:
    WithHeaders(std::shared_ptr<Exchange> inner, Headers headers)
        : inner_(std::move(inner)), headers_(std::move(headers)) {}
    void send(int status, std::string content_type, std::string body, Headers headers) override {
        inner_->send(status, std::move(content_type), std::move(body), merged(std::move(headers)));
    }
    void start_stream(int status, std::string content_type, Headers headers) override {
        inner_->start_stream(status, std::move(content_type), merged(std::move(headers)));
    }
    void write(std::string chunk) override { inner_->write(std::move(chunk)); }
    void end() override { inner_->end(); }
    void on_disconnect(std::function<void()> callback) override {
        inner_->on_disconnect(std::move(callback));
    }

private:
    Headers merged(Headers headers) const {
        headers.insert(headers.end(), headers_.begin(), headers_.end());
        return headers;
    }
    std::shared_ptr<Exchange> inner_;
    Headers headers_;
};

// Counts each answer by the API its path belongs to and its status, as it starts.
class Counted final : public Exchange {
public:
    Counted(std::shared_ptr<Exchange> inner, Metrics &metrics, const char *api)
        : inner_(std::move(inner)), metrics_(metrics), api_(api) {}
    void send(int status, std::string content_type, std::string body, Headers headers) override {
        metrics_.answered(api_, status);
        inner_->send(status, std::move(content_type), std::move(body), std::move(headers));
    }
    void start_stream(int status, std::string content_type, Headers headers) override {
        metrics_.answered(api_, status);
        inner_->start_stream(status, std::move(content_type), std::move(headers));
    }
    void write(std::string chunk) override { inner_->write(std::move(chunk)); }
    void end() override { inner_->end(); }
    void on_disconnect(std::function<void()> callback) override {
        inner_->on_disconnect(std::move(callback));
    }

private:
    std::shared_ptr<Exchange> inner_;
    Metrics &metrics_;
    const char *api_;
};

// The API a path belongs to, as the requests metric names it.
const char *api_of(std::string_view path) {
    if (path.starts_with("/api/")) return "ollama";
    if (path.starts_with("/v1/")) return "openai";
    if (path.starts_with("/tinyllm/")) return "tinyllm";
    if (path == "/metrics") return "metrics";
    return "other"; // the dashboard, the probes, the root
}

// Paths anyone may ask for: the probes, and the dashboard's files (it asks for the key itself).
bool open_to_all(const HttpRequest &request) {
    const std::string &p = request.path;
    return p == "/healthz" || p == "/readyz" || p == "/" || p.starts_with("/ui/");
}

// 401 in the shape of the API the path belongs to.
void send_unauthorized(const HttpRequest &request, Exchange &exchange) {
    const bool sent_one = !request.header("Authorization").empty();
    const std::string message =
        sent_one ? "the API key is not one this server accepts (server.api_keys)"
                 : "this server needs an API key: send it as Authorization: Bearer KEY";
    Headers headers{{"WWW-Authenticate", "Bearer realm=\"tinyllm\""}};
    if (request.path.starts_with("/v1/")) {
        send_openai_error(exchange, 401, message, "invalid_api_key", std::move(headers));
    } else if (request.path.starts_with("/api/")) {
        send_ollama_error(exchange, 401, message, std::move(headers));
    } else {
        exchange.send(401, kJson, tinyllm_error_body("unauthorized", message), std::move(headers));
    }
}

} // namespace

std::optional<ListenAddress> parse_listen(std::string_view text) {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == text.size()) return std::nullopt;
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        return std::nullopt;
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return std::nullopt; // an IPv6 address needs its brackets
    }
    if (host.empty()) return std::nullopt;
    return ListenAddress{std::string(host), static_cast<uint16_t>(port)};
}

Server::Server(ServerOptions options, GraphCatalog graphs, ServerHooks hooks)
    : options_(std::move(options)), graphs_(std::move(graphs)),
      runs_(options_.max_concurrent_runs, options_.max_queued_runs),
      control_(2, 64), services_{.graphs = graphs_,
                                 .runs = runs_,
                                 .control = control_,
                                 .shutdown = runtime::CancelToken(),
                                 .run_graph = std::move(hooks.run_graph),
                                 .backend_models = std::move(hooks.backend_models),
                                 .store = hooks.store,
                                 .plugins_json = std::move(hooks.plugins_json),
                                 .proxy = nullptr, // set below, once proxy_ exists
                                 .proxy_management = hooks.passthrough_management,
                                 .max_input_bytes = options_.max_input_bytes,
                                 .request_timeout = options_.request_timeout,
                                 .started_at_ms = now_ms(),
                                 .in_flight = {},
                                 .metrics = {},
                                 .events = RunEvents()},
      ollama_(std::make_unique<OllamaApi>(services_)),
      openai_(std::make_unique<OpenAiApi>(services_)),
      tinyllm_(std::make_unique<TinyllmApi>(
          services_, [this] { return status(); },
          [this] { return alerts_report_json(alerts_, options_.alerts, webhook_.get()); })),
      alerts_(options_.alerts.rules) {
    if (hooks.passthrough) {
        proxy_ = std::make_unique<BackendProxy>(*hooks.passthrough, hooks.passthrough_timeout);
        services_.proxy = proxy_.get();
    }
    options_.http.error_body = error_body_for;
    http_ = std::make_unique<HttpServer>(
        options_.http, [this](HttpRequest request, std::shared_ptr<Exchange> exchange) {
            handle(std::move(request), std::move(exchange));
        });
    if (options_.alerts.webhook) {
        const std::string &host = options_.http.host;
        const std::string url = "http://" +
                                (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                                ":" + std::to_string(http_->port()) + "/";
        webhook_ = std::make_unique<AlertWebhook>(*options_.alerts.webhook, url);
    }
}

Server::~Server() {
    shutdown();
}

uint16_t Server::port() const noexcept {
    return http_->port();
}

void Server::handle(HttpRequest request, std::shared_ptr<Exchange> exchange) {
    spdlog::debug("{} {} {}", request.remote, request.method, request.target);
    exchange =
        std::make_shared<Counted>(std::move(exchange), services_.metrics, api_of(request.path));
    const std::optional<Headers> cors = options_.access.cors_headers(request);
    if (cors) exchange = std::make_shared<WithHeaders>(std::move(exchange), *cors);
    if (request.method == "OPTIONS" && !request.header("Origin").empty()) {
        // A browser asking whether a page of that origin may call (CORS preflight).
        if (cors) {
            exchange->send(204, "text/plain; charset=utf-8", "");
        } else {
            send_tinyllm_error(*exchange, ErrorCode::invalid_argument,
                               "pages of " + request.header("Origin") +
                                   " may not call this server (server.cors_origins)");
        }
        return;
    }
    if (!open_to_all(request) && !options_.access.authorized(request)) {
        send_unauthorized(request, *exchange);
        return;
    }
    if (climbs(request.path)) {
        exchange->send(
            400, kJson,
            error_body_for(request.path, 400, "the path climbs out of the server's (\"..\")"));
        return;
    }
    const bool get = request.method == "GET" || request.method == "HEAD";
    if (request.path == "/healthz" && get) {
        exchange->send(200, kJson, R"({"status":"ok"})");
        return;
    }
    if (request.path == "/readyz" && get) {
        ready(exchange);
        return;
    }
    if (request.path == "/metrics" && get) {
        const auto graphs_available =
            std::count_if(graphs_.graphs().begin(), graphs_.graphs().end(),
                          [](const ServedGraph &g) { return g.graph != nullptr; });
        std::vector<Metrics::Gauge> gauges = {
            {"tinyllm_runs_in_flight", "Graph runs executing now.",
             static_cast<double>(runs_.running())},
            {"tinyllm_runs_queued", "Requests waiting for a run slot (limits.max_queued_runs).",
             static_cast<double>(runs_.queued())},
            {"tinyllm_run_slots", "Runs that may execute at once (limits.max_concurrent_runs).",
             static_cast<double>(runs_.workers())},
            {"tinyllm_http_connections", "Open client connections.",
             static_cast<double>(http_->connections())},
            {"tinyllm_graphs_available", "Graphs served that built and can run.",
             static_cast<double>(graphs_available)},
            {"tinyllm_start_time_seconds", "When the server started, in Unix seconds.",
             static_cast<double>(services_.started_at_ms) / 1e3},
        };
        if (services_.store != nullptr) {
            const HealthCheck::State store = store_health_.state();
            gauges.push_back({"tinyllm_run_store_up",
                              "1 when the run store took a write transaction at its last check "
                              "(every 5 s), else 0.",
                              !store.checked || store.up ? 1.0 : 0.0});
        }
        const HealthCheck::State backends = health_.state();
        gauges.push_back({"tinyllm_backends_up",
                          "1 when every backend answered its last check (every 5 s), else 0.",
                          backends.up ? 1.0 : 0.0});
        gauges.push_back({"tinyllm_backends_down_seconds",
                          "How long the backends have failed their checks; 0 while they answer.",
                          backends.up || !backends.checked
                              ? 0.0
                              : static_cast<double>(now_ms() - backends.down_since_ms) / 1e3});
        gauges.push_back({"tinyllm_backend_check_seconds",
                          "How long the last check of the backends took.", backends.check_seconds});
        const AlertEvaluator::Counts alerts = alerts_.counts();
        gauges.push_back({"tinyllm_alerts_firing", "Alerts firing now (alerts.yaml).",
                          static_cast<double>(alerts.firing)});
        gauges.push_back({"tinyllm_alerts_pending",
                          "Alerts whose condition holds, not yet for their rule's `for`.",
                          static_cast<double>(alerts.pending)});
        exchange->send(200, "text/plain; version=0.0.4; charset=utf-8",
                       services_.metrics.render(gauges));
        return;
    }
    if (request.path == "/" && get && !wants_html(request)) {
        // What Ollama answers at its root, which clients use as a heartbeat; a browser gets the
        // dashboard.
        exchange->send(200, "text/plain; charset=utf-8", "TinyLLM is running");
        return;
    }
    if (get && send_dashboard_file(request.path, *exchange)) return;
    if (ollama_->handle(request, exchange)) return;
    if (openai_->handle(request, exchange)) return;
    if (tinyllm_->handle(request, exchange)) return;
    send_ollama_error(*exchange, 404, "no such endpoint: " + request.method + " " + request.path);
}

std::string Server::status() const {
    std::string out = "{\"version\":";
    json::append_quoted(out, kVersion);
    const auto number = [&out](const char *key, int64_t value) {
        out += ",\"";
        out += key;
        out += "\":" + std::to_string(value);
    };
    number("started_at_ms", services_.started_at_ms);
    number("now_ms", now_ms());
    number("runs_in_flight", static_cast<int64_t>(runs_.running()));
    number("runs_queued", static_cast<int64_t>(runs_.queued()));
    number("run_slots", static_cast<int64_t>(runs_.workers()));
    number("max_queued_runs", static_cast<int64_t>(options_.max_queued_runs));
    number("connections", static_cast<int64_t>(http_ ? http_->connections() : 0));
    number("event_streams", static_cast<int64_t>(services_.events.subscribers()));
    number("graphs", static_cast<int64_t>(graphs_.graphs().size()));
    out += ",\"run_store\":";
    out += services_.store != nullptr ? "true" : "false";
    const HealthCheck::State backends = health_.state();
    out += ",\"backends_up\":";
    out += backends.up ? "true" : "false";
    out += ",\"backends_error\":";
    json::append_quoted(out, backends.error);
    out += ",\"passthrough\":";
    out += proxy_ ? "true" : "false";
    const AlertEvaluator::Counts alerts = alerts_.counts();
    number("alert_rules", static_cast<int64_t>(alerts_.rules().size()));
    number("alerts_firing", static_cast<int64_t>(alerts.firing));
    number("alerts_pending", static_cast<int64_t>(alerts.pending));
    return out + "}";
}

// Ready when a graph can run, every backend answers its model list and the run store takes a
// write transaction (a store another process holds past its busy timeout, or a read-only one,
// would fail every run's recording).
void Server::check_health() {
    if (services_.store != nullptr) {
        const auto began = std::chrono::steady_clock::now();
        std::string failed;
        try {
            services_.store->write_transaction("readiness check", [](store::sqlite::Database &) {});
        } catch (const std::exception &e) {
            failed = e.what();
        }
        const HealthCheck::State before = store_health_.state();
        if (!failed.empty() && (before.up || !before.checked)) spdlog::warn("{}", failed);
        const bool writable = failed.empty();
        store_health_.record(
            writable, std::move(failed), now_ms(),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    }
    const auto started = std::chrono::steady_clock::now();
    std::string error;
    try {
        services_.backend_models();
    } catch (const std::exception &e) {
        error = e.what();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::debug("backend check: {} in {:.1f} ms", error.empty() ? "up" : error, seconds * 1e3);
    if (!error.empty() && health_.state().up) spdlog::warn("backend down: {}", error);
    const bool up = error.empty(); // before the move below: arguments have no set order
    health_.record(up, std::move(error), now_ms(), seconds);
}

// Every rule over what the server knows now; each change logged, published to the event
// streams and handed to the webhook.
void Server::evaluate_alerts() {
    AlertInputs inputs;
    inputs.metrics = services_.metrics.snapshot();
    const HealthCheck::State backends = health_.state();
    inputs.backends_checked = backends.checked;
    inputs.backends_up = backends.up;
    inputs.backends_error = backends.error;
    inputs.backends_down_since_ms = backends.down_since_ms;
    inputs.runs_queued = runs_.queued();
    inputs.max_queued_runs = options_.max_queued_runs;
    const int64_t now = now_ms();
    const std::vector<Alert> changes = alerts_.evaluate(inputs, now);
    for (const Alert &alert : changes) {
        const auto summary = alert.annotations.find("summary");
        const std::string what = summary != alert.annotations.end()
                                     ? summary->second
                                     : "value " + std::to_string(alert.value);
        // Both at warning level: whoever sees an alert fire in the log must see it resolve.
        spdlog::warn("alert {} {}: {}", alert.rule, to_string(alert.state), what);
        services_.events.publish("", "alert", alert_json(alert));
    }
    if (webhook_) {
        webhook_->notify(changes, alerts_.firing(), now);
    }
}

// Retention: the runs older than retention.max_age_days go, in small transactions so that the
// runs being recorded meanwhile hardly wait.
void Server::delete_old_runs() {
    try {
        const size_t deleted =
            services_.store->delete_runs_before(now_ms() - options_.run_retention.count());
        if (deleted > 0) {
            spdlog::info("deleted {} run(s) older than {} days (retention.max_age_days)", deleted,
                         static_cast<double>(options_.run_retention.count()) / 86'400'000.0);
        }
    } catch (const std::exception &e) {
        spdlog::error("could not delete old runs: {}", e.what());
    }
}

// Ready when a graph can run and the backends answered their last check (made now when there
// has been none yet).
void Server::ready(const std::shared_ptr<Exchange> &exchange) {
    const auto answer = [this, exchange] {
        std::string problems;
        size_t available = 0;
        for (const ServedGraph &g : graphs_.graphs())
            available += g.graph ? 1 : 0;
        if (available == 0) problems += "no graph is available; ";
        const HealthCheck::State backends = health_.state();
        if (!backends.up) problems += "backend: " + backends.error + "; ";
        if (const HealthCheck::State store = store_health_.state(); store.checked && !store.up)
            problems += store.error + "; ";
        const std::string checked =
            ",\"backends_checked_ms_ago\":" + std::to_string(now_ms() - backends.checked_at_ms);
        if (problems.empty()) {
            exchange->send(200, kJson, R"({"status":"ready")" + checked + "}");
            return;
        }
        problems.resize(problems.size() - 2);
        std::string body = R"({"status":"not ready","reason":)";
        json::append_quoted(body, problems);
        exchange->send(503, kJson, body + checked + "}");
    };
    if (health_.state().checked) {
        answer();
        return;
    }
    const bool queued = control_.submit([this, answer] {
        check_health();
        answer();
    });
    if (!queued) send_ollama_error(*exchange, 503, "server busy", {{"Retry-After", "1"}});
}

void Server::serve(const runtime::CancelToken &stop) {
    http_->start();
    // Event streams get a comment line this often, so proxies keep them and gone clients show.
    constexpr auto kHeartbeat = std::chrono::seconds(15);
    // The backends are asked for their models this often (/readyz, /metrics).
    constexpr auto kHealthCheck = std::chrono::seconds(5);
    const auto kEvaluate = std::chrono::milliseconds(options_.alerts.evaluate_every_ms);
    auto next_heartbeat = std::chrono::steady_clock::now() + kHeartbeat;
    auto next_check = std::chrono::steady_clock::now();
    auto next_evaluation = std::chrono::steady_clock::now() + kEvaluate;
    // Old runs are deleted at the start (on the control queue: the server already answers),
    // then every hour.
    constexpr auto kRetention = std::chrono::hours(1);
    auto next_retention = std::chrono::steady_clock::now();
    while (!stop.cancelled()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_retention && options_.run_retention.count() > 0 &&
            services_.store != nullptr) {
            next_retention = now + kRetention;
            if (!control_.submit([this] { delete_old_runs(); })) {
                // Busy with backend checks and model lists: a minute later, not an hour.
                spdlog::info("retention: the control queue is full; old runs are deleted in a "
                             "minute");
                next_retention = now + std::chrono::minutes(1);
            }
        }
        if (now >= next_evaluation && !alerts_.rules().empty()) {
            next_evaluation = now + kEvaluate;
            evaluate_alerts();
        }
        if (now >= next_heartbeat) {
            services_.events.heartbeat();
            next_heartbeat += kHeartbeat;
        }
        if (now >= next_check && !checking_.exchange(true)) {
            next_check = now + kHealthCheck;
            if (!control_.submit([this] {
                    check_health();
                    checking_ = false;
                })) {
                checking_ = false;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    shutdown();
}

void Server::shutdown() {
    if (shut_down_) return;
    shut_down_ = true;
    http_->stop_accepting();
    runs_.close();
    control_.close();
    // The grace period: runs in flight and queued may finish.
    const auto until = std::chrono::steady_clock::now() + options_.shutdown_grace;
    while ((runs_.running() > 0 || runs_.queued() > 0) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cancelled_at_shutdown_ = runs_.running() + runs_.queued();
    if (cancelled_at_shutdown_ > 0) {
        spdlog::warn("shutting down: cancelling {} run(s) still in flight after {} ms",
                     cancelled_at_shutdown_, options_.shutdown_grace.count());
        services_.shutdown.cancel();
    }
    runs_.drain();
    control_.drain();
    services_.events.close_all(); // event streams never end by themselves
    // The last answers are written; then every connection is closed.
    const auto written = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (http_->connections() > 0 && std::chrono::steady_clock::now() < written)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    http_->stop();
    http_->join();
}

} // namespace tinyllm::serve
