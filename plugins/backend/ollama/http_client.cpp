#include "http_client.hpp"

#include <tinyllm/plugin.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

namespace tinyllm::ollama {

namespace {

// A buffered (non-streamed) body larger than this is refused instead of exhausting memory.
constexpr size_t kMaxBufferedBody = size_t{256} << 20;

std::once_flag g_curl_init_once;
CURLcode g_curl_init_result = CURLE_OK;

// curl_global_init is not thread-safe and must run once per process; it is never undone
// (curl_global_cleanup) because other instances — or other plugins — may still use libcurl.
void global_init() {
    std::call_once(g_curl_init_once,
                   [] { g_curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (g_curl_init_result != CURLE_OK) {
        throw sdk::Error(TLLM_ERR_INTERNAL, std::string("libcurl initialisation failed: ") +
                                                curl_easy_strerror(g_curl_init_result));
    }
}

struct SlistDeleter {
    void operator()(curl_slist *list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// State shared with the libcurl callbacks of one transfer. Callbacks run on the thread that
// calls curl_multi_perform, i.e. the calling thread, so no synchronisation is needed.
struct Transfer {
    CURL *easy = nullptr;
    const BodySink *sink = nullptr;
    HttpResponse *response = nullptr;
    std::exception_ptr error; // thrown by the sink, rethrown after the loop
    bool too_large = false;
    bool first_write = true;
    bool to_sink = false;
    bool request_sent = false; // the connection is up and the request is going out
    Clock::time_point last_activity = Clock::now();
    curl_off_t last_ul = 0;
    curl_off_t last_dl = 0;
};

size_t on_body(char *data, size_t size, size_t count, void *user) {
    auto *t = static_cast<Transfer *>(user);
    const size_t n = size * count;
    t->last_activity = Clock::now();
    if (t->first_write) {
        t->first_write = false;
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        t->to_sink = t->sink != nullptr && *t->sink && status >= 200 && status < 300;
    }
    if (t->to_sink) {
        t->response->streamed = true;
        try {
            (*t->sink)(std::string_view(data, n));
        } catch (...) {
            t->error = std::current_exception();
            return CURL_WRITEFUNC_ERROR;
        }
        return n;
    }
    if (t->response->body.size() + n > kMaxBufferedBody) {
        t->too_large = true;
        return CURL_WRITEFUNC_ERROR;
    }
    t->response->body.append(data, n);
    return n;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i]))) {
            return false;
        }
    }
    return true;
}

size_t on_header(char *data, size_t size, size_t count, void *user) {
    auto *t = static_cast<Transfer *>(user);
    const size_t n = size * count;
    t->last_activity = Clock::now();
    std::string_view line(data, n);
    if (starts_with_nocase(line, "HTTP/")) {
        t->response->content_type.clear(); // a new response (e.g. after 100 Continue)
    } else if (starts_with_nocase(line, "content-type:")) {
        line.remove_prefix(13);
        const size_t b = line.find_first_not_of(" \t");
        const size_t e = line.find_last_not_of(" \t\r\n");
        t->response->content_type =
            b == std::string_view::npos ? std::string() : std::string(line.substr(b, e - b + 1));
    }
    return n;
}

// Called once the connection is established, right before the request is sent: from here
// on, silence counts against the read timeout (before it, the connect timeout applies).
int on_prereq(void *user, char *, char *, int, int) {
    auto *t = static_cast<Transfer *>(user);
    t->request_sent = true;
    t->last_activity = Clock::now();
    return CURL_PREREQFUNC_OK;
}

// Upload progress is activity too: a large request body takes time to send.
int on_progress(void *user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
    auto *t = static_cast<Transfer *>(user);
    if (ulnow != t->last_ul || dlnow != t->last_dl) {
        t->last_ul = ulnow;
        t->last_dl = dlnow;
        t->last_activity = Clock::now();
    }
    return 0;
}

std::string describe(const HttpRequest &request) {
    return std::string(request.method == Method::post ? "POST " : "GET ") + request.path;
}

// The OS-level reason ("Connection refused") when there is one, else libcurl's text.
std::string failure_reason(CURL *easy, CURLcode code, const char *errbuf) {
    long os_errno = 0;
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
    if (code == CURLE_COULDNT_CONNECT && os_errno != 0) {
        return std::strerror(static_cast<int>(os_errno));
    }
    if (errbuf != nullptr && errbuf[0] != '\0') {
        std::string text(errbuf);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
            text.pop_back();
        return text;
    }
    return curl_easy_strerror(code);
}

constexpr const char *kNotRunningHint =
    " (is `ollama serve` running? set OLLAMA_HOST to point elsewhere)";

// RAII: the easy handle leaves the multi handle on every path out of send(). Removing it in
// the middle of a transfer makes libcurl close that connection instead of reusing it.
struct MultiMembership {
    CURLM *multi;
    CURL *easy;
    ~MultiMembership() { curl_multi_remove_handle(multi, easy); }
};

} // namespace

