// Who may use `tinyllm serve`: the API keys a request must carry (Authorization: Bearer KEY,
// compared by SHA-256 in constant time, so the config holds hashes, never keys) and the browser
// origins allowed to call it from their pages (CORS).
#pragma once

#include "serve/http_exchange.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::serve {

class AccessPolicy {
public:
    AccessPolicy() = default;
    // `key_hashes`: hex SHA-256 of each key; `origins`: "https://host[:port]" or "*".
    AccessPolicy(std::vector<std::string> key_hashes, std::vector<std::string> origins)
        : key_hashes_(std::move(key_hashes)), origins_(std::move(origins)) {}

    // server.api_keys' entries ("sha256:HEX", "env:NAME") as hashes; throws Error(config) for a
    // variable that is not set or empty (a server that would otherwise ask for no key).
    static std::vector<std::string> key_hashes_of(const std::vector<std::string> &entries);

    bool requires_key() const noexcept { return !key_hashes_.empty(); }
    // The request may pass: no key is asked for, or it carries one of them.
    bool authorized(const HttpRequest &request) const;
    // The CORS headers for a request from an allowed origin (none for another, or without one).
    std::optional<Headers> cors_headers(const HttpRequest &request) const;

private:
    std::vector<std::string> key_hashes_;
    std::vector<std::string> origins_;
};

// 127.0.0.0/8 or ::1: an address only this machine can reach.
bool is_loopback(std::string_view host);

} // namespace tinyllm::serve
