#include "serve/access.hpp"

#include "tinyllm/digest.hpp"
#include "tinyllm/error.hpp"

#include <algorithm>
#include <cstdlib>

namespace tinyllm::serve {

namespace {

// Every byte compared whatever the first difference, so the time taken says nothing of how much
// of a guess was right.
bool same_in_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace

std::vector<std::string> AccessPolicy::key_hashes_of(const std::vector<std::string> &entries) {
    std::vector<std::string> hashes;
    for (const std::string &entry : entries) {
        if (entry.starts_with("sha256:")) {
            hashes.push_back(entry.substr(7));
            continue;
        }
        const std::string name = entry.substr(entry.find(':') + 1); // "env:NAME", the schema says
        const char *key = std::getenv(name.c_str());
        if (key == nullptr || *key == '\0') {
            throw Error(ErrorCode::config, "server.api_keys: " + entry +
                                               ": the environment "
                                               "variable " +
                                               name +
                                               " is not set (or empty), so "
                                               "that key would let no one in");
        }
        hashes.push_back(sha256_hex(key));
    }
    return hashes;
}

bool AccessPolicy::authorized(const HttpRequest &request) const {
    if (key_hashes_.empty()) return true;
    const std::string header = request.header("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() <= kBearer.size() ||
        !std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
        })) {
        return false;
    }
    const std::string presented = sha256_hex(std::string_view(header).substr(kBearer.size()));
    bool match = false;
    for (const std::string &hash : key_hashes_)
        match |= same_in_constant_time(presented, hash);
    return match;
}

std::optional<Headers> AccessPolicy::cors_headers(const HttpRequest &request) const {
    const std::string origin = request.header("Origin");
    if (origin.empty()) return std::nullopt;
    const bool any = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
    if (!any && std::find(origins_.begin(), origins_.end(), origin) == origins_.end()) {
        return std::nullopt;
    }
    return Headers{{"Access-Control-Allow-Origin", origin},
                   {"Vary", "Origin"},
                   {"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                   {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                   {"Access-Control-Expose-Headers", "X-TinyLLM-Run-Id, Retry-After"},
                   {"Access-Control-Max-Age", "600"}};
}

bool is_loopback(std::string_view host) {
    return host.starts_with("127.") || host == "::1" || host == "0:0:0:0:0:0:0:1";
}

} // namespace tinyllm::serve