// One pooled transfer context. The connection cache of a multi handle outlives the transfers
// run through it, so keeping the pair together is what gives keep-alive across requests.
// The easy handle stays configured between requests (no curl_easy_reset + setopt of everything
// per request): its callbacks' data is `transfer` and its error buffer `errbuf`, both here,
// so only the URL (when it changes) and the body are set for each request.
struct HttpClient::Slot {
    CURLM *multi = nullptr;
    CURL *easy = nullptr;
    bool configured = false;
    std::string url; // the URL the handle is set to
    Slist headers;
    char errbuf[CURL_ERROR_SIZE] = {0};
    Transfer transfer;
    Slot() : multi(curl_multi_init()), easy(curl_easy_init()) {}
    ~Slot() {
        if (easy != nullptr) curl_easy_cleanup(easy);
        if (multi != nullptr) curl_multi_cleanup(multi);
    }
    Slot(const Slot &) = delete;
    Slot &operator=(const Slot &) = delete;
};

HttpClient::HttpClient(std::string base_url, HttpOptions options)
    : base_url_(std::move(base_url)), options_(options) {
    global_init();
}

HttpClient::~HttpClient() = default;

size_t HttpClient::idle_handles() const {
    std::lock_guard lock(mutex_);
    return idle_.size();
}

std::unique_ptr<HttpClient::Slot> HttpClient::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto slot = std::move(idle_.back());
            idle_.pop_back();
            return slot;
        }
    }
    auto slot = std::make_unique<Slot>();
    if (slot->multi == nullptr || slot->easy == nullptr) {
        throw sdk::Error(TLLM_ERR_INTERNAL, "cannot create a libcurl handle");
    }
    return slot;
}

void HttpClient::release(std::unique_ptr<Slot> slot) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(slot));
}

// The options every request of this client shares, set once per handle.
void HttpClient::configure(Slot &slot) const {
    CURL *easy = slot.easy;
    for (const char *h :
         {"Content-Type: application/json", "Accept: application/x-ndjson, application/json",
          "Expect:"}) { // no 100-continue round trip for large bodies
        curl_slist *next = curl_slist_append(slot.headers.get(), h);
        if (next == nullptr) throw sdk::Error(TLLM_ERR_INTERNAL, "out of memory");
        (void)slot.headers.release();
        slot.headers.reset(next);
    }
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L); // we run on arbitrary threads
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, slot.errbuf);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, slot.headers.get());
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "tinyllm-ollama/0.1");
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::max<int64_t>(1, options_.connect_timeout.count())));
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    if (options_.bypass_proxy) curl_easy_setopt(easy, CURLOPT_PROXY, "");
    Transfer *t = &slot.transfer;
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &on_prereq);
    curl_easy_setopt(easy, CURLOPT_PREREQDATA, t);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, t);
    slot.configured = true;
}

