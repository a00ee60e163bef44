#include "serve/http_server.hpp"

#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"
#include "version.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include <sys/socket.h>

namespace tinyllm::serve {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using beast::error_code;

std::string HttpRequest::header(std::string_view name) const {
    for (const auto &[key, value] : headers) {
        if (beast::iequals(key, beast::string_view(name.data(), name.size()))) return value;
    }
    return {};
}

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decoded(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
                   hex_digit(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

} // namespace

std::optional<std::string> HttpRequest::query(std::string_view name) const {
    const size_t mark = target.find('?');
    if (mark == std::string::npos) return std::nullopt;
    std::string_view rest = std::string_view(target).substr(mark + 1);
    while (!rest.empty()) {
        const size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        const size_t eq = pair.find('=');
        if (percent_decoded(pair.substr(0, eq)) == name) {
            return eq == std::string_view::npos ? std::string()
                                                : percent_decoded(pair.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

namespace {

const std::string kServerHeader = std::string("tinyllm/") + kVersion;

// One piece of a response, written in order: a whole response, or a stream's head, chunks and
// last chunk.
struct Outgoing {
    enum class Kind { whole, head, chunk, last } kind;
    std::shared_ptr<http::response<http::string_body>> whole;
    std::shared_ptr<http::response<http::empty_body>> head;
    std::shared_ptr<http::response_serializer<http::empty_body>> head_writer;
    std::string chunk;
};

class Session;

// The sessions of a server, so that stopping can reach each one.
struct SessionList {
    std::mutex mutex;
    std::list<std::weak_ptr<Session>> sessions;
    std::atomic<size_t> count{0};
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, const HttpServerOptions &options, const Handler &handler,
            SessionList &list)
        : stream_(std::move(socket)), options_(options), handler_(handler), list_(list) {
        ++list_.count;
        error_code ec;
        // A stream is many small writes: without this, Nagle's algorithm holds each one back
        // until the client's delayed ACK (40 ms) for the one before.
        stream_.socket().set_option(tcp::no_delay(true), ec);
        const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
        if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
    }
    ~Session() {
        std::lock_guard lock(list_.mutex);
        list_.sessions.erase(self_in_list_);
        --list_.count;
    }

    void start(std::list<std::weak_ptr<Session>>::iterator self_in_list) {
        self_in_list_ = self_in_list;
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->await(); });
    }

    // [any thread] Close once the response in progress (if any) has ended.
    void close_when_idle() {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            self->closing_ = true;
            if (self->idle_) self->close();
        });
    }
    void close_now() {
        net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
    }

    // [any thread] The exchange's calls, for the request of `generation`.
    void post(uint64_t generation, std::function<void(Session &)> action) {
        net::post(stream_.get_executor(),
                  [self = shared_from_this(), generation, action = std::move(action)] {
                      if (generation == self->generation_ && !self->response_ended_) action(*self);
                  });
    }

    void send(int status, std::string content_type, std::string body, Headers headers) {
        auto response = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(status), version_);
        fill_head(*response, content_type, headers);
        response->body() = std::move(body);
        response->prepare_payload();
        enqueue({Outgoing::Kind::whole, std::move(response), nullptr, nullptr, {}});
    }

    void start_stream(int status, std::string content_type, Headers headers) {
        if (version_ < 11) {
            // HTTP/1.0 has no chunks: the stream is sent whole at its end, then the connection
            // closes.
            buffered_ = Buffered{status, std::move(content_type), std::move(headers), {}};
            return;
        }
        auto head = std::make_shared<http::response<http::empty_body>>(
            static_cast<http::status>(status), version_);
        fill_head(*head, content_type, headers);
        head->chunked(true);
        auto writer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
        enqueue({Outgoing::Kind::head, nullptr, std::move(head), std::move(writer), {}});
    }

    void write(std::string chunk) {
        if (chunk.empty() || closed_) return; // an empty chunk would end the stream
        // A chunk larger than the limit may go out alone; one more behind unsent bytes may not.
        // HTTP/1.0 streams are sent whole at their end, so there the whole body counts.
        const size_t waiting = buffered_ ? buffered_->body.size() : unsent_bytes_;
        const size_t unsent = waiting + chunk.size();
        if ((waiting > 0 || buffered_) && unsent > options_.max_unsent_bytes) {
            spdlog::debug("{}: {} bytes of a stream wait for the client (max_unsent_bytes {}): "
                          "closing",
                          remote_, unsent, options_.max_unsent_bytes);
            client_gone();
            close();
            return;
        }
        if (buffered_) {
            buffered_->body += chunk;
            return;
        }
        unsent_bytes_ += chunk.size();
        enqueue({Outgoing::Kind::chunk, nullptr, nullptr, nullptr, std::move(chunk)});
    }

    void end() {
        if (buffered_) {
            Buffered b = std::move(*buffered_);
            buffered_.reset();
            keep_alive_ = false;
            send(b.status, std::move(b.content_type), std::move(b.body), std::move(b.headers));
            return;
        }
        enqueue({Outgoing::Kind::last, nullptr, nullptr, nullptr, {}});
    }

    void on_disconnect(std::function<void()> callback) {
        if (gone_) {
            callback();
            return;
        }
        on_disconnect_ = std::move(callback);
    }

    uint64_t generation() const noexcept { return generation_; }

private:
    template <class Body>
    void fill_head(http::response<Body> &response, const std::string &content_type,
                   const Headers &headers) {
        response.set(http::field::server, kServerHeader);
        if (!content_type.empty()) response.set(http::field::content_type, content_type);
        for (const auto &[name, value] : headers)
            response.set(name, value);
        response.keep_alive(keep_alive_ && !closing_);
    }

    // Waits for the first byte of the next request under the idle timeout; the request itself
    // then gets request_timeout.
    void await() {
        idle_ = true;
        if (closing_ || closed_) {
            close();
            return;
        }
        if (buffer_.size() > 0) {
            read_request();
            return;
        }
        stream_.expires_after(options_.idle_timeout);
        stream_.async_read_some(buffer_.prepare(4096),
                                [self = shared_from_this()](error_code ec, size_t n) {
                                    if (ec) {
                                        self->close();
                                        return;
                                    }
                                    self->buffer_.commit(n);
                                    self->read_request();
                                });
    }

    void read_request() {
        idle_ = false;
        parser_.emplace();
        parser_->body_limit(options_.max_body_bytes);
        parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
        stream_.expires_after(options_.request_timeout);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](error_code ec, size_t) {
                                    if (ec) {
                                        self->on_request(ec);
                                        return;
                                    }
                                    self->read_body();
                                });
    }

    // A client that sent "Expect: 100-continue" (curl does for a body over 1 KiB) waits for a
    // go-ahead before the body, a second by default: it gets one at once. A body over the
    // limit is refused from its head's Content-Length, before the go-ahead.
    void read_body() {
        const auto &head = parser_->get();
        if (beast::iequals(head[http::field::expect], "100-continue") &&
            !(parser_->content_length() && *parser_->content_length() > options_.max_body_bytes)) {
            auto go_ahead = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
            net::async_write(stream_, net::buffer(*go_ahead),
                             [self = shared_from_this(), go_ahead](error_code ec, size_t) {
                                 if (ec) {
                                     self->close();
                                     return;
                                 }
                                 self->read_rest();
                             });
            return;
        }
        read_rest();
    }

    void read_rest() {
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](error_code ec, size_t) { self->on_request(ec); });
    }

    void on_request(error_code ec) {
        if (ec == http::error::end_of_stream || ec == net::error::operation_aborted) {
            close();
            return;
        }
        if (ec) {
            keep_alive_ = false;
            version_ = 11;
            ++generation_;
            response_ended_ = false;
            if (ec == http::error::body_limit) {
                refuse(413, "the request body is larger than " +
                                std::to_string(options_.max_body_bytes) + " bytes");
            } else if (ec == http::error::header_limit) {
                refuse(431, "the request head is larger than " +
                                std::to_string(options_.max_header_bytes) + " bytes");
            } else if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
                refuse(400, "malformed HTTP request: " + ec.message());
            } else {
                // Reset or closed mid-request, or too slow: the stream's timer has closed the
                // socket already (request_timeout), so there is no one to answer.
                close();
            }
            return;
        }
        http::request<http::string_body> request = parser_->release();
        parser_.reset();
        HttpRequest r;
        r.method = std::string(request.method_string());
        r.target = std::string(request.target());
        r.path = r.target.substr(0, r.target.find('?'));
        for (const auto &field : request)
            r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        r.body = std::move(request.body());
        r.remote = remote_;
        keep_alive_ = request.keep_alive();
        version_ = request.version();
        ++generation_;
        response_ended_ = false;
        gone_ = false;
        watch_for_disconnect();
        handler_(std::move(r), make_exchange());
    }

    std::shared_ptr<Exchange> make_exchange();

    void refuse(int status, const std::string &message) {
        std::string path;
        if (parser_) { // the start line's target is there once it was read, before the fields
            const beast::string_view target = parser_->get().target();
            path.assign(target.data(), target.size());
            path.resize(std::min(path.find('?'), path.size()));
        }
        std::string body;
        if (options_.error_body) {
            body = options_.error_body(path, status, message);
        } else {
            body = "{\"error\":";
            json::append_quoted(body, message);
            body += "}";
        }
        send(status, kJson, std::move(body), {});
    }

    // A client that closes its connection while its request runs: the run is cancelled rather
    // than finished for no one. Readable with nothing to read is the end of the stream; bytes
    // to read are the client's next request (pipelined), left for the next read.
    void watch_for_disconnect() {
        stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(),
                                                             g = generation_](error_code ec) {
            if (ec || g != self->generation_ || self->response_ended_) return;
            // Never a blocking read on an I/O thread: readiness can be stale (the reactor
            // is edge-triggered), and a blocking peek would then wait for the client.
            char byte = 0;
            const ssize_t n =
                ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n > 0) return; // the client's next request: left for the next read
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                self->watch_for_disconnect(); // nothing there after all: watch on
                return;
            }
            self->client_gone(); // end of stream, or reset
        });
    }

    void client_gone() {
        if (gone_) return;
        gone_ = true;
        if (auto callback = std::move(on_disconnect_)) {
            on_disconnect_ = nullptr;
            callback();
        }
    }

    void enqueue(Outgoing out) {
        if (closed_) return;
        // Chunks that came while a write was in flight go out as one: a fast model's tokens
        // cost one write, not one each.
        const size_t in_flight = writing_ ? 1 : 0;
        if (out.kind == Outgoing::Kind::chunk && queue_.size() > in_flight &&
            queue_.back().kind == Outgoing::Kind::chunk) {
            queue_.back().chunk += out.chunk;
            return;
        }
        queue_.push_back(std::move(out));
        if (!writing_) write_next();
    }

    void write_next() {
        if (queue_.empty()) {
            writing_ = false;
            return;
        }
        writing_ = true;
        Outgoing &out = queue_.front();
        stream_.expires_after(options_.write_timeout);
        auto done = [self = shared_from_this()](error_code ec, size_t) { self->on_written(ec); };
        switch (out.kind) {
        case Outgoing::Kind::whole: http::async_write(stream_, *out.whole, std::move(done)); break;
        case Outgoing::Kind::head:
            http::async_write_header(stream_, *out.head_writer, std::move(done));
            break;
        case Outgoing::Kind::chunk:
            net::async_write(stream_, http::make_chunk(net::buffer(out.chunk)), std::move(done));
            break;
        case Outgoing::Kind::last:
            net::async_write(stream_, http::make_chunk_last(), std::move(done));
            break;
        }
    }

    void on_written(error_code ec) {
        const Outgoing::Kind kind = queue_.front().kind;
        unsent_bytes_ -= queue_.front().chunk.size();
        queue_.pop_front();
        if (ec) {
            client_gone();
            close();
            return;
        }
        if (kind == Outgoing::Kind::whole || kind == Outgoing::Kind::last) {
            response_ended();
            return;
        }
        write_next();
    }

    void response_ended() {
        response_ended_ = true;
        on_disconnect_ = nullptr;
        writing_ = false;
        queue_.clear();
        unsent_bytes_ = 0;
        error_code ignored;
        stream_.socket().cancel(ignored); // the disconnect watch
        if (!keep_alive_ || closing_) {
            close();
            return;
        }
        await();
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        if (!response_ended_ && generation_ > 0) client_gone();
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

    struct Buffered {
        int status;
        std::string content_type;
        Headers headers;
        std::string body;
    };

    beast::tcp_stream stream_;
    const HttpServerOptions &options_;
    const Handler &handler_;
    SessionList &list_;
    std::list<std::weak_ptr<Session>>::iterator self_in_list_;
    std::string remote_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    uint64_t generation_ = 0; // of the current request: stale calls are dropped
    bool keep_alive_ = true;
    unsigned version_ = 11;
    bool idle_ = true;
    bool closing_ = false;
    bool closed_ = false;
    bool gone_ = false;
    bool response_ended_ = true;
    bool writing_ = false;
    std::deque<Outgoing> queue_;
    size_t unsent_bytes_ = 0; // of the chunks in queue_, the one being written included
    std::optional<Buffered> buffered_;
    std::function<void()> on_disconnect_;
};

