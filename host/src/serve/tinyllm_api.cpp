#include "serve/tinyllm_api.hpp"

#include "serve/error_shape.hpp"
#include "serve/http_status.hpp"
#include "store/graph_store.hpp"
#include "store/metrics_json.hpp"
#include "tinyllm/json.hpp"
#include "trace/trace_json.hpp"

#include <charconv>
#include <chrono>

namespace tinyllm::serve {

namespace {

// ?name=N as a whole number in [low, high]; `fallback` when absent.
int64_t number_param(const HttpRequest &request, std::string_view name, int64_t fallback,
                     int64_t low, int64_t high) {
    const std::optional<std::string> text = request.query(name);
    if (!text) return fallback;
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < low || value > high) {
        throw Error(ErrorCode::invalid_argument,
                    std::string(name) + "=" + *text + ": expected a whole number from " +
                        std::to_string(low) + " to " + std::to_string(high));
    }
    return value;
}

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

json::Value graph_json(const ServedGraph &served, const store::GraphStore *versions,
                       json::Allocator &a) {
    json::Value v(rapidjson::kObjectType);
    v.AddMember("name", json::string_value(served.name, a), a);
    v.AddMember("model", json::string_value(served.model, a), a);
    v.AddMember("id", json::string_value(served.id, a), a);
    v.AddMember("version", json::string_value(served.version, a), a);
    v.AddMember("description", json::string_value(served.description, a), a);
    v.AddMember("available", json::Value(served.graph != nullptr), a);
    if (!served.error.empty()) v.AddMember("error", json::string_value(served.error, a), a);
    if (served.graph) {
        const graph::Graph &g = *served.graph;
        v.AddMember("entry", json::string_value(g.def.entry, a), a);
        json::Value exits(rapidjson::kArrayType), nodes(rapidjson::kArrayType),
            edges(rapidjson::kArrayType);
        for (const std::string &exit : g.def.exits)
            exits.PushBack(json::string_value(exit, a), a);
        for (const graph::Node &node : g.nodes) {
            json::Value n(rapidjson::kObjectType);
            n.AddMember("id", json::string_value(node.def->id, a), a);
            n.AddMember("type", json::string_value(node.def->type, a), a);
            n.AddMember("exit", json::Value(node.is_exit), a);
            n.AddMember("answer", json::Value(node.writes_answer), a);
            nodes.PushBack(n, a);
        }
        for (const graph::EdgeDef &edge : g.def.edges) {
            json::Value e(rapidjson::kObjectType);
            e.AddMember("from", json::string_value(edge.from, a), a);
            e.AddMember("to", json::string_value(edge.to, a), a);
            e.AddMember("when", json::string_value(edge.when, a), a);
            edges.PushBack(e, a);
        }
        v.AddMember("exits", exits, a);
        v.AddMember("nodes", nodes, a);
        v.AddMember("edges", edges, a);
    }
    json::Value list(rapidjson::kArrayType);
    if (versions != nullptr && !served.id.empty()) {
        const std::optional<std::string> active = versions->active_version(served.id);
        for (const store::GraphVersionRecord &r : versions->versions(served.id)) {
            json::Value ver(rapidjson::kObjectType);
            ver.AddMember("version", json::string_value(r.version, a), a);
            ver.AddMember("origin", json::string_value(store::to_string(r.origin), a), a);
            ver.AddMember("parent", json::string_value(r.parent, a), a);
            ver.AddMember("strategy", json::string_value(r.strategy, a), a);
            ver.AddMember("created_at_ms", json::Value(r.created_at_ms), a);
            ver.AddMember("retired", json::Value(r.retired_at_ms.has_value()), a);
            ver.AddMember("active", json::Value(active && *active == r.version), a);
            list.PushBack(ver, a);
        }
    }
    v.AddMember("versions", list, a);
    return v;
}

} // namespace

void send_tinyllm_error(Exchange &exchange, ErrorCode code, const std::string &message) {
    exchange.send(http_status_for(code), kJson, tinyllm_error_body(to_string(code), message));
}

