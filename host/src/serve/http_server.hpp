// The HTTP/1.1 server of `tinyllm serve`, on Boost.Beast over Boost.Asio: asynchronous, so an
// idle keep-alive connection costs a few kilobytes and no thread (docs/architecture.md, "The
// server's HTTP library", says why Beast). It reads each request under limits (the size of its
// head and body, the time it may take to arrive, how long a connection may sit idle), hands it
// to the Handler, and writes the answer whole or as a chunked stream, each write under a time
// limit so a client that stops reading cannot hold the connection. It knows no API: the handlers
// do.
#pragma once

#include "serve/http_exchange.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tinyllm::serve {

struct HttpServerOptions {
    std::string host = "127.0.0.1"; // an address, not a name: nothing is resolved
    uint16_t port = 11435;          // 0: any free port (see HttpServer::port)
    size_t max_body_bytes = 8u << 20;
    size_t max_header_bytes = 16u << 10;
    // From the first byte of a request to its last: a client that sends slowly (slowloris)
    // has its connection closed when it passes.
    std::chrono::milliseconds request_timeout{10000};
    // How long a kept-alive connection may wait for its next request.
    std::chrono::milliseconds idle_timeout{60000};
    // How long one write may wait for a client that does not read.
    std::chrono::milliseconds write_timeout{30000};
    // How many bytes of a streamed response may wait to be written: a client that reads slower
    // than the stream comes (an event stream, a pass-through) is closed beyond, so the queue of
    // a stuck reader never holds more than this, whatever the write timeout.
    size_t max_unsent_bytes = 8u << 20;
    // Open connections at most: one more is answered 503 and closed at once, unread.
    size_t max_connections = 4096;
    unsigned threads = 2; // I/O threads; the handlers must not block them
    // The JSON body of an answer the server makes itself (a body over the limit, a malformed
    // head), for the request's path ("" when it was not read); empty: {"error": "..."}.
    std::function<std::string(std::string_view path, int status, const std::string &message)>
        error_body;
};

class HttpServer {
public:
    // Binds and listens at once: throws Error(unavailable) naming the address when it cannot
    // (in use, not an address of this machine, a privileged port).
    HttpServer(HttpServerOptions options, Handler handler);
    ~HttpServer(); // stop() and join()

    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    uint16_t port() const noexcept; // the bound port (the one the kernel chose for 0)
    void start();                   // the I/O threads: accept and serve until stop()
    // Graceful: accept nothing more, close idle connections, and close each busy one once its
    // response has ended. Returns at once; connections() says how many are still open.
    void stop_accepting();
    size_t connections() const noexcept;
    void stop(); // close every connection now and end the I/O threads
    void join();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace tinyllm::serve