// The handler's side of one request. Dropped without an answer (a handler bug), it answers 500
// rather than leave the client waiting.
class SessionExchange final : public Exchange {
public:
    SessionExchange(std::shared_ptr<Session> session, uint64_t generation)
        : session_(std::move(session)), generation_(generation) {}
    ~SessionExchange() override {
        if (!answered_) {
            session_->post(generation_, [](Session &s) {
                s.send(500, "application/json; charset=utf-8",
                       "{\"error\":\"internal error: the request got no answer\"}", {});
            });
        }
    }

    void send(int status, std::string content_type, std::string body, Headers headers) override {
        answered_ = true;
        session_->post(generation_, [status, content_type = std::move(content_type),
                                     body = std::move(body),
                                     headers = std::move(headers)](Session &s) mutable {
            s.send(status, std::move(content_type), std::move(body), std::move(headers));
        });
    }
    void start_stream(int status, std::string content_type, Headers headers) override {
        answered_ = true;
        session_->post(generation_, [status, content_type = std::move(content_type),
                                     headers = std::move(headers)](Session &s) mutable {
            s.start_stream(status, std::move(content_type), std::move(headers));
        });
    }
    void write(std::string chunk) override {
        session_->post(generation_, [chunk = std::move(chunk)](Session &s) mutable {
            s.write(std::move(chunk));
        });
    }
    void end() override {
        session_->post(generation_, [](Session &s) { s.end(); });
    }
    void on_disconnect(std::function<void()> callback) override {
        session_->post(generation_, [callback = std::move(callback)](Session &s) mutable {
            s.on_disconnect(std::move(callback));
        });
    }

private:
    std::shared_ptr<Session> session_;
    uint64_t generation_;
    std::atomic<bool> answered_{false};
};

