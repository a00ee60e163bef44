#include "serve/graph_call.hpp"

#include "store/run_id.hpp"
#include "tinyllm/json.hpp"

#include <spdlog/spdlog.h>

#include <mutex>

namespace tinyllm::serve {

namespace {

// The answer's tokens out of a run's events: "token" events of the nodes that write the answer.
class TokenRelay {
public:
    explicit TokenRelay(std::shared_ptr<RunResponder> responder)
        : responder_(std::move(responder)) {}

    void event(const graph::NodeEvent &ev) {
        if (!ev.final_answer) return;
        if (json::string_at(ev.event_json, {"type"}) != "token") return;
        const std::optional<std::string> content = json::string_at(ev.event_json, {"content"});
        if (!content || content->empty()) return;
        std::lock_guard lock(mutex_);
        if (relayed_.restarted) return;
        if (relayed_.streamed && ev.seq != seq_) {
            relayed_.restarted = true;
            return;
        }
        relayed_.streamed = true;
        seq_ = ev.seq;
        responder_->token(*content);
    }
    Relayed relayed() const {
        std::lock_guard lock(mutex_);
        return relayed_;
    }

private:
    std::shared_ptr<RunResponder> responder_;
    mutable std::mutex mutex_;
    Relayed relayed_;
    int64_t seq_ = -1; // the node execution whose tokens went out
};

} // namespace

bool start_graph_call(Services &services, GraphCall call, std::shared_ptr<Exchange> exchange,
                      std::shared_ptr<RunResponder> responder) {
    if (call.run_id.empty()) call.run_id = store::new_run_id();
    // The budget counts from now: a request that waited in the queue has that much less.
    std::optional<runtime::Clock::time_point> deadline;
    if (services.request_timeout.count() > 0)
        deadline = runtime::Clock::now() + services.request_timeout;
    return services.runs.submit([&services, call = std::move(call), exchange = std::move(exchange),
                                 responder = std::move(responder), deadline]() mutable {
        const runtime::CancelToken token = services.shutdown.child();
        exchange->on_disconnect([token] { token.cancel(); });
        graph::RunOptions options;
        options.deadline = deadline;
        if (deadline) {
            options.deadline_name =
                "limits.request_timeout_ms = " + std::to_string(services.request_timeout.count()) +
                " ms, from the request's arrival";
        }
        options.run_id = call.run_id;
        options.cancel = token;
        options.initial_data = std::move(call.data);
        options.model_options = std::move(call.model_options);
        auto relay = std::make_shared<TokenRelay>(responder);
        const bool relaying = call.stream && !call.graph->holds_answer;
        options.on_event = [relay, relaying, &events = services.events,
                            run_id = call.run_id](const graph::NodeEvent &ev) {
            if (relaying) relay->event(ev);
            publish_node_event(events, run_id, ev);
        };
        RunEventObserver observer(services.events);
        options.observer = &observer;
        services.in_flight.started(call.graph->name);
        trace::Run run;
        try {
            run = services.run_graph(*call.graph, call.input, std::move(options));
        } catch (const std::exception &e) {
            // run_graph records failures in the run; this is a failure to even start one.
            run.id = call.run_id;
            run.status = trace::RunStatus::failed;
            run.error_code = std::string(to_string(ErrorCode::internal));
            run.error_message = e.what();
            spdlog::error("run {} of graph {}: {}", call.run_id, call.graph->name, e.what());
        }
        services.in_flight.ended(call.graph->name);
        services.metrics.run_ended(call.graph->name, run);
        responder->finished(run, relay->relayed());
    });
}

RunUsage usage_of(const trace::Run &run) {
    RunUsage u;
    for (const trace::NodeExecution &node : run.nodes) {
        for (const trace::ModelCall &call : node.model_calls) {
            u.prompt_tokens += call.prompt_tokens.value_or(0);
            u.completion_tokens += call.completion_tokens.value_or(0);
            u.load_duration_ns += call.load_duration_ns.value_or(0);
            u.prompt_eval_duration_ns += call.prompt_eval_duration_ns.value_or(0);
            u.eval_duration_ns += call.eval_duration_ns.value_or(0);
        }
    }
    if (run.finished_at_ms >= run.started_at_ms) {
        u.total_duration_ns = (run.finished_at_ms - run.started_at_ms) * 1'000'000;
    }
    return u;
}

std::optional<json::Document> tool_calls_of(const trace::Run &run) {
    // Most runs answer in words: look for the key before parsing the whole message.
    if (run.status != trace::RunStatus::succeeded ||
        run.output.find("\"tool_calls\"") == std::string::npos)
        return std::nullopt;
    json::Document message;
    try {
        message = json::parse_object(run.output, "run output");
    } catch (const Error &) {
        return std::nullopt; // the executor wrote it: not expected, and no tool calls then
    }
    const json::Value *data = json::find(message, "data");
    const json::Value *calls = data != nullptr ? json::find(*data, "tool_calls") : nullptr;
    if (calls == nullptr || !calls->IsArray() || calls->Empty()) return std::nullopt;
    json::Document out;
    out.CopyFrom(*calls, out.GetAllocator());
    return out;
}

GraphCall graph_call(const ServedGraph &graph, GraphInput &&in, bool stream) {
    GraphCall call;
    call.graph = &graph;
    call.stream = stream;
    call.input = std::move(in.input);
    if (const json::Value *options = json::find(in.data, "options");
        options != nullptr && options->IsObject() && options->MemberCount() > 0)
        call.model_options = json::to_string(*options);
    call.data = json::to_string(in.data);
    call.run_id = store::new_run_id();
    return call;
}

} // namespace tinyllm::serve