HttpResponse HttpClient::send(const HttpRequest &request, const TransferControl &control,
                              const BodySink &sink) {
    const std::string what = describe(request);
    const auto check_cancelled = [&] {
        if (control.cancelled && control.cancelled()) {
            throw sdk::Error(TLLM_ERR_CANCELLED,
                             "cancelled during " + what + " to Ollama at " + base_url_);
        }
    };
    const auto deadline_error = [&] {
        return sdk::Error(TLLM_ERR_TIMEOUT, "request " + what + " to Ollama at " + base_url_ +
                                                " exceeded " + control.deadline_name);
    };
    check_cancelled();
    if (control.deadline && Clock::now() >= *control.deadline) throw deadline_error();

    std::unique_ptr<Slot> slot = acquire();
    CURL *easy = slot->easy;
    if (!slot->configured) configure(*slot);

    HttpResponse response;
    Transfer &t = slot->transfer;
    t = Transfer{};
    t.easy = easy;
    t.sink = &sink;
    t.response = &response;
    char *errbuf = slot->errbuf;
    errbuf[0] = '\0';

    const std::string url = base_url_ + request.path;
    if (url != slot->url) {
        slot->url = url;
        curl_easy_setopt(easy, CURLOPT_URL, slot->url.c_str());
    }
    if (request.method == Method::post) {
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
    } else {
        // What curl_easy_reset would leave: no body (setting it makes the method POST), GET.
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, static_cast<const char *>(nullptr));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(-1));
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    }

    if (curl_multi_add_handle(slot->multi, easy) != CURLM_OK) {
        throw sdk::Error(TLLM_ERR_INTERNAL, "cannot start a libcurl transfer");
    }
    CURLcode result = CURLE_OK;
    {
        MultiMembership membership{slot->multi, easy};
        const auto read_timeout = options_.read_timeout;
        for (;;) {
            int running = 0;
            const CURLMcode mc = curl_multi_perform(slot->multi, &running);
            if (mc != CURLM_OK) {
                throw sdk::Error(TLLM_ERR_INTERNAL,
                                 std::string("libcurl failure: ") + curl_multi_strerror(mc));
            }
            if (running == 0) break;

            check_cancelled();
            const auto now = Clock::now();
            if (control.deadline && now >= *control.deadline) throw deadline_error();
            auto wake = now + kPollInterval;
            if (t.request_sent && read_timeout.count() > 0) {
                const auto idle_deadline = t.last_activity + read_timeout;
                if (now >= idle_deadline) {
                    throw sdk::Error(TLLM_ERR_TIMEOUT,
                                     "no data from Ollama at " + base_url_ + " for " +
                                         std::to_string(read_timeout.count()) +
                                         " ms (read_timeout_ms) during " + what +
                                         "; a model may still be loading: raise read_timeout_ms");
                }
                wake = std::min(wake, idle_deadline);
            }
            if (control.deadline) wake = std::min(wake, *control.deadline);
            const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now);
            const int wait_ms =
                static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 1, kPollInterval.count()));
            curl_multi_poll(slot->multi, nullptr, 0, wait_ms, nullptr);
        }
        int left = 0;
        while (CURLMsg *msg = curl_multi_info_read(slot->multi, &left)) {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) result = msg->data.result;
        }
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
    // Whether a connection was made: libcurl reports a server that answers in something other
    // than HTTP ("Received HTTP/0.9 when not allowed") with the code of a bad URL.
    char *peer = nullptr;
    const bool connected = curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &peer) == CURLE_OK &&
                           peer != nullptr && peer[0] != '\0';

    // Everything below only reads local state: the handle can go back to the pool now, with
    // its connection kept alive if libcurl judged it reusable.
    const std::string reason =
        result == CURLE_OK ? std::string() : failure_reason(easy, result, errbuf);
    const std::exception_ptr sink_error = t.error;
    const bool too_large = t.too_large;
    // The handle keeps a pointer to this request's body; the next request replaces it, and
    // nothing reads it in between. (`t` belongs to the slot: not to be read after this.)
    release(std::move(slot));

    if (sink_error) std::rethrow_exception(sink_error);
    if (too_large) {
        throw sdk::Error(TLLM_ERR_PROTOCOL, "the answer of Ollama at " + base_url_ + " to " + what +
                                                " is larger than " +
                                                std::to_string(kMaxBufferedBody >> 20) + " MiB");
    }
    if (result == CURLE_OK) return response;

    switch (result) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        throw sdk::Error(TLLM_ERR_UNAVAILABLE, "cannot connect to Ollama at " + base_url_ + ": " +
                                                   reason + kNotRunningHint);
    case CURLE_OPERATION_TIMEDOUT:
        // We never set CURLOPT_TIMEOUT, so libcurl only times out while connecting.
        throw sdk::Error(TLLM_ERR_TIMEOUT, "cannot connect to Ollama at " + base_url_ + " within " +
                                               std::to_string(options_.connect_timeout.count()) +
                                               " ms (connect_timeout_ms)");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
        if (connected || result == CURLE_WEIRD_SERVER_REPLY) {
            throw sdk::Error(TLLM_ERR_PROTOCOL, "the server at " + base_url_ + " did not answer " +
                                                    what + " in HTTP (" + reason +
                                                    "): is Ollama the server listening there?");
        }
        [[fallthrough]];
    case CURLE_URL_MALFORMAT:
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "invalid Ollama URL " + url + ": " + reason);
    case CURLE_OUT_OF_MEMORY: throw sdk::Error(TLLM_ERR_INTERNAL, "out of memory");
    default: break;
    }
    if (response.status != 0) {
        // The status line arrived, then the connection broke: let the caller judge the body.
        response.broken = reason;
        return response;
    }
    if (result == CURLE_GOT_NOTHING) {
        throw sdk::Error(TLLM_ERR_UNAVAILABLE, "Ollama at " + base_url_ +
                                                   " closed the connection without answering " +
                                                   what);
    }
    throw sdk::Error(TLLM_ERR_UNAVAILABLE,
                     "request " + what + " to Ollama at " + base_url_ + " failed: " + reason);
}

} // namespace tinyllm::ollama
