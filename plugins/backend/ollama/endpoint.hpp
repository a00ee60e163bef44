// Where the Ollama server is: an OLLAMA_HOST-style value normalised into a base URL.
#pragma once

#include <string>
#include <string_view>

namespace tinyllm::ollama {

struct Endpoint {
    std::string scheme; // "http" or "https"
    std::string host;   // without brackets: "127.0.0.1", "::1", "example.com"
    int port = 11434;
    std::string path;    // proxy prefix without leading/trailing '/', usually empty
    std::string warning; // non-empty when part of the value was ignored (e.g. a bad port)

    // "http://127.0.0.1:11434", "https://[::1]:443/ollama" — no trailing slash.
    std::string base_url() const;
    // base_url() + api_path ("/api/chat").
    std::string url(std::string_view api_path) const;
    // True for 127.0.0.0/8, ::1 and "localhost": such hosts never go through an HTTP proxy.
    bool is_loopback() const;
};

// Normalises a value the way Ollama's envconfig.Host() does, so `OLLAMA_HOST=...` means the
// same thing to TinyLLM as to the `ollama` CLI:
//   ""                     -> http://127.0.0.1:11434
//   "1.2.3.4"              -> http://1.2.3.4:11434      (no scheme: http, port 11434)
//   "http://host"          -> http://host:80            (explicit http: port 80)
//   "https://host"         -> https://host:443
//   "example.com:1234/x/"  -> http://example.com:1234/x (path prefix kept, trailing '/' dropped)
//   "::1", "[::1]"         -> http://[::1]:11434
//   an invalid port        -> the scheme's default port, with `warning` set
// Surrounding spaces and quotes are ignored, as Ollama does.
// One deliberate difference: Ollama's CLI reaches a *bind* address such as "0.0.0.0", "[::]"
// or ":1234" because Go dials the local host for them; we rewrite those to loopback
// (127.0.0.1 / ::1) so the URL is connectable and printable.
// Throws tinyllm::sdk::Error(TLLM_ERR_INVALID_ARGUMENT) for a scheme other than http/https or
// a host with characters no URL host may contain.
Endpoint normalize_endpoint(std::string_view value);

} // namespace tinyllm::ollama