std::shared_ptr<Exchange> Session::make_exchange() {
    return std::make_shared<SessionExchange>(shared_from_this(), generation_);
}

} // namespace

struct HttpServer::Impl {
    Impl(HttpServerOptions o, Handler h)
        : options(std::move(o)), handler(std::move(h)), acceptor(net::make_strand(io)),
          retry_timer(acceptor.get_executor()), work(net::make_work_guard(io)) {}

    void accept() {
        acceptor.async_accept(net::make_strand(io), [this](error_code ec, tcp::socket socket) {
            if (!acceptor.is_open()) return;
            if (ec) {
                // Out of file descriptors, say: wait a little rather than spin.
                retry_timer.expires_after(std::chrono::milliseconds(50));
                retry_timer.async_wait([this](error_code) { accept(); });
                return;
            }
            if (sessions.count.load() >= options.max_connections) {
                turn_away(std::move(socket));
                accept();
                return;
            }
            auto session = std::make_shared<Session>(std::move(socket), options, handler, sessions);
            std::list<std::weak_ptr<Session>>::iterator where;
            {
                std::lock_guard lock(sessions.mutex);
                where = sessions.sessions.insert(sessions.sessions.end(), session);
            }
            session->start(where);
            accept();
        });
    }

    // A connection beyond max_connections: told so in one write (it fits any socket buffer, so
    // this never waits on the client), then closed without serving its request.
    void turn_away(tcp::socket socket) {
        static const std::string answer = [] {
            const std::string body = R"({"error":"server busy: too many open connections"})";
            return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + std::string(kJson) +
                   "\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body;
        }();
        spdlog::debug("{} open connections (server.max_connections): one more turned away",
                      options.max_connections);
        error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(net::buffer(answer), ignored);
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        std::make_shared<LingeringClose>(std::move(socket))->start();
    }

