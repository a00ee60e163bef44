// The Ollama stream (plugins/backend/ollama): the input is the body of a streamed /api/chat or
// /api/generate answer, fed to the backend's reader as the network delivers it:
//   NdjsonSplitter (ndjson.cpp) cuts it into lines across chunk boundaries, each line is read
//   with json::parse_into, an {"error": ...} line becomes the remote error (errors.cpp), and
//   StreamAggregator (stream_aggregator.cpp) emits token/thinking events and folds the chunks
//   into the answer the host gets.
// `read_stream` below is ollama_client.cpp's StreamReader (handle/finish) line for line: that
// class sits in an anonymous namespace behind libcurl, so the target repeats its dozen lines
// and calls the real splitter, parser, error and aggregator code. Each input is read twice: as
// a chat answer in small chunks of varying size, and as a generate answer in one piece (the
// body of a response that was not streamed).
// Expected: sdk::Error (PROTOCOL for a bad line, REMOTE for an error line, UNAVAILABLE for a
// stream that ends before done). Findings besides crashes: an event or the result that is not
// valid JSON for the host, token/thinking events that do not add up to the result, an error
// message that is not one printable line.
#include "errors.hpp"
#include "fuzz_support.hpp"
#include "json_text.hpp"
#include "ndjson.hpp"
#include "stream_aggregator.hpp"

#include "tinyllm/error.hpp"
#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <string>
#include <string_view>

namespace {

namespace json = tinyllm::json;
namespace ollama = tinyllm::ollama;
namespace sdk = tinyllm::sdk;
using tinyllm::fuzz::fail;

// The events a call received, as the host reads them (json::parse_object of each).
struct Events {
    std::string tokens;
    std::string thinking;
};

tllm_call make_call(Events &events) {
    tllm_call call{};
    call.struct_size = sizeof(tllm_call);
    call.host_data = &events;
    call.is_cancelled = [](const tllm_call *) -> int32_t { return 0; };
    call.remaining_ms = [](const tllm_call *) -> int64_t { return -1; };
    call.emit = [](const tllm_call *c, const char *event) {
        auto &e = *static_cast<Events *>(c->host_data);
        json::Document doc;
        try {
            doc = json::parse_object(event, "event");
        } catch (const tinyllm::Error &error) {
            fail("the backend emitted an event the host cannot read",
                 std::string(event) + " -> " + error.what());
        }
        const auto type = json::get_string(doc, "type");
        const auto content = json::get_string(doc, "content");
        if (!type || !content) fail("an event without type or content", event);
        if (*type == "token") {
            e.tokens += *content;
        } else if (*type == "thinking") {
            e.thinking += *content;
        } else {
            fail("an event of an unexpected type", event);
        }
    };
    call.set_output = [](const tllm_call *, const char *) {};
    call.set_error = [](const tllm_call *, tllm_status, const char *) {};
    return call;
}

// An error message must stay one printable line of bounded length.
std::string checked_one_line(std::string_view text, size_t max_bytes) {
    std::string line = ollama::one_line(text, max_bytes);
    if (line.size() > max_bytes + 3) fail("one_line is longer than its limit", line);
    for (const char c : line) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7f) fail("one_line kept a control character", line);
    }
    return line;
}

// ollama_client.cpp's StreamReader: every line through handle(), then finish().
std::string read_stream(std::string_view body, ollama::StreamAggregator::Kind kind,
                        size_t chunking_seed, Events &events) {
    tllm_call raw = make_call(events);
    const sdk::Call call(&raw);
    ollama::StreamAggregator aggregator(kind);
    ollama::NdjsonSplitter splitter;
    const std::string base_url = "http://127.0.0.1:11434";
    const std::string what = "POST /api/chat";
    const auto handle = [&](std::string_view line) {
        if (aggregator.done()) return; // nothing after the final chunk matters
        const size_t index = splitter.lines();
        rapidjson::Document doc;
        const rapidjson::ParseResult parsed = json::parse_into(doc, line);
        if (!parsed || !doc.IsObject()) {
            const std::string why =
                parsed ? "not a JSON object" : json::parse_error_text(line, parsed);
            throw sdk::Error(TLLM_ERR_PROTOCOL, "Ollama at " + base_url + " sent an invalid line " +
                                                    std::to_string(index) + " in the stream of " +
                                                    what + " (" + why + "): \"" +
                                                    checked_one_line(line, 200) + "\"");
        }
        if (const std::string err = ollama::error_text(doc); !err.empty()) {
            throw sdk::Error(TLLM_ERR_REMOTE, "Ollama at " + base_url +
                                                  " reported an error during " + what + ": " +
                                                  checked_one_line(err, 400));
        }
        aggregator.add(doc, call);
    };
    if (chunking_seed == 0) {
        splitter.feed(body, handle);
    } else {
        // Chunks of 1..97 bytes, a sequence fixed by the seed (the input's length), so the same
        // input is always cut the same way.
        uint64_t state = chunking_seed * 0x9E3779B97F4A7C15ULL + 1;
        while (!body.empty()) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            const size_t n = std::min<size_t>(body.size(), 1 + state % 97);
            splitter.feed(body.substr(0, n), handle);
            body.remove_prefix(n);
        }
    }
    splitter.finish(handle);
    if (!aggregator.done()) {
        throw sdk::Error(TLLM_ERR_UNAVAILABLE,
                         "connection closed before the response was complete (Ollama at " +
                             base_url + ", " + what + ")");
    }
    return aggregator.result();
}

void read_as(std::string_view body, ollama::StreamAggregator::Kind kind, size_t chunking_seed) {
    Events events;
    std::string result;
    try {
        result = read_stream(body, kind, chunking_seed, events);
    } catch (const sdk::Error &e) {
        const tllm_status s = e.status();
        if (s != TLLM_ERR_PROTOCOL && s != TLLM_ERR_REMOTE && s != TLLM_ERR_UNAVAILABLE) {
            fail("the stream reader threw an unexpected status", e.what());
        }
        return;
    }
    // The host reads the answer through its one JSON policy.
    json::Document doc;
    try {
        doc = json::parse_object(result, "backend answer");
    } catch (const tinyllm::Error &e) {
        fail("the aggregated answer is not a JSON object the host can read",
             result + " -> " + e.what());
    }
    const bool chat = kind == ollama::StreamAggregator::Kind::chat;
    const json::Value *holder = chat ? json::find(doc, "message") : &doc;
    if (holder == nullptr || !holder->IsObject()) fail("the answer has no message", result);
    // What is not UTF-8 aside: the answer goes through json::to_string, which may replace it,
    // the events through the SDK's json_escape, which keeps it (see utf8_replaced).
    using tinyllm::fuzz::utf8_replaced;
    const char *text_key = chat ? "content" : "response";
    if (utf8_replaced(json::get_string(*holder, text_key).value_or("<none>")) !=
        utf8_replaced(events.tokens)) {
        fail("the token events do not add up to the answer", result);
    }
    if (utf8_replaced(json::get_string(*holder, "thinking").value_or("")) !=
        utf8_replaced(events.thinking)) {
        fail("the thinking events do not add up to the answer's thinking", result);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view body(reinterpret_cast<const char *>(data), size);
    try {
        read_as(body, ollama::StreamAggregator::Kind::chat, size + 1);
        read_as(body, ollama::StreamAggregator::Kind::generate, 0);
    } catch (const std::exception &e) {
        tinyllm::fuzz::fail_unexpected(e);
    }
    return 0;
}
