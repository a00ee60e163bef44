#include "serve/openai_api.hpp"

#include "serve/chat_request.hpp"
#include "serve/error_shape.hpp"
#include "serve/graph_call.hpp"
#include "serve/http_status.hpp"
#include "tinyllm/json.hpp"
#include "version.hpp"

#include <chrono>

namespace tinyllm::serve {

namespace {

int64_t unix_seconds() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string usage_object(const trace::Run &run) {
    const RunUsage u = usage_of(run);
    return "{\"prompt_tokens\":" + std::to_string(u.prompt_tokens) +
           ",\"completion_tokens\":" + std::to_string(u.completion_tokens) +
           ",\"total_tokens\":" + std::to_string(u.prompt_tokens + u.completion_tokens) + "}";
}

std::string model_object(const std::string &id, int64_t created) {
    return "{\"id\":" + json::quoted(id) +
           ",\"object\":\"model\",\"created\":" + std::to_string(created) +
           ",\"owned_by\":\"tinyllm\"}";
}

// One run's answer in OpenAI's shapes: a chat.completion document, or chat.completion.chunk
// events (the first token starts the stream, so a run that fails before one gets a real error
// status).
class OpenAiResponder final : public RunResponder {
public:
    OpenAiResponder(std::shared_ptr<Exchange> exchange, std::string model, bool stream,
                    bool include_usage, bool parallel_tool_calls, std::string run_id)
        : exchange_(std::move(exchange)), model_(std::move(model)), stream_(stream),
          include_usage_(include_usage), parallel_tool_calls_(parallel_tool_calls),
          run_id_(std::move(run_id)), created_(unix_seconds()) {}

    void token(const std::string &text) override {
        start();
        event(chunk("{\"content\":" + json::quoted(text) + "}", "null"));
    }

    void finished(const trace::Run &run, Relayed relayed) override {
        if (run.status == trace::RunStatus::succeeded && !relayed.restarted) {
            const std::optional<json::Document> calls = tool_calls_of(run);
            const std::string tool_calls = calls ? openai_tool_calls(*calls) : std::string();
            const char *finish_reason = calls ? "\"tool_calls\"" : "\"stop\"";
            if (!stream_) {
                exchange_->send(200, kJson, completion(run, tool_calls, finish_reason), headers());
                return;
            }
            start();
            if (!relayed.streamed && !run.answer.empty()) token(run.answer);
            if (calls) event(chunk("{\"tool_calls\":" + tool_calls + "}", "null"));
            event(chunk("{}", finish_reason));
            if (include_usage_) {
                event(head("chat.completion.chunk") +
                      ",\"choices\":[],\"usage\":" + usage_object(run) + "}");
            }
            exchange_->write("data: [DONE]\n\n");
            exchange_->end();
            return;
        }
        const std::string message =
            (relayed.restarted           ? std::string("the answer restarted after part of it was "
                                                                 "streamed (a retry); the whole answer is in the "
                                                                 "run's trace")
             : run.error_message.empty() ? std::string("the run did not finish")
                                         : run.error_message) +
            " (run " + run.id + ")";
        const int status =
            relayed.restarted ? 500 : http_status_for(parse_error_code(run.error_code));
        if (started_) {
            event(openai_error_body(status, message, {}));
            exchange_->end();
            return;
        }
        send_openai_error(*exchange_, status, message, {}, headers());
    }

private:
    Headers headers() const { return {{"X-TinyLLM-Run-Id", run_id_}}; }

