// A test's HTTP client, on libcurl: one request, or several on one kept-alive connection.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tinyllm::serve::testing {

struct HttpResponse {
    long status = 0;                            // 0 when no response came (error says why)
    std::string error;                          // curl's message when the request failed
    std::map<std::string, std::string> headers; // names lower-case
    std::string body;
    std::string header(const std::string &name) const;
    std::vector<std::string> lines() const; // the body's NDJSON lines
};

class HttpClient {
public:
    explicit HttpClient(std::string base_url); // "http://127.0.0.1:PORT"
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    HttpResponse get(const std::string &path);
    HttpResponse post(const std::string &path, const std::string &body);
    HttpResponse request(const std::string &method, const std::string &path,
                         const std::string &body = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));
    // New connections made so far (1 while keep-alive holds).
    long connections_made() const;
    // A header every later request sends too: "Authorization: Bearer k".
    void add_header(std::string line) { extra_headers_.push_back(std::move(line)); }

private:
    std::string base_;
    std::vector<std::string> extra_headers_;
    void *curl_;
};

// Raw bytes over TCP, for what a well-behaved client never sends.
class RawConnection {
public:
    explicit RawConnection(unsigned short port);
    ~RawConnection();
    RawConnection(const RawConnection &) = delete;
    RawConnection &operator=(const RawConnection &) = delete;

    void send(const std::string &bytes);
    // What arrives until the server closes the connection or `timeout` passes.
    std::string read_until_closed(std::chrono::milliseconds timeout);
    // At least `bytes` bytes (or what came before the close or `timeout`).
    std::string read_some(size_t bytes, std::chrono::milliseconds timeout);
    bool closed_by_server() const noexcept { return closed_; }
    void close();

private:
    int fd_ = -1;
    bool closed_ = false;
};

} // namespace tinyllm::serve::testing