    // Closing a socket whose request is still unread (or yet to arrive) resets the connection,
    // and a reset can take the answer already sent with it. So, as web servers do, read and drop
    // what comes until the client closes, for a second at most.
    class LingeringClose : public std::enable_shared_from_this<LingeringClose> {
    public:
        explicit LingeringClose(tcp::socket socket)
            : socket_(std::move(socket)), timer_(socket_.get_executor()) {}
        void start() {
            timer_.expires_after(std::chrono::seconds(1));
            timer_.async_wait([self = shared_from_this()](error_code) {
                error_code ignored;
                self->socket_.close(ignored);
            });
            drain();
        }

    private:
        void drain() {
            socket_.async_read_some(net::buffer(discard_),
                                    [self = shared_from_this()](error_code ec, size_t) {
                                        if (!ec) return self->drain();
                                        self->timer_.cancel();
                                        error_code ignored;
                                        self->socket_.close(ignored);
                                    });
        }
        tcp::socket socket_;
        net::steady_timer timer_;
        char discard_[4096];
    };

    template <class F> void for_each_session(F f) {
        std::vector<std::shared_ptr<Session>> live;
        {
            std::lock_guard lock(sessions.mutex);
            for (const auto &weak : sessions.sessions)
                if (auto s = weak.lock()) live.push_back(std::move(s));
        }
        for (const auto &s : live)
            f(*s);
    }

