#include "serve/ollama_api.hpp"

#include "serve/chat_request.hpp"
#include "serve/error_shape.hpp"
#include "serve/graph_call.hpp"
#include "serve/http_status.hpp"
#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

namespace tinyllm::serve {

namespace {

constexpr const char *kNdjson = "application/x-ndjson";

// The start of every Ollama answer object: {"model":...,"created_at":...
std::string head(const std::string &model) {
    return "{\"model\":" + json::quoted(model) + ",\"created_at\":" + json::quoted(rfc3339_now());
}

// `tool_calls`: the JSON text of the calls a chat message carries, or "".
std::string content_member(const std::string &text, bool generate,
                           const std::string &tool_calls = {}) {
    if (generate) return ",\"response\":" + json::quoted(text);
    return ",\"message\":{\"role\":\"assistant\",\"content\":" + json::quoted(text) +
           (tool_calls.empty() ? "" : ",\"tool_calls\":" + tool_calls) + "}";
}

std::string done_object(const std::string &model, const std::string &content, bool generate,
                        const trace::Run &run, const std::string &tool_calls = {}) {
    const RunUsage u = usage_of(run);
    return head(model) + content_member(content, generate, tool_calls) +
           ",\"done\":true,\"done_reason\":\"stop\",\"total_duration\":" +
           std::to_string(u.total_duration_ns) +
           ",\"load_duration\":" + std::to_string(u.load_duration_ns) +
           ",\"prompt_eval_count\":" + std::to_string(u.prompt_tokens) +
           ",\"prompt_eval_duration\":" + std::to_string(u.prompt_eval_duration_ns) +
           ",\"eval_count\":" + std::to_string(u.completion_tokens) +
           ",\"eval_duration\":" + std::to_string(u.eval_duration_ns) + "}";
}

// The "details" Ollama gives a model; a graph has no weights of its own.
std::string graph_details() {
    return R"({"parent_model":"","format":"tinyllm-graph","family":"tinyllm",)"
           R"("families":["tinyllm"],"parameter_size":"","quantization_level":""})";
}

std::string graph_entry(const ServedGraph &g, const std::string &modified_at) {
    return "{\"name\":" + json::quoted(g.model) + ",\"model\":" + json::quoted(g.model) +
           ",\"modified_at\":" + json::quoted(modified_at) +
           ",\"size\":0,\"digest\":\"\",\"details\":" + graph_details() + "}";
}

// Writes one run's answer in Ollama's shapes: NDJSON lines while streaming (the first token
// starts the stream, so a run that fails before any gets a real error status), else one
// document once it has ended.
class OllamaResponder final : public RunResponder {
public:
    OllamaResponder(std::shared_ptr<Exchange> exchange, std::string model, bool generate,
                    bool stream, std::string run_id)
        : exchange_(std::move(exchange)), model_(std::move(model)), generate_(generate),
          stream_(stream), run_id_(std::move(run_id)) {}

    void token(const std::string &text) override {
        start();
        exchange_->write(head(model_) + content_member(text, generate_) + ",\"done\":false}\n");
    }

    void finished(const trace::Run &run, Relayed relayed) override {
        if (run.status == trace::RunStatus::succeeded && !relayed.restarted) {
            // Tool calls for the client (a chat with tools): Ollama's shape is the graph's own.
            const std::optional<json::Document> calls =
                generate_ ? std::nullopt : tool_calls_of(run);
            const std::string tool_calls = calls ? json::to_string(*calls) : std::string();
            if (!stream_) {
                exchange_->send(200, kJson,
                                done_object(model_, run.answer, generate_, run, tool_calls),
                                headers());
                return;
            }
            start();
            if (!relayed.streamed && !run.answer.empty()) token(run.answer);
            if (calls) {
                // As Ollama streams them: in a message of their own before the last line.
                exchange_->write(head(model_) + content_member("", false, tool_calls) +
                                 ",\"done\":false}\n");
            }
            exchange_->write(done_object(model_, "", generate_, run) + "\n");
            exchange_->end();
            return;
        }
        const std::string message =
            relayed.restarted ? std::string("the answer restarted after part of it was streamed "
                                            "(a retry); the whole answer is in the run's trace")
            : run.error_message.empty() ? std::string("the run did not finish")
                                        : run.error_message;
        if (started_) {
            // Ollama's own way to fail mid-stream: an error line, then the end.
            exchange_->write("{\"error\":" + json::quoted(message + " (run " + run.id + ")") +
                             "}\n");
            exchange_->end();
            return;
        }
        send_ollama_error(*exchange_, http_status_for(parse_error_code(run.error_code)),
                          message + " (run " + run.id + ")", headers());
    }

private:
    Headers headers() const { return {{"X-TinyLLM-Run-Id", run_id_}}; }
    void start() {
        if (started_) return;
        started_ = true;
        exchange_->start_stream(200, kNdjson, headers());
    }

