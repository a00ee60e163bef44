#include "ollama_client.hpp"

#include "errors.hpp"
#include "ndjson.hpp"
#include "stream_aggregator.hpp"

#include <random>
#include <thread>

namespace tinyllm::ollama {
namespace {

std::string_view describe(const HttpRequest &request) {
    return request.method == Method::post ? std::string_view("POST") : std::string_view("GET");
}

std::string what_of(const HttpRequest &request) {
    return std::string(describe(request)) + " " + request.path;
}

std::mt19937_64 &thread_rng() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng;
}

// A non-streamed body trimmed of surrounding whitespace.
std::string trimmed(const std::string &body) {
    const size_t b = body.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const size_t e = body.find_last_not_of(" \t\r\n");
    return body.substr(b, e - b + 1);
}

} // namespace

struct OllamaClient::Prepared {
    std::string body;
    bool stream = true;
};

OllamaClient::OllamaClient(const ClientConfig &config, Logger logger)
    : config_(config), endpoint_(normalize_endpoint(config.url)),
      logger_(std::move(logger)), retry_{static_cast<int>(config.max_retries),
                                         std::chrono::milliseconds(config.retry_base_delay_ms),
                                         std::chrono::milliseconds(config.retry_max_delay_ms)},
      http_(endpoint_.base_url(), HttpOptions{std::chrono::milliseconds(config.connect_timeout_ms),
                                              std::chrono::milliseconds(config.read_timeout_ms),
                                              endpoint_.is_loopback(), 16}) {
    if (!endpoint_.warning.empty()) log(TLLM_LOG_WARN, endpoint_.warning);
}

void OllamaClient::log(tllm_log_level level, const std::string &message) const {
    if (logger_) logger_(level, message);
}

// Validates the request and decides whether the answer streams. The text is forwarded as the
// caller wrote it (numbers, key order and unknown fields untouched); the only edit is the
// default keep_alive, spliced in as the first member.
OllamaClient::Prepared OllamaClient::prepare(std::string_view request_json, std::string_view what,
                                             bool keep_alive) {
    const std::string_view text = request_json.empty() ? std::string_view("{}") : request_json;
    const json::Document doc = parse_object(text, what, TLLM_ERR_INVALID_ARGUMENT);
    Prepared p;
    const auto stream = doc.FindMember("stream");
    p.stream = !(stream != doc.MemberEnd() && stream->value.IsFalse()); // Ollama streams by default
    if (keep_alive && config_.keep_alive_json && !doc.HasMember("keep_alive")) {
        const size_t brace = text.find('{'); // exists: the text parsed as an object
        const std::string member = "\"keep_alive\":" + *config_.keep_alive_json;
        p.body.reserve(text.size() + member.size() + 1);
        p.body.append(text.substr(0, brace + 1));
        p.body.append(member);
        if (doc.MemberCount() > 0) p.body.push_back(',');
        p.body.append(text.substr(brace + 1));
    } else {
        p.body.assign(text);
    }
    return p;
}

TransferControl OllamaClient::control_for(const sdk::Call &call) const {
    TransferControl control;
    // The host's is_cancelled also says yes once the caller's deadline has passed; that is a
    // timeout (reported with the deadline's name below), not a cancellation.
    control.cancelled = [&call] { return call.cancelled() && call.remaining_ms() != 0; };
    const auto now = Clock::now();
    if (config_.request_timeout_ms > 0) {
        control.deadline = now + std::chrono::milliseconds(config_.request_timeout_ms);
        control.deadline_name =
            "request_timeout_ms = " + std::to_string(config_.request_timeout_ms);
    }
    if (const int64_t remaining = call.remaining_ms(); remaining >= 0) {
        const auto caller = now + std::chrono::milliseconds(remaining);
        if (!control.deadline || caller < *control.deadline) {
            control.deadline = caller;
            control.deadline_name = "the caller's deadline (" + std::to_string(remaining) + " ms)";
        }
    }
    return control;
}

