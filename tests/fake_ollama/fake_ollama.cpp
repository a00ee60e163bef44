// Implementation of FakeOllama: see fake_ollama.hpp for the contract and README.md for usage.
//
// Threading model: one acceptor thread polls the listening socket and a wake-up pipe; every
// accepted connection gets its own thread that serves requests on it until the client closes,
// the reply asks for a close, or the server stops. All shared state lives behind `Impl::mu`;
// connection bookkeeping behind `Impl::conn_mu` (so stop() can shut sockets down while
// connection threads are busy).
#include "fake_ollama.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace tinyllm::testing {

namespace {

using std::chrono::milliseconds;

constexpr std::size_t kMaxHeaderBytes = std::size_t{64} << 10;
constexpr std::size_t kMaxBodyBytes = std::size_t{256} << 20;
constexpr std::string_view kNdjson = "application/x-ndjson";

// ---- small string helpers ---------------------------------------------------------------

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

bool icontains(std::string_view haystack, std::string_view needle) {
    if (needle.size() > haystack.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        if (iequals(haystack.substr(i, needle.size()), needle)) return true;
    }
    return false;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

template <typename Int> std::optional<Int> parse_int(std::string_view s, int base = 10) {
    Int value{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return value;
}

// FNV-1a, used for stable fake digests and embeddings (no randomness: tests are repeatable).
std::uint64_t fnv1a(std::string_view s, std::uint64_t seed = 0xcbf29ce484222325ULL) {
    std::uint64_t h = seed;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string fake_sha256_hex(std::string_view name) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    std::uint64_t h = fnv1a(name);
    for (int word = 0; word < 4; ++word) {
        h = splitmix64(h);
        for (int nibble = 15; nibble >= 0; --nibble)
            out += kHex[(h >> (nibble * 4)) & 0xf];
    }
    return out;
}

// ---- model naming (Ollama treats "llama3.2" and "llama3.2:latest" as the same model) -----

std::string normalize_model(std::string_view name) {
    const std::size_t slash = name.rfind('/');
    const std::size_t colon = name.rfind(':');
    if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) {
        return std::string(name) + ":latest";
    }
    return std::string(name);
}

std::string model_family(std::string_view name) {
    const std::size_t slash = name.rfind('/');
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    const std::size_t end = name.find_first_of(".:");
    return std::string(name.substr(0, end));
}

// "qwen2.5:0.5b" -> "0.5B"; anything unrecognisable -> "7.6B".
std::string parameter_size(std::string_view name) {
    const std::size_t colon = name.rfind(':');
    if (colon != std::string_view::npos) {
        std::string_view tag = name.substr(colon + 1);
        std::size_t i = 0;
        while (i < tag.size() && ((tag[i] >= '0' && tag[i] <= '9') || tag[i] == '.'))
            ++i;
        if (i > 0 && i < tag.size() && (tag[i] == 'b' || tag[i] == 'm' || tag[i] == 'B')) {
            return std::string(tag.substr(0, i)) + (tag[i] == 'm' ? 'M' : 'B');
        }
    }
    return "7.6B";
}

// ---- JSON output helpers (bodies are assembled by hand: fast and in Ollama's field order) --

void append_quoted(std::string &out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        // Go's encoding/json escapes HTML-significant characters; Ollama streams show this.
        case '<':
        case '>':
        case '&':
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xf];
            } else if (c == 0xe2 && i + 2 < text.size() &&
                       static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                       (static_cast<unsigned char>(text[i + 2]) & 0xfe) == 0xa8) {
                // U+2028 / U+2029 are escaped by Go too (they break JavaScript parsers).
                out += (static_cast<unsigned char>(text[i + 2]) == 0xa8) ? "\\u2028" : "\\u2029";
                i += 2;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

void append_field(std::string &out, std::string_view key, std::string_view string_value) {
    append_quoted(out, key);
    out += ':';
    append_quoted(out, string_value);
}

void append_number(std::string &out, std::string_view key, std::uint64_t value) {
    append_quoted(out, key);
    out += ':';
    out += std::to_string(value);
}

void append_float(std::string &out, float value) {
    std::array<char, 32> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    out.append(buf.data(), ec == std::errc{} ? static_cast<std::size_t>(end - buf.data()) : 0);
}

std::string head_fields(const std::string &model) {
    std::string out = "{";
    append_field(out, "model", model);
    out += ',';
    append_field(out, "created_at", rfc3339_now());
    return out;
}

// Durations are invented but plausible and internally consistent (all in nanoseconds).
void append_metrics(std::string &out, const Usage &usage, std::size_t produced) {
    const std::uint64_t eval_count = usage.eval_count ? usage.eval_count : produced;
    const std::uint64_t load = 1'234'567;
    const std::uint64_t prompt_eval = 2'000'000 + usage.prompt_eval_count * 400'000;
    const std::uint64_t eval = eval_count * 8'000'000;
    out += ',';
    append_number(out, "total_duration", load + prompt_eval + eval + 500'000);
    out += ',';
    append_number(out, "load_duration", load);
    out += ',';
    append_number(out, "prompt_eval_count", usage.prompt_eval_count);
    out += ',';
    append_number(out, "prompt_eval_duration", prompt_eval);
    out += ',';
    append_number(out, "eval_count", eval_count);
    out += ',';
    append_number(out, "eval_duration", eval);
}

void append_tool_calls(std::string &out, const std::vector<ToolCall> &calls) {
    out += ",\"tool_calls\":[";
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (i) out += ',';
        out += "{\"function\":{";
        append_field(out, "name", calls[i].name);
        out += ",\"arguments\":";
        out += calls[i].arguments_json.empty() ? "{}" : calls[i].arguments_json;
        out += "}}";
    }
    out += ']';
}

std::string chat_message(std::string_view content, const std::vector<ToolCall> &calls) {
    std::string out = ",\"message\":{\"role\":\"assistant\",";
    append_field(out, "content", content);
    if (!calls.empty()) append_tool_calls(out, calls);
    out += '}';
    return out;
}

std::size_t estimate_tokens(std::size_t chars) {
    return chars / 4 + 1;
}

// ---- HTTP helpers ---------------------------------------------------------------------

std::string_view reason_phrase(int status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Request Entity Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

std::string http_date() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::array<char, 64> buf{};
    const std::size_t n = std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf.data(), n);
}

std::string default_method_for(std::string_view path) {
    if (path == "/" || path == "/api/tags" || path == "/api/version" || path == "/api/ps") {
        return "GET";
    }
    if (path == "/api/delete") return "DELETE";
    return "POST";
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool recv_more(int fd, std::string &buf) {
    std::array<char, 16384> tmp;
    for (;;) {
        const ssize_t n = ::recv(fd, tmp.data(), tmp.size(), 0);
        if (n > 0) {
            buf.append(tmp.data(), static_cast<std::size_t>(n));
            return true;
        }
        if (n < 0 && errno == EINTR) continue;
        return false; // orderly close, reset, or shutdown() by stop()
    }
}

enum class ReadStatus { ok, closed, bad_request };

bool parse_head(std::string_view head, Request &req) {
    const std::size_t line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return false;
    req.method = std::string(line.substr(0, sp1));
    req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    req.version = std::string(line.substr(sp2 + 1));
    req.path = req.target.substr(0, req.target.find('?'));
    if (req.method.empty() || req.target.empty() || !req.version.starts_with("HTTP/")) {
        return false;
    }
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        std::size_t end = head.find("\r\n", pos);
        if (end == std::string_view::npos) end = head.size();
        const std::string_view field = head.substr(pos, end - pos);
        const std::size_t colon = field.find(':');
        if (colon == std::string_view::npos || colon == 0) return false;
        req.headers.emplace_back(std::string(field.substr(0, colon)),
                                 std::string(trim(field.substr(colon + 1))));
        pos = end + 2;
    }
    return true;
}

// Reads a chunked request body (libcurl uses it for uploads of unknown size).
ReadStatus read_chunked_body(int fd, std::string &buf, std::string &body) {
    for (;;) {
        std::size_t eol;
        while ((eol = buf.find("\r\n")) == std::string::npos) {
            if (buf.size() > kMaxHeaderBytes) return ReadStatus::bad_request;
            if (!recv_more(fd, buf)) return ReadStatus::closed;
        }
        std::string_view size_text = std::string_view(buf).substr(0, eol);
        size_text = trim(size_text.substr(0, size_text.find(';')));
        const auto size = parse_int<std::size_t>(size_text, 16);
        if (!size || body.size() + *size > kMaxBodyBytes) return ReadStatus::bad_request;
        buf.erase(0, eol + 2);
        if (*size == 0) {
            // Skip optional trailers up to the empty line.
            for (;;) {
                while ((eol = buf.find("\r\n")) == std::string::npos) {
                    if (!recv_more(fd, buf)) return ReadStatus::closed;
                }
                const bool last = eol == 0;
                buf.erase(0, eol + 2);
                if (last) return ReadStatus::ok;
            }
        }
        while (buf.size() < *size + 2) {
            if (!recv_more(fd, buf)) return ReadStatus::closed;
        }
        body.append(buf, 0, *size);
        buf.erase(0, *size + 2);
    }
}

// Reads one request from `fd`; `buf` carries bytes already received (keep-alive/pipelining).
ReadStatus read_request(int fd, std::string &buf, Request &req) {
    std::size_t scan_from = 0;
    std::size_t head_end;
    for (;;) {
        // RFC 9112 allows (and Go ignores) empty lines before a request line.
        while (buf.starts_with("\r\n"))
            buf.erase(0, 2);
        head_end = buf.find("\r\n\r\n", scan_from);
        if (head_end != std::string::npos) break;
        if (buf.size() > kMaxHeaderBytes) return ReadStatus::bad_request;
        scan_from = buf.size() >= 3 ? buf.size() - 3 : 0;
        if (!recv_more(fd, buf)) return ReadStatus::closed;
    }
    if (!parse_head(std::string_view(buf).substr(0, head_end), req)) {
        return ReadStatus::bad_request;
    }
    buf.erase(0, head_end + 4);

    // Like Go's net/http: answer "100 Continue" only if the client is still waiting for it
    // (otherwise libcurl stalls for a second before sending the body anyway).
    const auto expect = req.header("Expect");
    const bool expects_continue = expect && iequals(*expect, "100-continue");
    auto send_continue = [&] { return send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n"); };

    const auto transfer_encoding = req.header("Transfer-Encoding");
    if (transfer_encoding && icontains(*transfer_encoding, "chunked")) {
        if (expects_continue && buf.empty() && !send_continue()) return ReadStatus::closed;
        return read_chunked_body(fd, buf, req.body);
    }
    std::size_t length = 0;
    if (const auto value = req.header("Content-Length")) {
        const auto parsed = parse_int<std::size_t>(trim(*value));
        if (!parsed || *parsed > kMaxBodyBytes) return ReadStatus::bad_request;
        length = *parsed;
    }
    if (expects_continue && buf.size() < length && !send_continue()) return ReadStatus::closed;
    while (buf.size() < length) {
        if (!recv_more(fd, buf)) return ReadStatus::closed;
    }
    req.body.assign(buf, 0, length);
    buf.erase(0, length);
    return ReadStatus::ok;
}

bool wants_keep_alive(const Request &req) {
    const auto connection = req.header("Connection");
    if (connection && icontains(*connection, "close")) return false;
    if (req.version == "HTTP/1.0") return connection && icontains(*connection, "keep-alive");
    return true;
}

void append_chunk(std::string &out, std::string_view bytes) {
    std::array<char, 20> hex{};
    auto [end, ec] = std::to_chars(hex.data(), hex.data() + hex.size(), bytes.size(), 16);
    (void)ec;
    out.append(hex.data(), end);
    out += "\r\n";
    out += bytes;
    out += "\r\n";
}

// ---- request-body helpers for the built-in handlers ---------------------------------------

std::string string_member(const rapidjson::Value &obj, const char *key) {
    const auto it = obj.FindMember(key);
    return it != obj.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : std::string();
}

bool bool_member(const rapidjson::Value &obj, const char *key, bool fallback) {
    const auto it = obj.FindMember(key);
    return it != obj.MemberEnd() && it->value.IsBool() ? it->value.GetBool() : fallback;
}

// Mirrors gin's ShouldBindJSON failures in Ollama's handlers.
std::optional<Reply> parse_json_body(const Request &req, rapidjson::Document &doc) {
    if (req.body.empty()) return Reply::error(400, "missing request body");
    doc.Parse(req.body.data(), req.body.size());
    if (doc.HasParseError() || !doc.IsObject()) return Reply::error(400, "invalid request body");
    return std::nullopt;
}

std::string model_member(const rapidjson::Value &obj) {
    std::string model = string_member(obj, "model");
    return model.empty() ? string_member(obj, "name") : model; // "name" is the legacy key
}

std::string serialize(const rapidjson::Value &value) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> writer(sb);
    value.Accept(writer);
    return std::string(sb.GetString(), sb.GetSize());
}

} // namespace

