// The one libcurl wrapper: JSON requests to one HTTP endpoint, bodies buffered or streamed.
//
// Every transfer runs on the calling thread through the curl multi interface so that the loop
// can wake up at least every kPollInterval to check cancellation and the deadlines: a Ctrl-C
// stops a stream promptly even while the server is silent. Handles are pooled per client and
// reused, which keeps the TCP connection to Ollama alive across requests. All public functions
// are thread-safe; concurrent requests each lease their own handle (and connection).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::ollama {

using Clock = std::chrono::steady_clock;

// Upper bound on how long a transfer goes without checking cancellation and deadlines.
inline constexpr std::chrono::milliseconds kPollInterval{25};

struct HttpOptions {
    // Time allowed to establish the TCP (and TLS) connection.
    std::chrono::milliseconds connect_timeout{2000};
    // Longest silence allowed once the request is on the wire (0 = none). Covers the time
    // Ollama takes to load a model before the first byte of the answer.
    std::chrono::milliseconds read_timeout{120000};
    // Loopback endpoints never go through an HTTP proxy taken from the environment (as in
    // Go's ProxyFromEnvironment, which the ollama CLI uses).
    bool bypass_proxy = false;
    // Idle handles (and their kept-alive connections) kept for reuse.
    size_t max_idle_handles = 16;
};

// What the caller of one request controls: cancellation and the overall deadline.
struct TransferControl {
    std::function<bool()> cancelled;           // may be empty
    std::optional<Clock::time_point> deadline; // none = no overall deadline
    std::string deadline_name;                 // "request_timeout_ms = 5000", for errors
};

enum class Method { get, post };

struct HttpRequest {
    Method method = Method::get;
    std::string path; // appended to the client's base URL: "/api/chat"
    std::string body; // JSON, POST only
};

struct HttpResponse {
    long status = 0;
    std::string content_type;
    std::string body;      // the whole body, unless it went to the sink
    bool streamed = false; // the body (or part of it) went to the sink
    // Non-empty when the connection broke after the status line arrived: the body is
    // incomplete. The caller decides whether that matters (a stream may already be done).
    std::string broken;
};

// Receives the body of a 2xx response piece by piece as it arrives. May throw: the transfer
// is aborted and the exception propagates out of HttpClient::send.
using BodySink = std::function<void(std::string_view bytes)>;

class HttpClient {
public:
    // `base_url` is the normalised endpoint ("http://127.0.0.1:11434"); it also names the
    // server in error messages.
    HttpClient(std::string base_url, HttpOptions options);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // Performs one request. A 2xx body goes to `sink` when one is given; any other body is
    // buffered into the response so the caller can read the error. Throws sdk::Error for:
    //   connection refused / unresolvable host / TLS failure -> TLLM_ERR_UNAVAILABLE
    //   connect timeout, read idle timeout, deadline         -> TLLM_ERR_TIMEOUT
    //   cancellation                                         -> TLLM_ERR_CANCELLED
    //   the connection closing before any status line        -> TLLM_ERR_UNAVAILABLE
    HttpResponse send(const HttpRequest &request, const TransferControl &control,
                      const BodySink &sink = {});

    const std::string &base_url() const noexcept { return base_url_; }

    // Number of idle pooled handles (for tests).
    size_t idle_handles() const;

    struct Slot; // a curl multi handle + easy handle pair; defined in the .cpp

private:
    std::unique_ptr<Slot> acquire();
    void configure(Slot &slot) const;
    void release(std::unique_ptr<Slot> slot);

    std::string base_url_;
    HttpOptions options_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Slot>> idle_;
};

} // namespace tinyllm::ollama