HttpResponse OllamaClient::exchange(const sdk::Call &call, const HttpRequest &request,
                                    const BodySink &sink) {
    const TransferControl control = control_for(call);
    const std::string what = what_of(request);
    for (int attempt = 0;; ++attempt) {
        HttpResponse response = http_.send(request, control, sink);
        if (response.status >= 200 && response.status < 300) return response;
        // A 503/429 body never reaches the sink, so nothing was emitted: safe to retry.
        if (!is_retryable_status(response.status) || attempt >= retry_.max_retries) {
            if (is_retryable_status(response.status) && attempt > 0) {
                try {
                    throw_http_error(response, http_.base_url(), what);
                } catch (const sdk::Error &e) {
                    throw sdk::Error(TLLM_ERR_UNAVAILABLE,
                                     std::string(e.what()) + " (gave up after " +
                                         std::to_string(attempt) + " retries)");
                }
            }
            throw_http_error(response, http_.base_url(), what);
        }
        const auto delay = retry_.delay(attempt, thread_rng());
        log(TLLM_LOG_WARN,
            "Ollama at " + http_.base_url() + " answered HTTP " + std::to_string(response.status) +
                " to " + what + " (" + one_line(response.body, 200) + "); retry " +
                std::to_string(attempt + 1) + "/" + std::to_string(retry_.max_retries) + " in " +
                std::to_string(delay.count()) + " ms");
        // Wait in short slices so cancellation stays prompt; never sleep past the deadline
        // (the next attempt then reports the timeout).
        auto until = Clock::now() + delay;
        if (control.deadline && *control.deadline < until) until = *control.deadline;
        while (Clock::now() < until) {
            if (call.cancelled()) {
                throw sdk::Error(TLLM_ERR_CANCELLED, "cancelled while waiting to retry " + what +
                                                         " to Ollama at " + http_.base_url());
            }
            const auto left = until - Clock::now();
            std::this_thread::sleep_for(
                std::min<Clock::duration>(left, std::chrono::milliseconds(kPollInterval)));
        }
    }
}

std::string OllamaClient::buffered(const sdk::Call &call, const HttpRequest &request) {
    HttpResponse response = exchange(call, request);
    const std::string what = what_of(request);
    if (!response.broken.empty()) {
        throw sdk::Error(TLLM_ERR_UNAVAILABLE,
                         "connection closed before the response was complete (Ollama at " +
                             http_.base_url() + ", " + what + "): " + response.broken);
    }
    std::string body = trimmed(response.body);
    // The error's context quotes the answer: written only when there is an error to report
    // (doing it for every answer cost a tenth of a request's instructions).
    const json::Document doc = parse_object_lazily(
        body,
        [&] {
            return "the answer of Ollama at " + http_.base_url() + " to " + what + " (\"" +
                   one_line(body, 80) + "\")";
        },
        TLLM_ERR_PROTOCOL);
    if (const std::string err = error_text(doc); !err.empty()) {
        throw sdk::Error(TLLM_ERR_REMOTE, "Ollama at " + http_.base_url() +
                                              " reported an error for " + what + ": " +
                                              one_line(err));
    }
    return body;
}

namespace {

// Reads an NDJSON answer line by line: `on_chunk` gets every object that is not an error line.
// Returns normally when the stream ended and `finished()` holds; throws otherwise.
class StreamReader {
public:
    StreamReader(std::string base_url, std::string what,
                 std::function<void(const json::Value &)> on_chunk, std::function<bool()> finished)
        : base_url_(std::move(base_url)), what_(std::move(what)), on_chunk_(std::move(on_chunk)),
          finished_(std::move(finished)) {}

    BodySink sink() {
        return [this](std::string_view bytes) {
            splitter_.feed(bytes, [this](std::string_view line) { handle(line); });
        };
    }

    void finish(const HttpResponse &response) {
        // A 2xx without a body never reached the sink.
        if (!response.streamed && !response.body.empty()) sink()(response.body);
        if (response.broken.empty()) {
            splitter_.finish([this](std::string_view line) { handle(line); });
        }
        if (!finished_()) {
            throw sdk::Error(TLLM_ERR_UNAVAILABLE,
                             "connection closed before the response was complete (Ollama at " +
                                 base_url_ + ", " + what_ + ")" +
                                 (response.broken.empty() ? "" : ": " + response.broken));
        }
    }

private:
    void handle(std::string_view line) {
        if (finished_()) return; // nothing after the final chunk matters
        const size_t index = splitter_.lines();
        rapidjson::Document doc;
        const rapidjson::ParseResult parsed = json::parse_into(doc, line);
        if (!parsed || !doc.IsObject()) {
            invalid_line(index, parsed ? "not a JSON object" : json::parse_error_text(line, parsed),
                         line);
        }
        if (const std::string err = error_text(doc); !err.empty()) {
            throw sdk::Error(TLLM_ERR_REMOTE, "Ollama at " + base_url_ +
                                                  " reported an error during " + what_ + ": " +
                                                  one_line(err));
        }
        try {
            on_chunk_(doc);
        } catch (const StreamAggregator::BadChunk &e) {
            invalid_line(index, e.what(), line);
        }
    }

