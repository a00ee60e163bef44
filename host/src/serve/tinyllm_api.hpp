// TinyLLM's own API, JSON under /tinyllm/v1/ (docs/serve.md lists it):
//   GET status            the server now: version, uptime, runs in flight and queued, slots,
//                         connections, event subscribers
//   GET runs              recorded runs, newest first: ?limit=N (1..1000, 50) &status=S &graph=ID
//   GET runs/ID           one run's whole trace (an unambiguous id prefix is enough)
//   GET events            live run events as server-sent events (run_events.hpp); ?run=ID
//                         follows one run, its node events (tokens, decisions) included
//   GET graphs[/NAME]     the graphs served: nodes, edges, entry, exits, and their versions
//   GET metrics           per-node metrics from the run store: ?graph=ID &version=V &node=ID
//                         &minutes=N (60) or &last=N runs, &buckets=N (30) trend parts
//   GET plugins           the loaded plugins
//   GET alerts            the alert rules (alerts.yaml), the alerts pending and firing, the
//                         webhook's counts; the events stream carries each change ("alert")
// Errors: {"error": {"code": "not_found", "message": "..."}} with the status http_status.hpp
// maps the code to. Everything that reads the store runs on the control queue.
#pragma once

#include "serve/http_exchange.hpp"
#include "serve/services.hpp"

#include <functional>
#include <memory>
#include <string>

namespace tinyllm::serve {

inline constexpr std::string_view kTinyllmApiPrefix = "/tinyllm/v1/";

class TinyllmApi {
public:
    // `status`: the server's gauges as a JSON object's text (Server::status); `alerts`: the
    // alerts report (alerts_json.hpp).
    TinyllmApi(Services &services, std::function<std::string()> status,
               std::function<std::string()> alerts)
        : services_(services), status_(std::move(status)), alerts_(std::move(alerts)) {}

    // [I/O thread] Answers the request if its path is under /tinyllm/v1/; false otherwise.
    bool handle(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange);

private:
    // Runs `answer` on the control queue and sends what it returns as JSON (or its Error).
    void on_control(const std::shared_ptr<Exchange> &exchange, std::function<std::string()> answer);
    std::string runs(const HttpRequest &request) const;
    std::string run(const std::string &id) const;
    std::string graphs(const std::string &name) const;
    std::string metrics(const HttpRequest &request) const;
    store::RunStore &store() const;

    Services &services_;
    std::function<std::string()> status_;
    std::function<std::string()> alerts_;
};

// {"error": {"code": ..., "message": ...}}, the status from the code.
void send_tinyllm_error(Exchange &exchange, ErrorCode code, const std::string &message);

} // namespace tinyllm::serve