// ---- Request / Reply -------------------------------------------------------------------

std::optional<std::string> Request::header(std::string_view name) const {
    for (const auto &[key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return std::nullopt;
}

Reply Reply::json(int status, std::string body) {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Reply Reply::text(int status, std::string body, std::string content_type) {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    return r;
}

Reply Reply::error(int status, std::string_view message) {
    return json(status, error_json(message));
}

Reply Reply::stream(const std::vector<std::string> &ndjson_lines, int status) {
    Reply r;
    r.kind = Kind::stream;
    r.status = status;
    r.content_type = std::string(kNdjson);
    r.chunks.reserve(ndjson_lines.size() + 1);
    for (const auto &line : ndjson_lines)
        r.add_line(line);
    return r;
}

Reply Reply::disconnect() {
    Reply r;
    r.kind = Kind::disconnect;
    return r;
}

Reply Reply::raw(std::string bytes) {
    Reply r;
    r.kind = Kind::raw;
    r.body = std::move(bytes);
    return r;
}

Reply &Reply::with_reset() {
    reset = true;
    return *this;
}

Reply &Reply::add_line(std::string json, milliseconds delay) {
    json += '\n';
    chunks.push_back(Chunk{std::move(json), delay});
    return *this;
}

Reply &Reply::add_raw(std::string bytes, milliseconds delay) {
    chunks.push_back(Chunk{std::move(bytes), delay});
    return *this;
}

Reply &Reply::add_error_line(std::string_view message, milliseconds delay) {
    return add_line(error_json(message), delay);
}

Reply &Reply::add_split_line(const std::string &json, std::size_t split_at, milliseconds delay) {
    split_at = std::min(split_at, json.size());
    chunks.push_back(Chunk{json.substr(0, split_at), milliseconds{0}});
    chunks.push_back(Chunk{json.substr(split_at) + '\n', delay});
    return *this;
}

Reply &Reply::delay_headers(milliseconds delay) {
    header_delay = delay;
    return *this;
}

Reply &Reply::close_after(std::size_t n) {
    close_after_chunks = n;
    return *this;
}

Reply &Reply::with_header(std::string name, std::string value) {
    extra_headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

Reply &Reply::with_chunk_delay(milliseconds delay) {
    for (auto &chunk : chunks)
        chunk.delay = delay;
    return *this;
}

// ---- builders ------------------------------------------------------------------------

std::string json_quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    append_quoted(out, text);
    return out;
}

std::string rfc3339_now() {
    const auto now = std::chrono::system_clock::now();
    const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count();
    const std::time_t t = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 48> buf{};
    int n = std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%09lld",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                          tm.tm_sec, static_cast<long long>(nanos));
    // Go's RFC3339Nano drops trailing zeros of the fraction (and the dot if nothing is left).
    while (n > 0 && buf[static_cast<std::size_t>(n - 1)] == '0')
        --n;
    if (n > 0 && buf[static_cast<std::size_t>(n - 1)] == '.') --n;
    return std::string(buf.data(), static_cast<std::size_t>(n)) + 'Z';
}

std::string error_json(std::string_view message) {
    std::string out = "{";
    append_field(out, "error", message);
    out += '}';
    return out;
}

std::vector<std::string> default_answer_tokens() {
    return {"Hello", "!", " How", " can", " I", " help", " you", " today", "?"};
}

std::string chat_chunk_line(const std::string &model, std::string_view content) {
    std::string out = head_fields(model);
    out += chat_message(content, {});
    out += ",\"done\":false}";
    return out;
}

std::string chat_final_line(const std::string &model, const Usage &usage,
                            std::string_view done_reason) {
    std::string out = head_fields(model);
    out += chat_message("", {});
    out += ',';
    append_field(out, "done_reason", done_reason);
    out += ",\"done\":true";
    append_metrics(out, usage, 0);
    out += '}';
    return out;
}

Reply chat_stream(const std::string &model, const std::vector<std::string> &tokens,
                  const std::vector<ToolCall> &tool_calls, Usage usage) {
    Reply r = Reply::stream();
    r.chunks.reserve(tokens.size() + 2);
    for (const auto &token : tokens)
        r.add_line(chat_chunk_line(model, token));
    if (!tool_calls.empty()) {
        // Ollama delivers tool calls in their own done:false chunk with empty content.
        std::string line = head_fields(model);
        line += chat_message("", tool_calls);
        line += ",\"done\":false}";
        r.add_line(std::move(line));
    }
    if (usage.eval_count == 0) usage.eval_count = tokens.size() + tool_calls.size();
    r.add_line(chat_final_line(model, usage));
    return r;
}

Reply chat_json(const std::string &model, std::string_view content,
                const std::vector<ToolCall> &tool_calls, Usage usage) {
    std::string out = head_fields(model);
    out += chat_message(content, tool_calls);
    out += ",\"done_reason\":\"stop\",\"done\":true";
    append_metrics(out, usage, estimate_tokens(content.size()) + tool_calls.size());
    out += '}';
    return Reply::json(200, std::move(out));
}

std::string generate_chunk_line(const std::string &model, std::string_view response) {
    std::string out = head_fields(model);
    out += ',';
    append_field(out, "response", response);
    out += ",\"done\":false}";
    return out;
}

std::string generate_final_line(const std::string &model, const Usage &usage,
                                std::string_view done_reason) {
    std::string out = head_fields(model);
    out += ",\"response\":\"\",\"done\":true,";
    append_field(out, "done_reason", done_reason);
    out += ",\"context\":[1,2,3]";
    append_metrics(out, usage, 0);
    out += '}';
    return out;
}

Reply generate_stream(const std::string &model, const std::vector<std::string> &tokens,
                      Usage usage) {
    Reply r = Reply::stream();
    r.chunks.reserve(tokens.size() + 1);
    for (const auto &token : tokens)
        r.add_line(generate_chunk_line(model, token));
    if (usage.eval_count == 0) usage.eval_count = tokens.size();
    r.add_line(generate_final_line(model, usage));
    return r;
}

Reply generate_json(const std::string &model, std::string_view response, Usage usage) {
    std::string out = head_fields(model);
    out += ',';
    append_field(out, "response", response);
    out += ",\"done\":true,\"done_reason\":\"stop\",\"context\":[1,2,3]";
    append_metrics(out, usage, estimate_tokens(response.size()));
    out += '}';
    return Reply::json(200, std::move(out));
}

Reply tags_json(const std::vector<std::string> &models) {
    std::string out = "{\"models\":[";
    const std::string modified = rfc3339_now();
    for (std::size_t i = 0; i < models.size(); ++i) {
        const std::string name = normalize_model(models[i]);
        const std::string family = model_family(name);
        if (i) out += ',';
        out += '{';
        append_field(out, "name", name);
        out += ',';
        append_field(out, "model", name);
        out += ',';
        append_field(out, "modified_at", modified);
        out += ',';
        append_number(out, "size", 397'821'319);
        out += ',';
        append_field(out, "digest", fake_sha256_hex(name));
        out += ",\"details\":{\"parent_model\":\"\",\"format\":\"gguf\",";
        append_field(out, "family", family);
        out += ",\"families\":[";
        append_quoted(out, family);
        out += "],";
        append_field(out, "parameter_size", parameter_size(name));
        out += ",\"quantization_level\":\"Q4_K_M\"}}";
    }
    out += "]}";
    return Reply::json(200, std::move(out));
}

Reply show_json(const std::string &model, std::uint32_t context_length) {
    const std::string family = model_family(model);
    std::string out = "{";
    append_field(out, "modelfile",
                 "# Modelfile generated by \"ollama show\"\n# To build a new Modelfile based on "
                 "this one, replace the FROM line with:\n# FROM " +
                     normalize_model(model) + "\n\nFROM " + model +
                     "\nTEMPLATE \"\"\"{{ .Prompt }}\"\"\"\n");
    out += ',';
    append_field(out, "parameters", "stop                           \"<|im_end|>\"");
    out += ',';
    append_field(out, "template",
                 "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
                 "<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n");
    out += ",\"details\":{\"parent_model\":\"\",\"format\":\"gguf\",";
    append_field(out, "family", family);
    out += ",\"families\":[";
    append_quoted(out, family);
    out += "],";
    append_field(out, "parameter_size", parameter_size(normalize_model(model)));
    out += ",\"quantization_level\":\"Q4_K_M\"},\"model_info\":{";
    append_field(out, "general.architecture", family);
    out += ",\"general.file_type\":15,\"general.parameter_count\":494032768,";
    append_number(out, family + ".context_length", context_length);
    out += ',';
    append_number(out, family + ".embedding_length", 896);
    out += "},\"capabilities\":[\"completion\",\"tools\"],";
    append_field(out, "modified_at", rfc3339_now());
    out += '}';
    return Reply::json(200, std::move(out));
}

Reply version_json(std::string_view version) {
    std::string out = "{";
    append_field(out, "version", version);
    out += '}';
    return Reply::json(200, std::move(out));
}

Reply pull_stream(const std::string &model) {
    const std::string digest = fake_sha256_hex(normalize_model(model));
    const std::uint64_t total = 397'807'936;
    Reply r = Reply::stream({R"({"status":"pulling manifest"})"});
    // Go's omitempty drops "completed" while it is 0, exactly like the first real progress line.
    for (const std::uint64_t completed : {std::uint64_t{0}, total / 4, total / 2, total}) {
        std::string line = "{";
        append_field(line, "status", "pulling " + digest.substr(0, 12));
        line += ',';
        append_field(line, "digest", "sha256:" + digest);
        line += ',';
        append_number(line, "total", total);
        if (completed) {
            line += ',';
            append_number(line, "completed", completed);
        }
        line += '}';
        r.add_line(std::move(line));
    }
    r.add_line(R"({"status":"verifying sha256 digest"})");
    r.add_line(R"({"status":"writing manifest"})");
    r.add_line(R"({"status":"success"})");
    return r;
}

Reply pull_json() {
    return Reply::json(200, R"({"status":"success"})");
}

std::vector<float> fake_embedding(std::string_view text, std::size_t dims) {
    std::vector<float> v(dims);
    const std::uint64_t seed = fnv1a(text);
    double norm = 0;
    for (std::size_t i = 0; i < dims; ++i) {
        const std::uint64_t bits = splitmix64(seed + i);
        v[i] = static_cast<float>(static_cast<double>(bits >> 11) / 9007199254740992.0 * 2 - 1);
        norm += static_cast<double>(v[i]) * v[i];
    }
    norm = std::sqrt(norm);
    if (norm > 0) {
        for (auto &x : v)
            x = static_cast<float>(x / norm);
    }
    return v;
}

Reply embed_json(const std::string &model, const std::vector<std::string> &inputs,
                 std::size_t dims) {
    std::string out = "{";
    append_field(out, "model", model);
    out += ",\"embeddings\":[";
    std::size_t chars = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (i) out += ',';
        out += '[';
        const auto vec = fake_embedding(inputs[i], dims);
        for (std::size_t d = 0; d < vec.size(); ++d) {
            if (d) out += ',';
            append_float(out, vec[d]);
        }
        out += ']';
        chars += inputs[i].size();
    }
    out += "],";
    append_number(out, "total_duration", 14'143'917);
    out += ',';
    append_number(out, "load_duration", 1'019'500);
    out += ',';
    append_number(out, "prompt_eval_count", inputs.empty() ? 0 : estimate_tokens(chars));
    out += '}';
    return Reply::json(200, std::move(out));
}

// ---- server implementation --------------------------------------------------------------

struct FakeOllama::Impl {
    using RouteKey = std::pair<std::string, std::string>; // (method, path)

    struct Connection {
        std::thread thread;
        int fd = -1;           // guarded by conn_mu; -1 once the connection thread closed it
        bool finished = false; // guarded by conn_mu
        std::uint64_t id = 0;
    };

    int listen_fd = -1;
    int wake_pipe[2] = {-1, -1};
    std::uint16_t port = 0;
    std::thread acceptor;

    // Stop flag plus a condition variable so scripted delays end immediately on shutdown.
    std::atomic<bool> stopping{false};
    std::mutex stop_mu;
    std::condition_variable stop_cv;

    std::mutex conn_mu;
    std::list<std::unique_ptr<Connection>> connections;
    std::uint64_t next_connection_id = 1; // acceptor thread only

    mutable std::mutex mu; // guards everything below
    std::map<RouteKey, std::deque<Reply>> scripts;
    std::map<RouteKey, std::shared_ptr<const Handler>> defaults;
    std::vector<std::string> models{"qwen2.5:0.5b"};
    std::string version = "0.12.0";
    std::uint32_t context_length = 32768;
    std::size_t embedding_dims = 16;
    milliseconds token_delay{0};
    FaultPlan faults;
    std::mt19937_64 fault_random{1};
    FaultCounts fault_counts;
    bool recording = true;
    std::vector<Request> recorded;
    std::shared_ptr<const std::function<void(const Request &)>> observer;

    explicit Impl(std::uint16_t requested_port) {
        open_listener(requested_port);
        if (::pipe2(wake_pipe, O_CLOEXEC) != 0) {
            const int err = errno;
            ::close(listen_fd);
            throw std::system_error(err, std::generic_category(), "FakeOllama: pipe2");
        }
        acceptor = std::thread([this] { accept_loop(); });
    }

    ~Impl() { stop(); }

    void open_listener(std::uint16_t requested_port) {
        listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listen_fd < 0) {
            throw std::system_error(errno, std::generic_category(), "FakeOllama: socket");
        }
        const int one = 1;
        ::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(requested_port);
        socklen_t len = sizeof addr;
        if (::bind(listen_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
            ::listen(listen_fd, SOMAXCONN) != 0 ||
            ::getsockname(listen_fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
            const int err = errno;
            ::close(listen_fd);
            throw std::system_error(err, std::generic_category(),
                                    "FakeOllama: bind 127.0.0.1:" + std::to_string(requested_port));
        }
        port = ntohs(addr.sin_port);
    }

    void stop() {
        {
            std::lock_guard lock(stop_mu);
            stopping = true;
        }
        stop_cv.notify_all();
        const char byte = 1;
        [[maybe_unused]] const ssize_t n = ::write(wake_pipe[1], &byte, 1);
        if (acceptor.joinable()) acceptor.join();
        // No new connections can appear now; unblock every connection thread, then join.
        std::list<std::unique_ptr<Connection>> all;
        {
            std::lock_guard lock(conn_mu);
            for (auto &c : connections) {
                if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);
            }
            all.swap(connections);
        }
        for (auto &c : all) {
            if (c->thread.joinable()) c->thread.join();
        }
        ::close(listen_fd);
        ::close(wake_pipe[0]);
        ::close(wake_pipe[1]);
    }

    // Sleeps unless the server stops first; returns false if it did.
    bool pause(milliseconds delay) {
        if (delay.count() <= 0) return !stopping.load(std::memory_order_relaxed);
        std::unique_lock lock(stop_mu);
        return !stop_cv.wait_for(lock, delay, [this] { return stopping.load(); });
    }

    void accept_loop() {
        std::array<pollfd, 2> fds{pollfd{listen_fd, POLLIN, 0}, pollfd{wake_pipe[0], POLLIN, 0}};
        while (!stopping) {
            fds[0].revents = fds[1].revents = 0;
            if (::poll(fds.data(), fds.size(), -1) < 0) {
                if (errno == EINTR) continue;
                return;
            }
            if (fds[1].revents != 0) return;
            if (fds[0].revents & POLLIN) accept_one();
        }
    }

    void accept_one() {
        const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return; // e.g. ECONNABORTED; poll again
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); // streamed lines now
        reap_finished();
        auto conn = std::make_unique<Connection>();
        conn->fd = fd;
        conn->id = next_connection_id++;
        Connection *raw = conn.get();
        std::lock_guard lock(conn_mu);
        try {
            conn->thread = std::thread([this, raw] { serve(*raw); });
        } catch (const std::system_error &) {
            ::close(fd);
            return;
        }
        connections.push_back(std::move(conn));
    }

    // Joins threads of connections that ended, so long benchmarks don't accumulate them.
    void reap_finished() {
        std::list<std::unique_ptr<Connection>> done;
        {
            std::lock_guard lock(conn_mu);
            for (auto it = connections.begin(); it != connections.end();) {
                auto next = std::next(it);
                if ((*it)->finished) done.splice(done.end(), connections, it);
                it = next;
            }
        }
        for (auto &c : done)
            c->thread.join();
    }

    void serve(Connection &conn) {
        int fd;
        {
            std::lock_guard lock(conn_mu);
            fd = conn.fd;
        }
        std::string buf;
        while (!stopping) {
            Request req;
            const ReadStatus status = read_request(fd, buf, req);
            if (status == ReadStatus::closed) break;
            if (status == ReadStatus::bad_request) {
                send_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
                             "charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request");
                break;
            }
            req.connection_id = conn.id;
            record(req);
            const Reply reply = pick_reply(req);
            const bool keep_alive = wants_keep_alive(req);
            if (!write_reply(fd, req, reply, keep_alive) || !keep_alive) break;
        }
        std::lock_guard lock(conn_mu);
        ::close(conn.fd);
        conn.fd = -1;
        conn.finished = true;
    }

    void record(const Request &req) {
        std::shared_ptr<const std::function<void(const Request &)>> obs;
        {
            std::lock_guard lock(mu);
            if (recording) recorded.push_back(req);
            obs = observer;
        }
        if (obs) (*obs)(req);
    }

    Reply pick_reply(const Request &req) { return with_fault(req, planned_reply(req)); }

    Reply with_fault(const Request &req, Reply reply) {
        if (req.method != "POST" || (req.path != "/api/chat" && req.path != "/api/generate")) {
            return reply;
        }
        std::lock_guard lock(mu);
        if (faults.rate <= 0 ||
            std::uniform_real_distribution<double>(0, 1)(fault_random) >= faults.rate) {
            return reply;
        }
        switch (std::uniform_int_distribution<int>(0, 3)(fault_random)) {
        case 0:
            ++fault_counts.error;
            return Reply::error(500, "an injected fault: the model runner stopped");
        case 1:
            ++fault_counts.busy;
            return Reply::error(503, "server busy, please try again.  maximum pending requests "
                                     "exceeded");
        case 2:
            ++fault_counts.cut;
            if (reply.kind == Reply::Kind::stream && reply.chunks.size() > 1) {
                return reply.close_after(reply.chunks.size() / 2);
            }
            return Reply::disconnect();
        default: ++fault_counts.slow; return reply.delay_headers(faults.slow_delay);
        }
    }

    Reply planned_reply(const Request &req) {
        std::shared_ptr<const Handler> handler;
        {
            std::lock_guard lock(mu);
            const auto key = RouteKey{req.method, req.path};
            if (const auto it = scripts.find(key); it != scripts.end() && !it->second.empty()) {
                Reply reply = std::move(it->second.front());
                it->second.pop_front();
                return reply;
            }
            if (const auto it = defaults.find(key); it != defaults.end()) handler = it->second;
        }
        return handler ? (*handler)(req) : builtin(req);
    }

    // Returns false when the connection must be closed (abrupt close, stop, write error).
    bool write_reply(int fd, const Request &req, const Reply &reply, bool keep_alive) {
        if (!pause(reply.header_delay)) return false;
        const bool abrupt = reply.kind == Reply::Kind::disconnect ||
                            reply.kind == Reply::Kind::raw || reply.close_after_chunks;
        if (reply.reset && abrupt) {
            // The caller closes the socket when this returns false: with no linger, that close
            // discards what is unsent and sends RST.
            const linger hard{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        }
        if (reply.kind == Reply::Kind::disconnect) return false;
        if (reply.kind == Reply::Kind::raw) {
            send_all(fd, reply.body);
            return false;
        }
        const bool head_only = req.method == "HEAD";
        std::string out = "HTTP/1.1 ";
        out += std::to_string(reply.status);
        out += ' ';
        out += reason_phrase(reply.status);
        out += "\r\n";
        if (!reply.content_type.empty()) {
            out += "Content-Type: ";
            out += reply.content_type;
            out += "\r\n";
        }
        for (const auto &[name, value] : reply.extra_headers) {
            out += name;
            out += ": ";
            out += value;
            out += "\r\n";
        }
        out += "Date: ";
        out += http_date();
        out += "\r\n";
        if (!keep_alive) out += "Connection: close\r\n";
        if (reply.kind == Reply::Kind::body) {
            out += "Content-Length: ";
            out += std::to_string(reply.body.size());
            out += "\r\n\r\n";
            if (!head_only) out += reply.body;
            return send_all(fd, out);
        }
        out += "Transfer-Encoding: chunked\r\n\r\n";
        if (head_only) return send_all(fd, out);
        return write_chunks(fd, reply, out);
    }

    // Consecutive chunks without a delay share one send(); a delay flushes what is pending
    // first, so the client really receives the earlier chunks before the pause.
    bool write_chunks(int fd, const Reply &reply, std::string &out) {
        const std::size_t limit = reply.close_after_chunks.value_or(reply.chunks.size() + 1);
        std::size_t sent = 0;
        for (const Chunk &chunk : reply.chunks) {
            if (sent == limit) break;
            if (chunk.delay.count() > 0) {
                if (!send_all(fd, out)) return false;
                out.clear();
                if (!pause(chunk.delay)) return false;
            }
            if (!chunk.bytes.empty()) append_chunk(out, chunk.bytes); // size 0 would end it
            ++sent;
        }
        if (reply.close_after_chunks) {
            // Simulated crash: what was produced goes out, but no terminating chunk ever does.
            send_all(fd, out);
            return false;
        }
        out += "0\r\n\r\n";
        return send_all(fd, out);
    }

    // ---- built-in Ollama-like handlers ----

    bool has_model(std::string_view name) const {
        const std::string wanted = normalize_model(name);
        std::lock_guard lock(mu);
        return std::any_of(models.begin(), models.end(),
                           [&](const std::string &m) { return normalize_model(m) == wanted; });
    }

    Reply builtin(const Request &req) {
        const std::string_view method = req.method;
        const std::string_view path = req.path;
        const bool get = method == "GET" || method == "HEAD";
        if (get && path == "/") return Reply::text(200, "Ollama is running");
        if (get && path == "/api/version") {
            std::lock_guard lock(mu);
            return version_json(version);
        }
        if (get && path == "/api/tags") return tags_json(current_models());
        if (get && path == "/api/ps") return Reply::json(200, R"({"models":[]})");
        if (method == "POST") {
            if (path == "/api/chat") return handle_chat(req);
            if (path == "/api/generate") return handle_generate(req);
            if (path == "/api/show") return handle_show(req);
            if (path == "/api/pull") return handle_pull(req);
            if (path == "/api/embed") return handle_embed(req);
            if (path == "/api/embeddings") return handle_legacy_embeddings(req);
        }
        if (method == "DELETE" && path == "/api/delete") return handle_delete(req);
        // gin's NoRoute answer, which is what Ollama sends for unknown paths/methods.
        return Reply::text(404, "404 page not found", "text/plain");
    }

    std::vector<std::string> current_models() const {
        std::lock_guard lock(mu);
        return models;
    }

    milliseconds current_token_delay() const {
        std::lock_guard lock(mu);
        return token_delay;
    }

    static Reply model_not_found(const std::string &model) {
        return Reply::error(404, "model \"" + model + "\" not found, try pulling it first");
    }

    Reply handle_chat(const Request &req) {
        rapidjson::Document doc;
        if (auto bad = parse_json_body(req, doc)) return *bad;
        const std::string model = string_member(doc, "model");
        if (model.empty()) return Reply::error(400, "model is required");
        if (!has_model(model)) return model_not_found(model);
        const rapidjson::Value &body = doc; // const view: avoids C++20 iterator ambiguity
        const auto messages = body.FindMember("messages");
        if (messages == body.MemberEnd() || !messages->value.IsArray() || messages->value.Empty()) {
            // Ollama answers an empty chat by loading the model, always as one JSON object.
            std::string out = head_fields(model);
            out += chat_message("", {});
            out += ",\"done_reason\":\"load\",\"done\":true}";
            return Reply::json(200, std::move(out));
        }
        std::size_t chars = 0;
        for (const auto &m : messages->value.GetArray()) {
            if (m.IsObject()) chars += string_member(m, "content").size();
        }
        const Usage usage{estimate_tokens(chars), 0};
        if (!bool_member(doc, "stream", true)) {
            return chat_json(model, kDefaultAnswer, {}, usage);
        }
        return chat_stream(model, default_answer_tokens(), {}, usage)
            .with_chunk_delay(current_token_delay());
    }

    Reply handle_generate(const Request &req) {
        rapidjson::Document doc;
        if (auto bad = parse_json_body(req, doc)) return *bad;
        const std::string model = string_member(doc, "model");
        if (model.empty()) return Reply::error(400, "model is required");
        if (!has_model(model)) return model_not_found(model);
        const std::string prompt = string_member(doc, "prompt");
        if (prompt.empty()) {
            // An empty prompt loads (or with keep_alive 0, unloads) the model.
            const rapidjson::Value &body = doc;
            const auto keep = body.FindMember("keep_alive");
            const bool unload =
                keep != body.MemberEnd() && keep->value.IsNumber() && keep->value.GetDouble() == 0;
            std::string out = head_fields(model);
            out += ",\"response\":\"\",\"done\":true,";
            append_field(out, "done_reason", unload ? "unload" : "load");
            out += '}';
            return Reply::json(200, std::move(out));
        }
        const Usage usage{estimate_tokens(prompt.size()), 0};
        if (!bool_member(doc, "stream", true)) return generate_json(model, kDefaultAnswer, usage);
        return generate_stream(model, default_answer_tokens(), usage)
            .with_chunk_delay(current_token_delay());
    }

    Reply handle_show(const Request &req) {
        rapidjson::Document doc;
        if (auto bad = parse_json_body(req, doc)) return *bad;
        const std::string model = model_member(doc);
        if (model.empty()) return Reply::error(400, "model is required");
        if (!has_model(model)) return Reply::error(404, "model '" + model + "' not found");
        std::lock_guard lock(mu);
        return show_json(model, context_length);
    }

    Reply handle_pull(const Request &req) {
        rapidjson::Document doc;
        if (auto bad = parse_json_body(req, doc)) return *bad;
        const std::string model = model_member(doc);
        if (model.empty()) return Reply::error(400, "model is required");
        if (!has_model(model)) {
            std::lock_guard lock(mu);
            models.push_back(normalize_model(model));
        }
        if (!bool_member(doc, "stream", true)) return pull_json();
        return pull_stream(model).with_chunk_delay(current_token_delay());
    }

    static std::vector<std::string> embed_inputs(const rapidjson::Value &input) {
        std::vector<std::string> inputs;
        if (input.IsString()) inputs.emplace_back(input.GetString(), input.GetStringLength());
        if (input.IsArray()) {
            for (const auto &item : input.GetArray()) {
                if (item.IsString()) inputs.emplace_back(item.GetString(), item.GetStringLength());
            }
        }
        return inputs;
    }

    Reply handle_embed(const Request &req) {
        rapidjson::Document doc;
        if (auto bad = parse_json_body(req, doc)) return *bad;
        const std::string model = string_member(doc, "model");
        if (model.empty()) return Reply::error(400, "model is required");
        if (!has_model(model)) return model_not_found(model);
        const rapidjson::Value &body = doc;
        const auto input = body.FindMember("input");
        std::vector<std::string> inputs;
        if (input != body.MemberEnd()) inputs = embed_inputs(input->value);
        std::lock_guard lock(mu);
        return embed_json(model, inputs, embedding_dims);
    }

    Reply handle_legacy_embeddings(const Request &req) {
        rapidjson::Document doc;
        if (auto bad = parse_json_body(req, doc)) return *bad;
        const std::string model = string_member(doc, "model");
        if (model.empty()) return Reply::error(400, "model is required");
        if (!has_model(model)) return model_not_found(model);
        std::size_t dims;
        {
            std::lock_guard lock(mu);
            dims = embedding_dims;
        }
        std::string out = "{\"embedding\":[";
        const auto vec = fake_embedding(string_member(doc, "prompt"), dims);
        for (std::size_t d = 0; d < vec.size(); ++d) {
            if (d) out += ',';
            append_float(out, vec[d]);
        }
        out += "]}";
        return Reply::json(200, std::move(out));
    }

    Reply handle_delete(const Request &req) {
        rapidjson::Document doc;
        if (auto bad = parse_json_body(req, doc)) return *bad;
        const std::string model = model_member(doc);
        const std::string wanted = normalize_model(model);
        std::lock_guard lock(mu);
        const auto it = std::find_if(models.begin(), models.end(), [&](const std::string &m) {
            return normalize_model(m) == wanted;
        });
        if (it == models.end()) return Reply::error(404, "model '" + model + "' not found");
        models.erase(it);
        return Reply::text(200, "", "");
    }
};

// ---- script loading ---------------------------------------------------------------------

namespace {

[[noreturn]] void script_error(std::size_t index, const std::string &what) {
    throw std::invalid_argument("fake-ollama script entry " + std::to_string(index) + ": " + what);
}

milliseconds delay_member(const rapidjson::Value &obj, const char *key, std::size_t index) {
    const auto it = obj.FindMember(key);
    if (it == obj.MemberEnd()) return milliseconds{0};
    if (!it->value.IsInt64() || it->value.GetInt64() < 0) {
        script_error(index, std::string(key) + " must be a non-negative integer");
    }
    return milliseconds{it->value.GetInt64()};
}

void add_stream_item(Reply &reply, const rapidjson::Value &item, std::size_t index) {
    if (!item.IsObject()) script_error(index, "stream items must be objects");
    const milliseconds delay = delay_member(item, "delay_ms", index);
    if (const auto line = item.FindMember("line"); line != item.MemberEnd()) {
        const std::string text = serialize(line->value);
        const auto split = item.FindMember("split_at");
        if (split == item.MemberEnd()) {
            reply.add_line(text, delay);
            return;
        }
        if (!split->value.IsUint()) script_error(index, "split_at must be an unsigned integer");
        const std::size_t at = std::min<std::size_t>(split->value.GetUint(), text.size());
        reply.add_raw(text.substr(0, at), delay);
        reply.add_raw(text.substr(at) + '\n', delay_member(item, "split_delay_ms", index));
    } else if (const auto raw = item.FindMember("raw"); raw != item.MemberEnd()) {
        if (!raw->value.IsString()) script_error(index, "raw must be a string");
        reply.add_raw(std::string(raw->value.GetString(), raw->value.GetStringLength()), delay);
    } else if (const auto err = item.FindMember("error"); err != item.MemberEnd()) {
        if (!err->value.IsString()) script_error(index, "error must be a string");
        reply.add_error_line(err->value.GetString(), delay);
    } else {
        script_error(index, "stream items need one of line, raw, error");
    }
}

Reply parse_script_reply(const rapidjson::Value &entry, std::size_t index) {
    int status = 200;
    if (const auto it = entry.FindMember("status"); it != entry.MemberEnd()) {
        if (!it->value.IsInt()) script_error(index, "status must be an integer");
        status = it->value.GetInt();
    }
    Reply reply;
    if (bool_member(entry, "disconnect", false)) {
        reply = Reply::disconnect();
    } else if (const auto stream = entry.FindMember("stream"); stream != entry.MemberEnd()) {
        if (!stream->value.IsArray()) script_error(index, "stream must be an array");
        reply = Reply::stream({}, status);
        for (const auto &item : stream->value.GetArray())
            add_stream_item(reply, item, index);
    } else if (const auto text = entry.FindMember("body_text"); text != entry.MemberEnd()) {
        if (!text->value.IsString()) script_error(index, "body_text must be a string");
        reply = Reply::text(status,
                            std::string(text->value.GetString(), text->value.GetStringLength()));
    } else if (const auto body = entry.FindMember("body"); body != entry.MemberEnd()) {
        reply = Reply::json(status, serialize(body->value));
    } else {
        script_error(index, "needs one of body, body_text, stream, disconnect");
    }
    if (const auto ct = entry.FindMember("content_type"); ct != entry.MemberEnd()) {
        if (!ct->value.IsString()) script_error(index, "content_type must be a string");
        reply.content_type = ct->value.GetString();
    }
    if (const auto headers = entry.FindMember("headers"); headers != entry.MemberEnd()) {
        if (!headers->value.IsObject()) script_error(index, "headers must be an object");
        for (const auto &h : headers->value.GetObject()) {
            if (!h.value.IsString()) script_error(index, "header values must be strings");
            reply.with_header(h.name.GetString(), h.value.GetString());
        }
    }
    reply.header_delay = delay_member(entry, "delay_ms", index);
    if (const auto close = entry.FindMember("close_after"); close != entry.MemberEnd()) {
        if (!close->value.IsUint()) script_error(index, "close_after must be unsigned");
        reply.close_after(close->value.GetUint());
    }
    return reply;
}

} // namespace

// ---- FakeOllama ------------------------------------------------------------------------

FakeOllama::FakeOllama(std::uint16_t port) : impl_(std::make_unique<Impl>(port)) {}

FakeOllama::~FakeOllama() = default;

std::uint16_t FakeOllama::port() const {
    return impl_->port;
}

std::string FakeOllama::url() const {
    return "http://" + host_port();
}

std::string FakeOllama::host_port() const {
    return "127.0.0.1:" + std::to_string(impl_->port);
}

void FakeOllama::enqueue(std::string method, std::string path, Reply reply) {
    std::lock_guard lock(impl_->mu);
    impl_->scripts[{std::move(method), std::move(path)}].push_back(std::move(reply));
}

void FakeOllama::enqueue(std::string path, Reply reply) {
    std::string method = default_method_for(path);
    enqueue(std::move(method), std::move(path), std::move(reply));
}

void FakeOllama::set_default(std::string method, std::string path, Handler handler) {
    auto shared = std::make_shared<const Handler>(std::move(handler));
    std::lock_guard lock(impl_->mu);
    impl_->defaults[{std::move(method), std::move(path)}] = std::move(shared);
}

void FakeOllama::set_default(std::string method, std::string path, Reply reply) {
    set_default(std::move(method), std::move(path),
                Handler([reply = std::move(reply)](const Request &) { return reply; }));
}

void FakeOllama::clear_default(const std::string &method, const std::string &path) {
    std::lock_guard lock(impl_->mu);
    impl_->defaults.erase({method, path});
}

std::size_t FakeOllama::pending() const {
    std::lock_guard lock(impl_->mu);
    std::size_t total = 0;
    for (const auto &[key, queue] : impl_->scripts)
        total += queue.size();
    return total;
}

void FakeOllama::load_script(std::string_view json_text) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseCommentsFlag>(json_text.data(), json_text.size());
    if (doc.HasParseError()) {
        throw std::invalid_argument("fake-ollama script: invalid JSON at offset " +
                                    std::to_string(doc.GetErrorOffset()));
    }
    if (!doc.IsArray()) throw std::invalid_argument("fake-ollama script: expected a JSON array");
    // Parse everything first so a bad entry leaves the server unchanged.
    struct Entry {
        std::string method, path;
        Reply reply;
        unsigned repeat;
        bool is_default;
    };
    std::vector<Entry> entries;
    std::size_t index = 0;
    for (const auto &item : doc.GetArray()) {
        if (!item.IsObject()) script_error(index, "entries must be objects");
        std::string path = string_member(item, "path");
        if (path.empty() || path.front() != '/') script_error(index, "path must start with /");
        std::string method = string_member(item, "method");
        if (method.empty()) method = default_method_for(path);
        unsigned repeat = 1;
        if (const auto it = item.FindMember("repeat"); it != item.MemberEnd()) {
            if (!it->value.IsUint()) script_error(index, "repeat must be unsigned");
            repeat = it->value.GetUint();
        }
        entries.push_back({std::move(method), std::move(path), parse_script_reply(item, index),
                           repeat, bool_member(item, "default", false)});
        ++index;
    }
    for (auto &e : entries) {
        if (e.is_default) {
            set_default(e.method, e.path, e.reply);
            continue;
        }
        for (unsigned i = 0; i < e.repeat; ++i)
            enqueue(e.method, e.path, e.reply);
    }
}