    std::shared_ptr<Exchange> exchange_;
    std::string model_;
    bool generate_;
    bool stream_;
    std::string run_id_;
    bool started_ = false; // token() and finished() never overlap: the relay serialises them
};

// The request body as a JSON object; answers 400 and returns null when it is not one.
std::optional<json::Document> body_object(const HttpRequest &request, Exchange &exchange) {
    try {
        return json::parse_object(request.body, "request body", ErrorCode::invalid_argument);
    } catch (const Error &e) {
        send_ollama_error(exchange, 400, e.what());
        return std::nullopt;
    }
}

// A member that must be a string when present; answers 400 and returns false when it is not.
bool optional_string(const json::Value &body, const char *key, std::string &out,
                     Exchange &exchange) {
    const json::Value *v = json::find(body, key);
    if (v == nullptr) return true;
    if (!v->IsString()) {
        send_ollama_error(exchange, 400,
                          std::string("\"") + key + "\" must be a string, not " +
                              json::type_phrase(*v));
        return false;
    }
    out.assign(v->GetString(), v->GetStringLength());
    return true;
}

} // namespace

void send_ollama_error(Exchange &exchange, int status, const std::string &message,
                       Headers headers) {
    exchange.send(status, kJson, ollama_error_body(message), std::move(headers));
}

std::string rfc3339_now() {
    using namespace std::chrono;
    return rfc3339_utc(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

namespace {

// Ollama's endpoints that change which models its server holds (and, for create, read files on
// it): passed through only with server.passthrough: all.
bool manages_models(std::string_view path) {
    for (const std::string_view p :
         {"/api/pull", "/api/push", "/api/create", "/api/copy", "/api/delete"}) {
        if (path == p) return true;
    }
    return path.starts_with("/api/blobs/");
}

} // namespace

bool OllamaApi::handle(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange) {
    struct Endpoint {
        const char *path;
        const char *method;
    };
    static constexpr Endpoint endpoints[] = {
        {"/api/chat", "POST"}, {"/api/generate", "POST"}, {"/api/tags", "GET"},
        {"/api/show", "POST"}, {"/api/ps", "GET"},        {"/api/version", "GET"},
    };
    const Endpoint *endpoint = nullptr;
    for (const Endpoint &e : endpoints)
        if (request.path == e.path) endpoint = &e;
    if (endpoint == nullptr) {
        if (request.path.rfind("/api/", 0) != 0) return false;
        if (services_.proxy != nullptr && !services_.proxy_management &&
            manages_models(request.path)) {
            send_ollama_error(*exchange, 403,
                              request.path +
                                  " manages the backend's models, which this server does not "
                                  "pass through (server.passthrough: use, the default when it "
                                  "listens beyond this machine; all lets it)");
            return true;
        }
        if (services_.proxy != nullptr) {
            services_.proxy->forward(request, exchange); // pull, embed, delete, ...
            return true;
        }
        send_ollama_error(*exchange, 501,
                          request.path + " is not served by tinyllm serve (it serves graphs: "
                                         "/api/chat, /api/generate, /api/tags, /api/show, "
                                         "/api/ps, /api/version), and no Ollama backend takes "
                                         "it passed through");
        return true;
    }
    const bool head_request =
        request.method == "HEAD" && std::string_view(endpoint->method) == "GET";
    if (request.method != endpoint->method && !head_request) {
        send_ollama_error(*exchange, 405,
                          "method " + request.method + " not allowed on " + request.path +
                              " (use " + endpoint->method + ")",
                          {{"Allow", endpoint->method}});
        return true;
    }
    if (request.path == "/api/chat") {
        run(request, exchange, false);
    } else if (request.path == "/api/generate") {
        run(request, exchange, true);
    } else if (request.path == "/api/tags") {
        tags(exchange);
    } else if (request.path == "/api/show") {
        show(request, exchange);
    } else if (request.path == "/api/ps") {
        ps(request, exchange);
    } else {
        version(request, exchange);
    }
    return true;
}

void OllamaApi::run(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange,
                    bool generate) {
    const std::optional<json::Document> body = body_object(request, *exchange);
    if (!body) return;
    std::string model;
    if (!optional_string(*body, "model", model, *exchange)) return;
    if (model.empty()) {
        send_ollama_error(*exchange, 400, "model is required");
        return;
    }
    bool stream = true;
    if (const json::Value *s = json::find(*body, "stream")) {
        if (!s->IsBool()) {
            send_ollama_error(*exchange, 400,
                              "\"stream\" must be true or false, not " + json::type_phrase(*s));
            return;
        }
        stream = s->GetBool();
    }
    const ServedGraph *graph = services_.graphs.find(model);
    if (graph == nullptr && !graph_name_of(model) && services_.proxy != nullptr) {
        services_.proxy->forward(request, exchange); // a backend's own model
        return;
    }
    if (graph == nullptr) {
        send_ollama_error(*exchange, 404, unknown_model(services_.graphs, model));
        return;
    }
    if (!graph->graph) {
        send_ollama_error(*exchange, 503,
                          "graph \"" + graph->name + "\" is not available: " + graph->error);
        return;
    }

    // The input is the last user message (or the prompt); what came before, and the request's
    // other settings, go into the first message's data for the graph's nodes to use.
    GraphInput in;
    if (generate) {
        if (!optional_string(*body, "prompt", in.input, *exchange)) return;
        std::string system;
        if (!optional_string(*body, "system", system, *exchange)) return;
        if (!system.empty())
            add_data(in, "system", json::Value(rapidjson::StringRef(system.c_str())));
        if (in.input.empty()) {
            // Ollama answers an empty prompt by loading the model: here, nothing to load.
            exchange->send(200, kJson,
                           head(model) +
                               ",\"response\":\"\",\"done\":true,\"done_reason\":\"load\"}");
            return;
        }
    } else if (const std::string error =
                   read_messages(json::find(*body, "messages"), in, graph->takes_tools());
               !error.empty()) {
        send_ollama_error(*exchange, 400, error);
        return;
    }
    if (const std::string error = generate ? std::string() // Ollama's generate has no tools
                                           : read_request_tools(*body, *graph, true, in);
        !error.empty()) {
        send_ollama_error(*exchange, 400, error);
        return;
    }
    if (const json::Value *options = json::find(*body, "options");
        options != nullptr && !options->IsNull() && !options->IsObject()) {
        send_ollama_error(*exchange, 400,
                          "\"options\" must be an object, not " + json::type_phrase(*options));
        return;
    }
    if (const std::string error = read_request_format(json::find(*body, "format"), *graph, in);
        !error.empty()) {
        send_ollama_error(*exchange, 400, error);
        return;
    }
    if (const json::Value *options = json::find(*body, "options");
        options != nullptr && options->IsObject() && !options->ObjectEmpty())
        add_data(in, "options", *options);
    if (const std::string error = input_over_limit(in, services_.max_input_bytes); !error.empty()) {
        send_ollama_error(*exchange, 413, error);
        return;
    }
    GraphCall call = graph_call(*graph, std::move(in), stream);
    auto responder =
        std::make_shared<OllamaResponder>(exchange, model, generate, stream, call.run_id);
    if (!start_graph_call(services_, std::move(call), exchange, responder)) {
        // Ollama's own words when its queue is full.
        services_.metrics.rejected("ollama", "busy");
        send_ollama_error(*exchange, 503,
                          "server busy, please try again.  maximum pending requests exceeded",
                          {{"Retry-After", "1"}});
    }
}

// The graphs, then the backends' own models when requests for them are passed through (not
// otherwise: a client would offer models that only answer 404). A backend that cannot be asked
// leaves the graphs listed, and is logged.
void OllamaApi::tags(const std::shared_ptr<Exchange> &exchange) {
    const std::string modified_at = rfc3339_utc(services_.started_at_ms);
    std::string graphs;
    for (const ServedGraph &g : services_.graphs.graphs())
        graphs += (graphs.empty() ? "" : ",") + graph_entry(g, modified_at);
    if (services_.proxy == nullptr) {
        exchange->send(200, kJson, "{\"models\":[" + graphs + "]}");
        return;
    }
    const bool queued = services_.control.submit([this, exchange, models = std::move(graphs)] {
        std::string all = models;
        try {
            for (const std::string &m : services_.backend_models())
                all += (all.empty() ? "" : ",") + m;
        } catch (const std::exception &e) {
            spdlog::warn("/api/tags lists the graphs only: {}", e.what());
        }
        exchange->send(200, kJson, "{\"models\":[" + all + "]}");
    });
    if (!queued) send_ollama_error(*exchange, 503, "server busy", {{"Retry-After", "1"}});
}

void OllamaApi::show(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange) {
    const std::optional<json::Document> body = body_object(request, *exchange);
    if (!body) return;
    std::string model;
    if (!optional_string(*body, "name", model, *exchange)) return; // the older spelling
    if (!optional_string(*body, "model", model, *exchange)) return;
    const ServedGraph *graph = services_.graphs.find(model);
    if (graph == nullptr && !graph_name_of(model) && services_.proxy != nullptr) {
        services_.proxy->forward(request, exchange);
        return;
    }
    if (graph == nullptr) {
        send_ollama_error(*exchange, 404, "model \"" + model + "\" not found");
        return;
    }
    std::string info =
        "{\"general.architecture\":\"tinyllm\",\"tinyllm.graph.id\":" + json::quoted(graph->id) +
        ",\"tinyllm.graph.version\":" + json::quoted(graph->version) + "}";
    std::string modelfile =
        "# TinyLLM graph " + graph->name + " " + graph->version + ": " + graph->description + "\n";
    if (!graph->graph) modelfile += "# not available: " + graph->error + "\n";
    exchange->send(200, kJson,
                   "{\"license\":\"\",\"modelfile\":" + json::quoted(modelfile) +
                       ",\"parameters\":\"\",\"template\":\"\",\"details\":" + graph_details() +
                       ",\"model_info\":" + info + ",\"capabilities\":[\"completion\"" +
                       (graph->takes_tools() ? ",\"tools\"" : "") + "]," + "\"modified_at\":" +
                       json::quoted(rfc3339_utc(services_.started_at_ms)) + "}");
}

// The graphs with runs in flight, then the models the backend has loaded (passed through).
void OllamaApi::ps(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange) {
    std::string models;
    for (const auto &[name, count] : services_.in_flight.snapshot()) {
        const std::string model = std::string(kModelPrefix) + name;
        models += (models.empty() ? "" : ",") + std::string("{\"name\":") + json::quoted(model) +
                  ",\"model\":" + json::quoted(model) +
                  ",\"size\":0,\"digest\":\"\",\"details\":" + graph_details() +
                  ",\"expires_at\":\"\",\"size_vram\":0,\"runs\":" + std::to_string(count) + "}";
    }
    if (services_.proxy == nullptr) {
        exchange->send(200, kJson, "{\"models\":[" + models + "]}");
        return;
    }
    services_.proxy->merge(request, exchange, [models](const std::string *backend) {
        return "{\"models\":[" + BackendProxy::joined_list(models, backend, "models") + "]}";
    });
}

// In front of an Ollama, its version (clients read it as the server's); TinyLLM's own is
// tinyllm_version, and the version when there is no backend to ask.
void OllamaApi::version(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange) {
    const std::string own = json::quoted(kVersion);
    if (services_.proxy == nullptr) {
        exchange->send(200, kJson, "{\"version\":" + own + ",\"tinyllm_version\":" + own + "}");
        return;
    }
    services_.proxy->merge(request, exchange, [own](const std::string *backend) {
        std::string version = own;
        if (backend != nullptr) {
            try {
                const json::Document answer = json::parse_object(*backend, "the backend's version");
                if (const std::optional<std::string> v = json::get_string(answer, "version"))
                    version = json::quoted(*v);
            } catch (const Error &e) {
                spdlog::warn("/api/version gives TinyLLM's version: {}", e.what());
            }
        }
        return "{\"version\":" + version + ",\"tinyllm_version\":" + own + "}";
    });
}

} // namespace tinyllm::serve
