// One request's graph run, whatever API asked for it: queued under the admission limits,
// cancelled when its client goes away or the server shuts down, counted in flight, and its
// answer's tokens relayed as they come when the graph's answer is final as it streams.
#pragma once

#include "serve/chat_request.hpp"
#include "serve/http_exchange.hpp"
#include "serve/services.hpp"
#include "tinyllm/json.hpp"

#include <memory>
#include <optional>
#include <string>

namespace tinyllm::serve {

// How a run's answer went out while it ran.
struct Relayed {
    bool streamed = false; // token() was called
    // The answer restarted (a retry after a failure) after tokens had gone out: the client holds
    // a draft that is not the answer, and no stream format can take text back. The response
    // then ends with an error naming the run, whose trace has the answer.
    bool restarted = false;
};

// What an API's response format does with a run (Ollama's NDJSON, OpenAI's server-sent events).
// Called from the run's worker thread, one call at a time.
class RunResponder {
public:
    virtual ~RunResponder() = default;
    virtual void token(const std::string &text) = 0;
    // The run ended, in any status.
    virtual void finished(const trace::Run &run, Relayed relayed) = 0;
};

struct GraphCall {
    const ServedGraph *graph = nullptr;
    std::string input;
    std::string data = "{}";   // the first message's data (a chat's earlier messages)
    std::string model_options; // the request's options, for every model call; "" for none
    bool stream = false;       // relay tokens live when the graph's answer does not change
    std::string run_id;        // given; new_run_id() when empty
};

// The run of `graph` for `in` (moved from), with a new run id.
GraphCall graph_call(const ServedGraph &graph, GraphInput &&in, bool stream);

// Queues the run; false when the queue is full (the caller answers "busy", nothing ran).
bool start_graph_call(Services &services, GraphCall call, std::shared_ptr<Exchange> exchange,
                      std::shared_ptr<RunResponder> responder);

// Input tokens, output tokens and Ollama's durations summed over a run's model calls.
struct RunUsage {
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    int64_t load_duration_ns = 0;
    int64_t prompt_eval_duration_ns = 0;
    int64_t eval_duration_ns = 0;
    int64_t total_duration_ns = 0; // the run's own wall time
};
RunUsage usage_of(const trace::Run &run);

// The tool calls a succeeded run hands to its client (data.tool_calls of its last message, which
// a model node with request_tools sets: docs/serve.md#tools), in Ollama's shape; nullopt when
// it answered in words.
std::optional<json::Document> tool_calls_of(const trace::Run &run);

} // namespace tinyllm::serve