bool TinyllmApi::handle(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange) {
    if (!request.path.starts_with(kTinyllmApiPrefix)) return false;
    const std::string what = request.path.substr(kTinyllmApiPrefix.size());
    if (request.method != "GET" && request.method != "HEAD") {
        exchange->send(405, kJson,
                       R"({"error":{"code":"unsupported","message":"only GET is served under )"
                       R"(/tinyllm/v1/"}})",
                       {{"Allow", "GET, HEAD"}});
        return true;
    }
    if (what == "status") {
        exchange->send(200, kJson, status_());
    } else if (what == "alerts") {
        exchange->send(200, kJson, alerts_());
    } else if (what == "events") {
        if (!services_.events.subscribe(exchange, request.query("run").value_or(""))) {
            send_tinyllm_error(*exchange, ErrorCode::unavailable,
                               "too many event streams are open; close one and try again");
        }
    } else if (what == "runs") {
        on_control(exchange, [this, request] { return runs(request); });
    } else if (what.starts_with("runs/") && what.size() > 5) {
        on_control(exchange, [this, id = what.substr(5)] { return run(id); });
    } else if (what == "graphs") {
        on_control(exchange, [this] { return graphs(""); });
    } else if (what.starts_with("graphs/") && what.size() > 7) {
        on_control(exchange, [this, name = what.substr(7)] { return graphs(name); });
    } else if (what == "metrics") {
        on_control(exchange, [this, request] { return metrics(request); });
    } else if (what == "plugins") {
        exchange->send(200, kJson,
                       services_.plugins_json ? services_.plugins_json()
                                              : R"({"plugins":[],"failures":[]})");
    } else {
        send_tinyllm_error(*exchange, ErrorCode::not_found,
                           "no such endpoint: GET " + request.path +
                               " (status, runs, runs/ID, events, graphs, graphs/NAME, metrics, "
                               "plugins, alerts)");
    }
    return true;
}

void TinyllmApi::on_control(const std::shared_ptr<Exchange> &exchange,
                            std::function<std::string()> answer) {
    const bool queued = services_.control.submit([exchange, answer = std::move(answer)] {
        try {
            exchange->send(200, kJson, answer());
        } catch (const Error &e) {
            send_tinyllm_error(*exchange, e.code(), e.what());
        } catch (const std::exception &e) {
            send_tinyllm_error(*exchange, ErrorCode::internal, e.what());
        }
    });
    if (!queued) {
        send_tinyllm_error(*exchange, ErrorCode::unavailable,
                           "the server is busy answering other API calls; try again");
    }
}

store::RunStore &TinyllmApi::store() const {
    if (services_.store == nullptr) {
        throw Error(ErrorCode::unavailable, "this server has no run store");
    }
    return *services_.store;
}

std::string TinyllmApi::runs(const HttpRequest &request) const {
    store::RunStore::ListFilter filter;
    filter.limit = static_cast<size_t>(number_param(request, "limit", 50, 1, 1000));
    if (const auto status = request.query("status")) {
        filter.status = trace::parse_run_status(*status);
        if (!filter.status) {
            throw Error(ErrorCode::invalid_argument,
                        "status=" + *status + ": expected running, succeeded, failed or cancelled");
        }
    }
    if (const auto graph = request.query("graph"); graph && !graph->empty())
        filter.graph_id = graph;
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    json::Value list(rapidjson::kArrayType);
    for (const trace::Run &r : store().list(filter))
        list.PushBack(trace::to_json(r, false, a), a);
    doc.AddMember("runs", list, a);
    return json::to_string(doc);
}

std::string TinyllmApi::run(const std::string &id) const {
    const std::optional<trace::Run> found = store().get(id);
    if (!found) throw Error(ErrorCode::not_found, "no recorded run has the id " + id);
    json::Document doc;
    doc.CopyFrom(trace::to_json(*found, true, doc.GetAllocator()), doc.GetAllocator());
    return json::to_string(doc);
}

std::string TinyllmApi::graphs(const std::string &name) const {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    std::optional<store::GraphStore> versions;
    if (services_.store != nullptr) versions.emplace(*services_.store);
    const store::GraphStore *v = versions ? &*versions : nullptr;
    if (!name.empty()) {
        for (const ServedGraph &g : services_.graphs.graphs()) {
            if (g.name == name) {
                doc.CopyFrom(graph_json(g, v, a), a);
                return json::to_string(doc);
            }
        }
        throw Error(ErrorCode::not_found, "no graph called " + name + " is served");
    }
    json::Value list(rapidjson::kArrayType);
    for (const ServedGraph &g : services_.graphs.graphs())
        list.PushBack(graph_json(g, v, a), a);
    doc.AddMember("graphs", list, a);
    return json::to_string(doc);
}

std::string TinyllmApi::metrics(const HttpRequest &request) const {
    store::MetricsQuery query;
    if (auto g = request.query("graph"); g && !g->empty()) query.graph_id = g;
    if (auto v = request.query("version"); v && !v->empty()) query.graph_version = v;
    if (auto n = request.query("node"); n && !n->empty()) query.node_id = n;
    query.trend_buckets = static_cast<int>(number_param(request, "buckets", 30, 1, 240));
    query.last_runs = static_cast<size_t>(number_param(request, "last", 0, 0, 100'000));
    if (query.last_runs == 0) {
        const int64_t minutes = number_param(request, "minutes", 60, 1, 60 * 24 * 90);
        query.until_ms = now_ms();
        query.since_ms = *query.until_ms - minutes * 60'000;
    } else if (request.query("minutes")) {
        throw Error(ErrorCode::invalid_argument, "give minutes or last, not both");
    }
    return json::to_string(store::metrics_json(store().metrics(query), query.last_runs));
}

} // namespace tinyllm::serve