    // Declared before the io_context: destroying it destroys the handlers that still hold
    // sessions, whose destructors use these.
    HttpServerOptions options;
    Handler handler;
    SessionList sessions;
    net::io_context io;
    tcp::acceptor acceptor;
    net::steady_timer retry_timer;
    net::executor_work_guard<net::io_context::executor_type> work;
    std::vector<std::thread> threads;
    uint16_t port = 0;
    bool stopped = false;
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {
    const std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
    error_code ec;
    const net::ip::address address = net::ip::make_address(impl_->options.host, ec);
    if (ec) {
        throw Error(ErrorCode::usage,
                    "cannot listen on " + where + ": \"" + impl_->options.host +
                        "\" is not an IP address (give one: 127.0.0.1, 0.0.0.0, ::1)");
    }
    const tcp::endpoint endpoint(address, impl_->options.port);
    tcp::acceptor &a = impl_->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw Error(ErrorCode::unavailable, "cannot listen on " + where + ": " + ec.message());
    impl_->port = a.local_endpoint().port();
}

HttpServer::~HttpServer() {
    stop();
    join();
}

uint16_t HttpServer::port() const noexcept {
    return impl_->port;
}

void HttpServer::start() {
    impl_->accept();
    const unsigned n = std::max(1u, impl_->options.threads);
    for (unsigned i = 0; i < n; ++i)
        impl_->threads.emplace_back([this] { impl_->io.run(); });
}

void HttpServer::stop_accepting() {
    net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
        error_code ignored;
        impl->acceptor.close(ignored);
        impl->retry_timer.cancel();
    });
    impl_->for_each_session([](Session &s) { s.close_when_idle(); });
}

size_t HttpServer::connections() const noexcept {
    return impl_->sessions.count.load();
}

void HttpServer::stop() {
    if (impl_->stopped) return;
    impl_->stopped = true;
    stop_accepting();
    impl_->for_each_session([](Session &s) { s.close_now(); });
    impl_->work.reset();
}

void HttpServer::join() {
    for (std::thread &t : impl_->threads)
        if (t.joinable()) t.join();
    impl_->threads.clear();
}

} // namespace tinyllm::serve
