// FakeOllama: a scripted, in-process loopback HTTP server that speaks Ollama's wire protocol.
//
// Tests (and benchmarks) point TinyLLM at `url()` instead of a real Ollama. Each (method, path)
// has a FIFO queue of scripted `Reply`s; when a queue is empty, a default handler answers the
// way Ollama would (see README.md). Every request is recorded so tests can inspect what the
// client actually sent.
//
// Wire behaviour mirrored from Ollama (Go net/http + gin):
//   * HTTP/1.1 with keep-alive; request bodies by Content-Length (chunked also accepted);
//     `Expect: 100-continue` is honoured.
//   * Non-streamed answers: `application/json; charset=utf-8` with Content-Length.
//   * Streamed answers: `application/x-ndjson`, `Transfer-Encoding: chunked`, one JSON object
//     per line; errors mid-stream are an `{"error":"..."}` line with status 200.
//   * Unknown routes: 404 `text/plain` "404 page not found".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinyllm::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

// One HTTP request as received by the fake server.
struct Request {
    std::string method;              // "GET", "POST", ...
    std::string target;              // request-target as sent, including any query string
    std::string path;                // target without the query string
    std::string version;             // "HTTP/1.1"
    Headers headers;                 // in arrival order, names as sent
    std::string body;                // raw body bytes (de-chunked if sent chunked)
    std::uint64_t connection_id = 0; // TCP connection that carried it (1, 2, ...)

    // Case-insensitive header lookup; first match wins.
    std::optional<std::string> header(std::string_view name) const;
};

// One piece of a streamed body, written as exactly one HTTP chunk.
struct Chunk {
    std::string bytes;                  // written verbatim; empty chunks only apply the delay
    std::chrono::milliseconds delay{0}; // pause before this chunk is written
};

// A scripted answer. Build with the static factories, refine with the fluent setters.
struct Reply {
    enum class Kind {
        body,       // status + headers + Content-Length body
        stream,     // status + headers + chunked body made of `chunks`
        disconnect, // close the connection without sending anything
        raw,        // `body` verbatim, no status line or headers, then close: not an HTTP server
    };

    Kind kind = Kind::body;
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;                              // Kind::body only
    std::vector<Chunk> chunks;                     // Kind::stream only
    std::chrono::milliseconds header_delay{0};     // pause before the status line
    std::optional<std::size_t> close_after_chunks; // stream: drop the connection after N chunks
    Headers extra_headers;
    bool reset = false; // an abrupt close (disconnect, close_after, raw) sends RST, not FIN

    static Reply json(int status, std::string body);
    static Reply text(int status, std::string body,
                      std::string content_type = "text/plain; charset=utf-8");
    static Reply error(int status, std::string_view message); // {"error":"message"}
    static Reply stream(const std::vector<std::string> &ndjson_lines = {}, int status = 200);
    static Reply disconnect();
    static Reply raw(std::string bytes);

    // Stream building. `add_line` appends "json\n" as one chunk; `add_raw` appends bytes as-is.
    Reply &add_line(std::string json, std::chrono::milliseconds delay = {});
    Reply &add_raw(std::string bytes, std::chrono::milliseconds delay = {});
    Reply &add_error_line(std::string_view message, std::chrono::milliseconds delay = {});
    // Delivers one NDJSON line in two chunks split at byte `split_at` (e.g. inside a multi-byte
    // UTF-8 character), with `delay` between the two writes.
    Reply &add_split_line(const std::string &json, std::size_t split_at,
                          std::chrono::milliseconds delay);

    Reply &delay_headers(std::chrono::milliseconds delay);
    Reply &close_after(std::size_t chunks); // abrupt close, no terminating zero-size chunk
    Reply &with_reset(); // abrupt closes are connection resets (SO_LINGER 0) instead of FINs
    Reply &with_header(std::string name, std::string value);
    Reply &with_chunk_delay(std::chrono::milliseconds delay); // same delay before every chunk
};

// ---- Ollama-faithful body builders -------------------------------------------------------

struct ToolCall {
    std::string name;
    std::string arguments_json = "{}"; // JSON object text, inserted verbatim
};

// Counters reported in the final object; durations are derived (nanoseconds).
struct Usage {
    std::uint64_t prompt_eval_count = 26;
    std::uint64_t eval_count = 0; // 0 means "number of tokens/chunks produced"
};

std::string json_quote(std::string_view text); // Go encoding/json style quoted string
std::string rfc3339_now();                     // "2025-10-26T17:21:21.196249Z"
std::string error_json(std::string_view message);

std::string chat_chunk_line(const std::string &model, std::string_view content);
std::string chat_final_line(const std::string &model, const Usage &usage,
                            std::string_view done_reason = "stop");
