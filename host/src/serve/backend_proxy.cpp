#include "serve/backend_proxy.hpp"

#include "serve/ollama_api.hpp"
#include "tinyllm/json.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace tinyllm::serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// A whole (not chunked) answer bigger than this is streamed instead of held.
constexpr size_t kMaxHeldBody = 16u << 20;
// Idle kept-alive connections to the backend kept for reuse.
constexpr size_t kMaxIdle = 64;

bool same_letters(std::string_view a, std::string_view b) {
    return beast::iequals(beast::string_view(a.data(), a.size()),
                          beast::string_view(b.data(), b.size()));
}

// Headers about this hop, not the message (RFC 9110 7.6.1), and what is this server's own.
bool passed_on(std::string_view name) {
    for (const std::string_view skip :
         {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
          "upgrade", "host", "content-length", "expect", "authorization", "origin"}) {
        if (same_letters(name, skip)) return false;
    }
    return true;
}

} // namespace

std::optional<ProxyTarget> proxy_target(const std::string &backend, std::string_view url,
                                        std::string &why) {
    if (const size_t sep = url.find("://"); sep != std::string_view::npos) {
        if (!same_letters(url.substr(0, sep), "http")) {
            why = "only http:// backends can be passed through, not " +
                  std::string(url.substr(0, sep));
            return std::nullopt;
        }
        url.remove_prefix(sep + 3);
    }
    while (!url.empty() && url.back() == '/')
        url.remove_suffix(1);
    if (url.find('/') != std::string_view::npos) {
        why = "a backend url with a path cannot be passed through";
        return std::nullopt;
    }
    ProxyTarget t;
    t.backend = backend;
    const size_t colon = url.rfind(':');
    const bool has_port =
        colon != std::string_view::npos && url.find(']', colon) == std::string_view::npos;
    std::string_view host = has_port ? url.substr(0, colon) : url;
    if (has_port) {
        const std::string_view port = url.substr(colon + 1);
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), t.port);
        if (ec != std::errc() || end != port.data() + port.size() || t.port == 0) {
            why = "its port \"" + std::string(port) + "\" is not a port";
            return std::nullopt;
        }
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    // Ollama's own reading of a bind-all address: this machine.
    t.host = host.empty() || host == "0.0.0.0" ? "127.0.0.1"
             : host == "::"                    ? "::1"
                                               : std::string(host);
    return t;
}

struct BackendProxy::Impl {
    ProxyTarget target;
    std::chrono::milliseconds timeout;
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::mutex mutex;
    std::vector<beast::tcp_stream> idle; // after io: closed before it goes
    std::thread thread;

    Impl(ProxyTarget t, std::chrono::milliseconds to) : target(std::move(t)), timeout(to) {
        thread = std::thread([this] { io.run(); });
    }
    ~Impl() {
        work.reset();
        io.stop();
        thread.join();
        const std::lock_guard lock(mutex);
        idle.clear();
    }

    std::optional<beast::tcp_stream> take() {
        const std::lock_guard lock(mutex);
        if (idle.empty()) return std::nullopt;
        beast::tcp_stream s = std::move(idle.back());
        idle.pop_back();
        return s;
    }
    void give(beast::tcp_stream s) {
        const std::lock_guard lock(mutex);
        if (idle.size() < kMaxIdle) idle.push_back(std::move(s));
    }
};

namespace {

// One request's way to the backend and back. Its steps run on the proxy's thread.
class Forward : public std::enable_shared_from_this<Forward> {
public:
    Forward(BackendProxy::Impl &proxy, http::request<http::string_body> request,
            std::shared_ptr<Exchange> exchange, BackendProxy::Merge merge = {})
        : proxy_(proxy), request_(std::move(request)), exchange_(std::move(exchange)),
          resolver_(proxy.io), merge_(std::move(merge)) {}

    void start() {
        exchange_->on_disconnect([weak = weak_from_this()] {
            if (auto self = weak.lock()) {
                asio::post(self->proxy_.io, [self] {
                    self->gone_ = true;
                    if (self->stream_) self->stream_->close();
                });
            }
        });
        if (std::optional<beast::tcp_stream> s = proxy_.take()) {
            stream_.emplace(std::move(*s));
            reused_ = true;
            send();
        } else {
            connect();
        }
    }

private:
    void connect() {
        resolver_.async_resolve(
            proxy_.target.host, std::to_string(proxy_.target.port),
            [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type found) {
                if (ec) return self->fail(ec);
                self->stream_.emplace(self->proxy_.io);
                self->stream_->expires_after(self->proxy_.timeout);
                self->stream_->async_connect(
                    found, [self](beast::error_code ec2, const tcp::endpoint &) {
                        if (ec2) return self->fail(ec2);
                        beast::error_code ignored;
                        self->stream_->socket().set_option(tcp::no_delay(true), ignored);
                        self->send();
                    });
            });
    }

    // A kept-alive connection the backend closed meanwhile fails at once: once, try a new one.
    bool retry() {
        if (!reused_ || retried_ || gone_) return false;
        retried_ = true;
        reused_ = false;
        stream_.reset();
        connect();
        return true;
    }