    [[noreturn]] void invalid_line(size_t index, const std::string &why, std::string_view line) {
        throw sdk::Error(TLLM_ERR_PROTOCOL, "Ollama at " + base_url_ + " sent an invalid line " +
                                                std::to_string(index) + " in the stream of " +
                                                what_ + " (" + why + "): \"" + one_line(line, 200) +
                                                "\"");
    }

    std::string base_url_;
    std::string what_;
    std::function<void(const json::Value &)> on_chunk_;
    std::function<bool()> finished_;
    NdjsonSplitter splitter_;
};

} // namespace

std::string OllamaClient::streamed_completion(const sdk::Call &call, const HttpRequest &request,
                                              bool chat) {
    StreamAggregator aggregator(chat ? StreamAggregator::Kind::chat
                                     : StreamAggregator::Kind::generate);
    StreamReader reader(
        http_.base_url(), what_of(request),
        [&](const json::Value &chunk) { aggregator.add(chunk, call); },
        [&] { return aggregator.done(); });
    const HttpResponse response = exchange(call, request, reader.sink());
    reader.finish(response);
    return aggregator.result();
}

std::string OllamaClient::chat(const sdk::Call &call, std::string_view request_json) {
    Prepared p = prepare(request_json, "chat request", true);
    HttpRequest request{Method::post, "/api/chat", std::move(p.body)};
    return p.stream ? streamed_completion(call, request, true) : buffered(call, request);
}

std::string OllamaClient::generate(const sdk::Call &call, std::string_view request_json) {
    Prepared p = prepare(request_json, "generate request", true);
    HttpRequest request{Method::post, "/api/generate", std::move(p.body)};
    return p.stream ? streamed_completion(call, request, false) : buffered(call, request);
}

std::string OllamaClient::embed(const sdk::Call &call, std::string_view request_json) {
    Prepared p = prepare(request_json, "embed request", true);
    return buffered(call, HttpRequest{Method::post, "/api/embed", std::move(p.body)});
}

std::string OllamaClient::list_models(const sdk::Call &call) {
    return buffered(call, HttpRequest{Method::get, "/api/tags", {}});
}

std::string OllamaClient::show_model(const sdk::Call &call, std::string_view request_json) {
    Prepared p = prepare(request_json, "show request", false);
    return buffered(call, HttpRequest{Method::post, "/api/show", std::move(p.body)});
}

std::string OllamaClient::pull_model(const sdk::Call &call, std::string_view request_json) {
    Prepared p = prepare(request_json, "pull request", false);
    HttpRequest request{Method::post, "/api/pull", std::move(p.body)};
    if (!p.stream) {
        const std::string body = buffered(call, request);
        const json::Document doc = parse_object(body, "pull answer", TLLM_ERR_PROTOCOL);
        if (json::get_string(doc, "status").value_or("") != "success") {
            throw sdk::Error(TLLM_ERR_PROTOCOL, "Ollama at " + http_.base_url() +
                                                    " answered POST /api/pull without "
                                                    "\"status\": \"success\": " +
                                                    one_line(body, 200));
        }
        return R"({"status":"success"})";
    }
    bool success = false;
    StreamReader reader(
        http_.base_url(), what_of(request),
        [&](const json::Value &line) {
            const auto status = json::get_string(line, "status");
            if (!status) return;
            call.progress(*status, json::get_int(line, "completed").value_or(0),
                          json::get_int(line, "total").value_or(0));
            if (*status == "success") success = true;
        },
        [&] { return success; });
    const HttpResponse response = exchange(call, request, reader.sink());
    reader.finish(response);
    return R"({"status":"success"})";
}

std::string OllamaClient::server_version(const sdk::Call &call) {
    const HttpRequest request{Method::get, "/api/version", {}};
    const std::string body = buffered(call, request);
    const json::Document doc = parse_object(body, "version answer", TLLM_ERR_PROTOCOL);
    const auto version = json::get_string(doc, "version");
    if (!version) {
        throw sdk::Error(TLLM_ERR_PROTOCOL, "Ollama at " + http_.base_url() +
                                                " answered GET /api/version without a "
                                                "\"version\" string: " +
                                                one_line(body, 200));
    }
    json::Document out;
    out.SetObject();
    auto &a = out.GetAllocator();
    out.AddMember("version", json::string_value(*version, a), a);
    out.AddMember("endpoint", json::string_value(http_.base_url(), a), a);
    return json::to_string(out);
}

} // namespace tinyllm::ollama
