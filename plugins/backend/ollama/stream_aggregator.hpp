// Folds the NDJSON chunks of a streamed /api/chat or /api/generate answer into the document
// Ollama would have sent with "stream": false, emitting token/thinking events on the way.
#pragma once

#include <tinyllm/json.hpp>
#include <tinyllm/plugin.hpp>

#include <string>

namespace tinyllm::ollama {

class StreamAggregator {
public:
    enum class Kind { chat, generate };

    // A chunk with a field of the wrong type ("done": "yes"): what() says which field and what
    // it held. The reader adds the line's number and text.
    class BadChunk : public sdk::Error {
    public:
        explicit BadChunk(const std::string &why) : sdk::Error(TLLM_ERR_PROTOCOL, why) {}
    };

    explicit StreamAggregator(Kind kind);

    // Takes one chunk (a JSON object already checked not to be an error line): emits its
    // thinking then its content as events on `call`, accumulates them, and keeps the final
    // chunk (done: true). Chunks after the final one are ignored. Throws BadChunk, before any
    // event, when a field Ollama defines has another type (a missing field is fine).
    void add(const json::Value &chunk, const sdk::Call &call);

    bool done() const noexcept { return done_; }

    // The aggregated answer: every field of the final chunk (model, created_at, done,
    // done_reason, the *_count and *_duration integers exactly as sent, context...), with
    //   chat:     "message" = {role, content, thinking (if any), tool_calls (if any)}
    //   generate: "response" and "thinking" (if any)
    // holding the concatenation over all chunks. Call only once done().
    std::string result() const;

private:
    Kind kind_;
    bool done_ = false;
    std::string role_;
    std::string content_;
    std::string thinking_;
    json::Document tool_calls_; // array, owns its values
    json::Document final_;
};

} // namespace tinyllm::ollama