    void send() {
        if (gone_) return;
        stream_->expires_after(proxy_.timeout);
        http::async_write(*stream_, request_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) {
                                  if (!self->retry()) self->fail(ec);
                                  return;
                              }
                              self->read_head();
                          });
    }

    void read_head() {
        parser_.emplace();
        // Streamed through, never held whole beyond kMaxHeldBody. Not boost::none: Boost 1.74
        // compares a Content-Length against an empty optional as "over the limit".
        parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        stream_->expires_after(proxy_.timeout);
        http::async_read_header(*stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, size_t) {
                                    if (ec) {
                                        if (!self->retry()) self->fail(ec);
                                        return;
                                    }
                                    self->on_head();
                                });
    }

    void on_head() {
        const auto &head = parser_->get();
        status_ = head.result_int();
        content_type_ = std::string(head[http::field::content_type]);
        streaming_ = !merge_ && (parser_->chunked() || !parser_->content_length() ||
                                 *parser_->content_length() > kMaxHeldBody);
        if (streaming_) exchange_->start_stream(status_, content_type_);
        read_body();
    }

    void read_body() {
        if (parser_->is_done()) return done();
        auto &body = parser_->get().body();
        body.data = chunk_;
        body.size = sizeof chunk_;
        stream_->expires_after(proxy_.timeout);
        http::async_read_some(
            *stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
    }

    void on_body(beast::error_code ec) {
        if (ec == http::error::need_buffer) ec = {};
        const size_t got = sizeof chunk_ - parser_->get().body().size;
        if (got > 0) {
            if (streaming_) {
                exchange_->write(std::string(chunk_, got));
            } else {
                held_.append(chunk_, got);
            }
        }
        if (!ec && merge_ && held_.size() > kMaxHeldBody) ec = http::error::body_limit;
        if (ec) return fail(ec);
        read_body();
    }

    void done() {
        if (merge_) {
            exchange_->send(200, kJson, merge_(status_ == 200 ? &held_ : nullptr));
        } else if (streaming_) {
            exchange_->end();
        } else {
            exchange_->send(status_, content_type_, std::move(held_));
        }
        if (parser_->keep_alive() && !gone_) proxy_.give(std::move(*stream_));
        // Empty, not moved-from: a disconnect noticed as the answer ended may still come to
        // close it.
        stream_.reset();
    }

    void fail(beast::error_code ec) {
        if (gone_) return;
        const ProxyTarget &t = proxy_.target;
        const bool timed_out = ec == beast::error::timeout;
        const std::string what =
            "backend " + t.backend + " (" + t.host + ":" + std::to_string(t.port) + "): " +
            (timed_out ? "no answer within " + std::to_string(proxy_.timeout.count()) + " ms"
                       : ec.message());
        if (merge_) {
            spdlog::warn("{} {}: this server's entries only: {}",
                         std::string(request_.method_string()), std::string(request_.target()),
                         what);
            exchange_->send(200, kJson, merge_(nullptr));
        } else if (streaming_) {
            // Mid-answer: end it the way Ollama ends a stream that failed.
            std::string line = R"({"error":)";
            json::append_quoted(line, what + " (the answer was cut off)");
            exchange_->write(line + "}\n");
            exchange_->end();
        } else {
            send_ollama_error(*exchange_, timed_out ? 504 : 502, what);
        }
        if (stream_) stream_->close();
    }

    BackendProxy::Impl &proxy_;
    http::request<http::string_body> request_;
    std::shared_ptr<Exchange> exchange_;
    tcp::resolver resolver_;
    std::optional<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
    std::optional<http::response_parser<http::buffer_body>> parser_;
    char chunk_[16384];
    BackendProxy::Merge merge_; // empty: the answer is passed through as it comes
    std::string held_;
    std::string content_type_;
    int status_ = 0;
    bool streaming_ = false;
    bool reused_ = false;
    bool retried_ = false;
    bool gone_ = false;
};

} // namespace

BackendProxy::BackendProxy(ProxyTarget target, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(target), timeout)) {}

BackendProxy::~BackendProxy() = default;

const ProxyTarget &BackendProxy::target() const noexcept {
    return impl_->target;
}

namespace {

// `request` as it goes to the backend: hop-by-hop and this server's own headers left out.
http::request<http::string_body> backend_request(const HttpRequest &request, const ProxyTarget &t) {
    http::request<http::string_body> out;
    out.method_string(request.method);
    out.target(request.target);
    out.version(11);
    for (const auto &[name, value] : request.headers)
        if (passed_on(name)) out.insert(name, value);
    out.set(http::field::host,
            (t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host) + ":" +
                std::to_string(t.port));
    out.keep_alive(true);
    out.body() = request.body;
    out.prepare_payload();
    return out;
}

} // namespace

void BackendProxy::forward(const HttpRequest &request, std::shared_ptr<Exchange> exchange) {
    auto forward = std::make_shared<Forward>(*impl_, backend_request(request, impl_->target),
                                             std::move(exchange));
    asio::post(impl_->io, [forward] { forward->start(); });
}

std::string BackendProxy::joined_list(const std::string &own, const std::string *backend_body,
                                      std::string_view member) {
    if (backend_body == nullptr) return own;
    std::string out = own;
    try {
        const json::Document answer = json::parse_object(*backend_body, "the backend's answer");
        const json::Value *list = json::find(answer, member);
        if (list == nullptr || !list->IsArray())
            throw Error(ErrorCode::protocol,
                        "the backend's answer has no list \"" + std::string(member) + "\"");
        for (const json::Value &entry : list->GetArray())
            out += (out.empty() ? "" : ",") + json::to_string(entry);
    } catch (const Error &e) {
        spdlog::warn("this server's entries only: {}", e.what());
    }
    return out;
}

void BackendProxy::merge(const HttpRequest &request, std::shared_ptr<Exchange> exchange,
                         Merge merge) {
    auto forward = std::make_shared<Forward>(*impl_, backend_request(request, impl_->target),
                                             std::move(exchange), std::move(merge));
    asio::post(impl_->io, [forward] { forward->start(); });
}

} // namespace tinyllm::serve