    std::string head(const char *object) const {
        return "{\"id\":" + json::quoted("chatcmpl-" + run_id_) + ",\"object\":\"" + object +
               "\",\"created\":" + std::to_string(created_) + ",\"model\":" + json::quoted(model_) +
               ",\"system_fingerprint\":" + json::quoted(std::string("tinyllm-") + kVersion);
    }
    std::string chunk(const std::string &delta, const char *finish_reason) const {
        return head("chat.completion.chunk") + ",\"choices\":[{\"index\":0,\"delta\":" + delta +
               ",\"logprobs\":null,\"finish_reason\":" + finish_reason + "}]}";
    }
    // `tool_calls`: the calls' JSON text, or "" for an answer in words.
    std::string completion(const trace::Run &run, const std::string &tool_calls,
                           const char *finish_reason) const {
        // OpenAI's content is null for a message that only calls tools.
        const std::string content =
            tool_calls.empty() || !run.answer.empty() ? json::quoted(run.answer) : "null";
        return head("chat.completion") +
               ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" +
               content + (tool_calls.empty() ? "" : ",\"tool_calls\":" + tool_calls) +
               ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":" + finish_reason +
               "}],\"usage\":" + usage_object(run) + "}";
    }
    // The run's tool calls in OpenAI's shape: ids (the call's own, else made from the run id),
    // arguments as JSON text, and the index a streamed delta needs (a complete message has it
    // too; clients ignore it there). Only the first with parallel_tool_calls false.
    std::string openai_tool_calls(const json::Value &calls) const {
        std::string out = "[";
        const rapidjson::SizeType n = parallel_tool_calls_ ? calls.Size() : 1;
        for (rapidjson::SizeType i = 0; i < n; ++i) {
            const json::Value &c = calls[i];
            const json::Value *fn = json::find(c, "function");
            const json::Value *args = fn != nullptr ? json::find(*fn, "arguments") : nullptr;
            const std::string id =
                json::get_string(c, "id").value_or("call_" + run_id_ + "_" + std::to_string(i));
            out += (i == 0 ? "" : ",") + std::string("{\"index\":") + std::to_string(i) +
                   ",\"id\":" + json::quoted(id) +
                   ",\"type\":\"function\",\"function\":{\"name\":" +
                   json::quoted(fn != nullptr ? json::get_string(*fn, "name").value_or("") : "") +
                   ",\"arguments\":" +
                   json::quoted(args == nullptr ? "{}"
                                : args->IsString()
                                    ? std::string(args->GetString(), args->GetStringLength())
                                    : json::to_string(*args)) +
                   "}}";
        }
        return out + "]";
    }
    void event(const std::string &data) { exchange_->write("data: " + data + "\n\n"); }
    void start() {
        if (started_) return;
        started_ = true;
        Headers h = headers();
        h.emplace_back("Cache-Control", "no-cache");
        exchange_->start_stream(200, "text/event-stream; charset=utf-8", std::move(h));
        event(chunk(R"({"role":"assistant","content":""})", "null"));
    }