void FakeOllama::load_script_file(const std::string &file_name) {
    std::ifstream in(file_name, std::ios::binary);
    if (!in) throw std::runtime_error("fake-ollama: cannot open script " + file_name);
    std::ostringstream text;
    text << in.rdbuf();
    load_script(text.str());
}

void FakeOllama::set_models(std::vector<std::string> models) {
    std::lock_guard lock(impl_->mu);
    impl_->models = std::move(models);
}

std::vector<std::string> FakeOllama::models() const {
    return impl_->current_models();
}

void FakeOllama::set_version(std::string version) {
    std::lock_guard lock(impl_->mu);
    impl_->version = std::move(version);
}

void FakeOllama::set_context_length(std::uint32_t tokens) {
    std::lock_guard lock(impl_->mu);
    impl_->context_length = tokens;
}

void FakeOllama::set_embedding_dims(std::size_t dims) {
    std::lock_guard lock(impl_->mu);
    impl_->embedding_dims = dims;
}

void FakeOllama::set_token_delay(milliseconds delay) {
    std::lock_guard lock(impl_->mu);
    impl_->token_delay = delay;
}

void FakeOllama::set_faults(FaultPlan plan) {
    std::lock_guard lock(impl_->mu);
    impl_->faults = plan;
    impl_->fault_random.seed(plan.seed);
}

