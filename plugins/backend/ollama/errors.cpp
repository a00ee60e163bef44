#include "errors.hpp"

#include <tinyllm/error.hpp>

#include <algorithm>

namespace tinyllm::ollama {

std::string one_line(std::string_view text, size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes) + 4);
    bool space = false;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += ch;
        // A printable byte past the limit: the cut below is decided, the rest is never shown.
        if (out.size() > max_bytes && c != ' ') break;
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    if (out.size() > max_bytes) {
        size_t cut = max_bytes;
        // Back up to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
            --cut;
        out.resize(cut);
        out += "...";
    }
    return out;
}

json::Document parse_object(json::Text text, std::string_view what, tllm_status status) {
    try {
        return json::parse_object(text, what, from_status(status));
    } catch (const tinyllm::Error &e) {
        throw sdk::Error(status, one_line(e.what(), 600));
    }
}

std::string error_text(const json::Value &doc) {
    const json::Value *err = json::find(doc, "error");
    if (err == nullptr) return {};
    if (err->IsString()) return std::string(err->GetString(), err->GetStringLength());
    return json::to_string(*err); // {"error": {...}} from a proxy or a future version
}

void throw_http_error(const HttpResponse &response, const std::string &base_url,
                      std::string_view what) {
    const long status = response.status;
    const std::string prefix = "Ollama at " + base_url + " answered HTTP " +
                               std::to_string(status) + " to " + std::string(what);
    std::string text;
    rapidjson::Document doc;
    if (json::parse_into(doc, response.body) && doc.IsObject()) text = error_text(doc);

    if (text.empty()) {
        const std::string body = one_line(response.body, 200);
        if (status == 503 || status == 429) {
            throw sdk::Error(TLLM_ERR_UNAVAILABLE, prefix + (body.empty() ? "" : ": " + body));
        }
        throw sdk::Error(TLLM_ERR_PROTOCOL,
                         prefix + " with a body that is not an Ollama error document" +
                             (body.empty() ? std::string(" (empty)") : ": \"" + body + "\"") +
                             " (is it an Ollama server, and recent enough for this API?)");
    }

    tllm_status code = TLLM_ERR_REMOTE;
    switch (status) {
    case 400:
    case 413:
    case 422: code = TLLM_ERR_INVALID_ARGUMENT; break;
    case 404: code = TLLM_ERR_NOT_FOUND; break;
    case 408: code = TLLM_ERR_TIMEOUT; break;
    case 429:
    case 503: code = TLLM_ERR_UNAVAILABLE; break;
    default: break;
    }
    throw sdk::Error(code, prefix + ": " + one_line(text));
}

} // namespace tinyllm::ollama