Reply chat_stream(const std::string &model, const std::vector<std::string> &tokens,
                  const std::vector<ToolCall> &tool_calls = {}, Usage usage = {});
Reply chat_json(const std::string &model, std::string_view content,
                const std::vector<ToolCall> &tool_calls = {}, Usage usage = {});

std::string generate_chunk_line(const std::string &model, std::string_view response);
std::string generate_final_line(const std::string &model, const Usage &usage,
                                std::string_view done_reason = "stop");
Reply generate_stream(const std::string &model, const std::vector<std::string> &tokens,
                      Usage usage = {});
Reply generate_json(const std::string &model, std::string_view response, Usage usage = {});

Reply tags_json(const std::vector<std::string> &models);
Reply show_json(const std::string &model, std::uint32_t context_length = 32768);
Reply version_json(std::string_view version = "0.12.0");
Reply pull_stream(const std::string &model);
Reply pull_json(); // {"status":"success"}
Reply embed_json(const std::string &model, const std::vector<std::string> &inputs,
                 std::size_t dims = 16);
std::vector<float> fake_embedding(std::string_view text, std::size_t dims); // L2-normalised

// The default assistant answer and its token split.
inline constexpr std::string_view kDefaultAnswer = "Hello! How can I help you today?";
std::vector<std::string> default_answer_tokens();

// ---- Injected faults (soak tests) ------------------------------------------------------

// Random faults on the model routes (POST /api/chat, /api/generate), whatever would have
// answered: each request is hit with probability `rate`, the fault drawn evenly from the kinds.
struct FaultPlan {
    double rate = 0;                            // 0..1; 0 = off
    std::uint64_t seed = 1;                     // the same seed draws the same faults
    std::chrono::milliseconds slow_delay{2000}; // `slow`: pause before the status line
};

struct FaultCounts {
    std::uint64_t error = 0; // 500 {"error":"..."} before any byte of the answer
    std::uint64_t busy = 0;  // 503 Ollama's "server busy" answer
    std::uint64_t cut = 0;   // streamed: connection closed halfway; otherwise closed unanswered
    std::uint64_t slow = 0;  // the right answer, `slow_delay` late
    std::uint64_t total() const { return error + busy + cut + slow; }
};

// ---- The server ------------------------------------------------------------------------

class FakeOllama {
public:
    using Handler = std::function<Reply(const Request &)>;

    // Binds 127.0.0.1:`port` (0 = ephemeral) and starts serving; throws std::system_error.
    explicit FakeOllama(std::uint16_t port = 0);
    ~FakeOllama(); // stops accepting, interrupts delays, closes connections, joins threads
    FakeOllama(const FakeOllama &) = delete;
    FakeOllama &operator=(const FakeOllama &) = delete;

    std::uint16_t port() const;
    std::string url() const;       // "http://127.0.0.1:PORT"
    std::string host_port() const; // "127.0.0.1:PORT"

    // Scripting. Replies queued for (method, path) are served first-in first-out.
    void enqueue(std::string method, std::string path, Reply reply);
    // Same, method inferred from Ollama's routes: GET for /, /api/tags, /api/version, /api/ps;
    // DELETE for /api/delete; POST otherwise.
    void enqueue(std::string path, Reply reply);
    // Answer used when the queue for (method, path) is empty; replaces the built-in default.
    void set_default(std::string method, std::string path, Handler handler);
    void set_default(std::string method, std::string path, Reply reply);
    void clear_default(const std::string &method, const std::string &path);
    std::size_t pending() const; // scripted replies not consumed yet (all routes)

    // Loads a JSON script (format in README.md / fake_ollama_main.cpp); throws on bad input.
    void load_script(std::string_view json_text);
    void load_script_file(const std::string &file_name);

    // Built-in defaults' configuration.
    void set_models(std::vector<std::string> models); // default {"qwen2.5:0.5b"}
    std::vector<std::string> models() const;
    void set_version(std::string version);             // default "0.12.0"
    void set_context_length(std::uint32_t tokens);     // /api/show; default 32768
    void set_embedding_dims(std::size_t dims);         // /api/embed; default 16
    void set_token_delay(std::chrono::milliseconds d); // default streams; default 0 (none)
    void set_faults(FaultPlan plan);                   // default: none
    FaultCounts fault_counts() const;

    // Recording (thread-safe). Disable for long benchmarks to keep memory flat.
    std::vector<Request> requests() const;
    Request last_request(std::string_view path) const; // throws std::out_of_range if none
    std::size_t count(std::string_view path) const;
    void clear_requests();
    void set_recording(bool enabled);
    // Called on the connection thread for every request (e.g. logging); keep it cheap.
    void set_request_observer(std::function<void(const Request &)> observer);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace tinyllm::testing