    std::shared_ptr<Exchange> exchange_;
    std::string model_;
    bool stream_;
    bool include_usage_;
    bool parallel_tool_calls_;
    std::string run_id_;
    int64_t created_;
    bool started_ = false;
};

// OpenAI's sampling settings, as the Ollama options a model node could apply.
void add_options(const json::Value &body, GraphInput &in) {
    static constexpr std::pair<const char *, const char *> names[] = {
        {"temperature", "temperature"},
        {"top_p", "top_p"},
        {"seed", "seed"},
        {"stop", "stop"},
        {"max_tokens", "num_predict"},
        {"max_completion_tokens", "num_predict"},
        {"frequency_penalty", "frequency_penalty"},
        {"presence_penalty", "presence_penalty"},
    };
    json::Document options(rapidjson::kObjectType);
    auto &alloc = options.GetAllocator();
    for (const auto &[openai, ollama] : names) {
        const json::Value *v = json::find(body, openai);
        if (v == nullptr || options.HasMember(ollama)) continue;
        options.AddMember(json::Value(rapidjson::StringRef(ollama)), json::Value(*v, alloc), alloc);
    }
    if (options.MemberCount() > 0) add_data(in, "options", options);
}

} // namespace

void send_openai_error(Exchange &exchange, int status, const std::string &message,
                       const std::string &code, Headers headers) {
    exchange.send(status, kJson, openai_error_body(status, message, code), std::move(headers));
}

bool OpenAiApi::handle(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange) {
    if (request.path.rfind("/v1/", 0) != 0) return false;
    if (request.path == "/v1/chat/completions") {
        if (request.method != "POST") {
            send_openai_error(*exchange, 405, "use POST for /v1/chat/completions", {},
                              {{"Allow", "POST"}});
            return true;
        }
        chat_completions(request, exchange);
        return true;
    }
    if (request.path == "/v1/models" || request.path.rfind("/v1/models/", 0) == 0) {
        if (request.method != "GET" && request.method != "HEAD") {
            send_openai_error(*exchange, 405, "use GET for " + request.path, {},
                              {{"Allow", "GET"}});
            return true;
        }
        models(request, exchange);
        return true;
    }
    other(request, exchange);
    return true;
}

// OpenAI's other endpoints (/v1/embeddings, /v1/completions, ...): a backend's model passes
// through, as Ollama serves them; a graph answers chat completions only.
void OpenAiApi::other(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange) {
    std::optional<std::string> model;
    if (request.method == "POST") {
        try {
            const json::Document body =
                json::parse_object(request.body, "request body", ErrorCode::invalid_argument);
            model = json::get_string(body, "model");
        } catch (const Error &e) {
            send_openai_error(*exchange, 400, e.what());
            return;
        }
    }
    if (model && (services_.graphs.find(*model) != nullptr || graph_name_of(*model))) {
        send_openai_error(*exchange, 400,
                          "\"" + *model + "\" is a TinyLLM graph: it answers " +
                              "/v1/chat/completions, not " + request.path,
                          "model_not_supported");
        return;
    }
    if (model && services_.proxy != nullptr) {
        services_.proxy->forward(request, exchange);
        return;
    }
    send_openai_error(*exchange, 404,
                      request.method + " " + request.path +
                          " is not served by tinyllm serve (OpenAI's API: /v1/chat/completions, "
                          "/v1/models; other endpoints for a backend's model when requests for "
                          "them are passed through)",
                      "unknown_url");
}

void OpenAiApi::models(const HttpRequest &request, const std::shared_ptr<Exchange> &exchange) {
    const int64_t created = services_.started_at_ms / 1000;
    if (request.path == "/v1/models") {
        std::string data;
        for (const ServedGraph &g : services_.graphs.graphs())
            data += (data.empty() ? "" : ",") + model_object(g.model, created);
        if (services_.proxy == nullptr) {
            exchange->send(200, kJson, "{\"object\":\"list\",\"data\":[" + data + "]}");
            return;
        }
        // Then the backend's own models, as it lists them.
        services_.proxy->merge(request, exchange, [data](const std::string *backend) {
            return "{\"object\":\"list\",\"data\":[" +
                   BackendProxy::joined_list(data, backend, "data") + "]}";
        });
        return;
    }
    // Model ids hold a slash ("tinyllm/default"): everything after /v1/models/ is the id.
    const std::string id = request.path.substr(std::string_view("/v1/models/").size());
    const ServedGraph *graph = services_.graphs.find(id);
    if (graph == nullptr && !graph_name_of(id) && services_.proxy != nullptr) {
        services_.proxy->forward(request, exchange);
        return;
    }
    if (graph == nullptr) {
        send_openai_error(*exchange, 404, unknown_model(services_.graphs, id), "model_not_found");
        return;
    }
    exchange->send(200, kJson, model_object(graph->model, created));
}

void OpenAiApi::chat_completions(const HttpRequest &request,
                                 const std::shared_ptr<Exchange> &exchange) {
    json::Document body;
    try {
        body = json::parse_object(request.body, "request body", ErrorCode::invalid_argument);
    } catch (const Error &e) {
        send_openai_error(*exchange, 400, e.what());
        return;
    }
    const std::optional<std::string> model = json::get_string(body, "model");
    if (!model || model->empty()) {
        send_openai_error(*exchange, 400, "you must provide a model parameter", "missing_model");
        return;
    }
    const ServedGraph *graph = services_.graphs.find(*model);
    if (graph == nullptr && !graph_name_of(*model) && services_.proxy != nullptr) {
        services_.proxy->forward(request, exchange); // Ollama answers OpenAI's shape too
        return;
    }
    if (graph == nullptr) {
        send_openai_error(*exchange, 404, unknown_model(services_.graphs, *model),
                          "model_not_found");
        return;
    }
    if (!graph->graph) {
        send_openai_error(*exchange, 503,
                          "graph \"" + graph->name + "\" is not available: " + graph->error);
        return;
    }
    bool stream = false;
    bool include_usage = false;
    if (const json::Value *s = json::find(body, "stream")) {
        if (!s->IsBool()) {
            send_openai_error(*exchange, 400,
                              "\"stream\" must be true or false, not " + json::type_phrase(*s));
            return;
        }
        stream = s->GetBool();
    }
    if (const json::Value *o = json::find(body, "stream_options"); o != nullptr && o->IsObject()) {
        include_usage = json::get_bool(*o, "include_usage").value_or(false);
    }
    if (const auto n = json::get_int(body, "n"); n && *n != 1) {
        send_openai_error(*exchange, 400, "a graph gives one answer per request: n must be 1",
                          "unsupported_value");
        return;
    }
    // tool_choice: "none" keeps the tools from the model; a call Ollama cannot force is refused
    // rather than silently left to the model.
    bool offer_tools = true;
    if (const json::Value *choice = json::find(body, "tool_choice");
        choice != nullptr && !choice->IsNull()) {
        const std::string value = choice->IsString() ? choice->GetString() : "";
        if (value == "none") {
            offer_tools = false;
        } else if (value != "auto") {
            send_openai_error(*exchange, 400,
                              "tool_choice " +
                                  (value.empty() ? json::to_string(*choice) : "\"" + value + "\"") +
                                  " is not supported: a graph's model decides whether to call a "
                                  "tool (\"auto\" or \"none\")",
                              "unsupported_value");
            return;
        }
    }
    bool parallel_tool_calls = true;
    if (const json::Value *p = json::find(body, "parallel_tool_calls"); p != nullptr && p->IsBool())
        parallel_tool_calls = p->GetBool();

    GraphInput in;
    if (const std::string error = read_request_tools(body, *graph, offer_tools, in);
        !error.empty()) {
        send_openai_error(*exchange, 400, error,
                          graph->takes_tools() ? "invalid_value" : "unsupported_parameter");
        return;
    }
    if (const std::string error =
            read_messages(json::find(body, "messages"), in, graph->takes_tools());
        !error.empty()) {
        send_openai_error(*exchange, 400, error);
        return;
    }
    // response_format: {"type": "json_object"} is Ollama's "json"; a json_schema's schema is
    // Ollama's format as a schema. The graph's nodes see it as data.format.
    if (const json::Value *rf = json::find(body, "response_format");
        rf != nullptr && !rf->IsNull()) {
        const std::optional<std::string> type =
            rf->IsObject() ? json::get_string(*rf, "type") : std::nullopt;
        const json::Value json_object("json");
        const json::Value *format = nullptr;
        if (type == "json_object") {
            format = &json_object;
        } else if (type == "json_schema") {
            const json::Value *spec = json::find(*rf, "json_schema");
            format = spec != nullptr ? json::find(*spec, "schema") : nullptr;
            if (format == nullptr || !format->IsObject()) {
                send_openai_error(*exchange, 400,
                                  "response_format json_schema needs json_schema.schema",
                                  "invalid_value");
                return;
            }
        } else if (type != "text") {
            send_openai_error(*exchange, 400,
                              "response_format.type must be \"text\", \"json_object\" or "
                              "\"json_schema\"",
                              "invalid_value");
            return;
        }
        if (const std::string error = read_request_format(format, *graph, in); !error.empty()) {
            send_openai_error(*exchange, 400, error, "unsupported_parameter");
            return;
        }
    }
    add_options(body, in);
    if (const std::string error = input_over_limit(in, services_.max_input_bytes); !error.empty()) {
        send_openai_error(*exchange, 413, error);
        return;
    }
    GraphCall call = graph_call(*graph, std::move(in), stream);
    auto responder = std::make_shared<OpenAiResponder>(exchange, *model, stream, include_usage,
                                                       parallel_tool_calls, call.run_id);
    if (!start_graph_call(services_, std::move(call), exchange, responder)) {
        services_.metrics.rejected("openai", "busy");
        send_openai_error(*exchange, 429, "server busy: every run slot and queue place is taken",
                          "rate_limit_exceeded", {{"Retry-After", "1"}});
    }
}

} // namespace tinyllm::serve
