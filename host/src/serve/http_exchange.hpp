// One HTTP request and the way back to its client, as the API handlers of `tinyllm serve` see
// them: no Beast types, so the handlers are plain code that tests can drive without sockets.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinyllm::serve {

// The content type of every JSON answer.
inline constexpr const char *kJson = "application/json; charset=utf-8";

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method; // "GET", "POST", ...
    std::string target; // as sent: "/api/tags?x=1"
    std::string path;   // the target without its query: "/api/tags"
    Headers headers;    // names as sent
    std::string body;
    std::string remote; // the client's address, "127.0.0.1:50412"

    // The first header called `name` (case-insensitive), "" when there is none.
    std::string header(std::string_view name) const;
    // The first query parameter called `name`, percent-decoded ('+' is a space); nullopt when
    // the target has none ("?name" alone is ""). A malformed escape is kept as written.
    std::optional<std::string> query(std::string_view name) const;
};

// The answer to one request: either send() once, or start_stream(), write() any number of
// times and end(). Every function may be called from any thread; calls after the client went
// away do nothing.
class Exchange {
public:
    virtual ~Exchange() = default;

    virtual void send(int status, std::string content_type, std::string body,
                      Headers headers = {}) = 0;

    // A chunked response: the head is written now, each write() as one chunk.
    virtual void start_stream(int status, std::string content_type, Headers headers = {}) = 0;
    virtual void write(std::string chunk) = 0;
    virtual void end() = 0;

    // `callback` runs once (on an I/O thread, so it must not block) if the client closes the
    // connection or stops reading before the response ended; at once if it already has.
    virtual void on_disconnect(std::function<void()> callback) = 0;
};

using Handler = std::function<void(HttpRequest, std::shared_ptr<Exchange>)>;

} // namespace tinyllm::serve