FaultCounts FakeOllama::fault_counts() const {
    std::lock_guard lock(impl_->mu);
    return impl_->fault_counts;
}

std::vector<Request> FakeOllama::requests() const {
    std::lock_guard lock(impl_->mu);
    return impl_->recorded;
}

Request FakeOllama::last_request(std::string_view path) const {
    std::lock_guard lock(impl_->mu);
    const auto &all = impl_->recorded;
    const auto it =
        std::find_if(all.rbegin(), all.rend(), [&](const Request &r) { return r.path == path; });
    if (it == all.rend()) {
        throw std::out_of_range("FakeOllama: no request recorded for " + std::string(path));
    }
    return *it;
}

std::size_t FakeOllama::count(std::string_view path) const {
    std::lock_guard lock(impl_->mu);
    return static_cast<std::size_t>(
        std::count_if(impl_->recorded.begin(), impl_->recorded.end(),
                      [&](const Request &r) { return r.path == path; }));
}

void FakeOllama::clear_requests() {
    std::lock_guard lock(impl_->mu);
    impl_->recorded.clear();
}

void FakeOllama::set_recording(bool enabled) {
    std::lock_guard lock(impl_->mu);
    impl_->recording = enabled;
}

void FakeOllama::set_request_observer(std::function<void(const Request &)> observer) {
    auto shared =
        observer ? std::make_shared<const std::function<void(const Request &)>>(std::move(observer))
                 : nullptr;
    std::lock_guard lock(impl_->mu);
    impl_->observer = std::move(shared);
}

} // namespace tinyllm::testing
