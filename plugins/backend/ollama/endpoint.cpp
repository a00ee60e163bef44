#include "endpoint.hpp"

#include <tinyllm/plugin.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>

namespace tinyllm::ollama {
namespace {

constexpr std::string_view kDefaultPort = "11434";

std::string_view trim_chars(std::string_view s, std::string_view chars) {
    const size_t b = s.find_first_not_of(chars);
    if (b == std::string_view::npos) return {};
    const size_t e = s.find_last_not_of(chars);
    return s.substr(b, e - b + 1);
}

std::string_view trim_space(std::string_view s) {
    return trim_chars(s, " \t\r\n\v\f");
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Go's net.SplitHostPort: "host:port" or "[v6]:port"; nullopt where Go returns an error.
struct HostPort {
    std::string_view host;
    std::string_view port;
};
std::optional<HostPort> split_host_port(std::string_view hp) {
    const size_t i = hp.rfind(':');
    if (i == std::string_view::npos) return std::nullopt; // missing port
    std::string_view host;
    size_t j = 0;
    size_t k = 0;
    if (hp.front() == '[') {
        const size_t end = hp.find(']');
        if (end == std::string_view::npos) return std::nullopt;
        if (end + 1 != i) return std::nullopt; // missing port or too many colons
        host = hp.substr(1, end - 1);
        j = 1;
        k = end + 1;
    } else {
        host = hp.substr(0, i);
        if (host.find(':') != std::string_view::npos) return std::nullopt; // too many colons
    }
    if (hp.substr(j).find('[') != std::string_view::npos) return std::nullopt;
    if (hp.substr(k).find(']') != std::string_view::npos) return std::nullopt;
    return HostPort{host, hp.substr(i + 1)};
}

// Go's strconv.ParseInt(s, 10, 32) followed by Ollama's 0..65535 check.
std::optional<int> parse_port(std::string_view s) {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1); // ParseInt accepts a sign
    if (s.empty()) return std::nullopt;
    int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    if (value < 0 || value > 65535) return std::nullopt;
    return static_cast<int>(value);
}

// Go's net.ParseIP(s).String(): canonical text of an IP literal, nullopt if not one.
std::optional<std::string> canonical_ip(std::string_view text) {
    const std::string s(text);
    unsigned char buf[16];
    char out[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
        if (inet_ntop(AF_INET, buf, out, sizeof out) != nullptr) return std::string(out);
    }
    if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
        // Go prints an IPv4-mapped IPv6 address as plain IPv4.
        static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(buf, kMapped, sizeof kMapped) == 0) {
            if (inet_ntop(AF_INET, buf + 12, out, sizeof out) != nullptr) return std::string(out);
        }
        if (inet_ntop(AF_INET6, buf, out, sizeof out) != nullptr) return std::string(out);
    }
    return std::nullopt;
}

bool valid_host_char(unsigned char c) {
    // Unreserved URL characters, ':' for IPv6 literals, and non-ASCII bytes (IDN names).
    return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':' || c >= 0x80;
}

[[noreturn]] void invalid(std::string_view value, const std::string &why) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                     "url: invalid Ollama URL \"" + std::string(value) + "\": " + why);
}

} // namespace

Endpoint normalize_endpoint(std::string_view value) {
    // envconfig.Var trims spaces then quotes; Host() trims spaces once more.
    const std::string_view s = trim_space(trim_chars(trim_space(value), "\"'"));

    Endpoint ep;
    std::string_view default_port = kDefaultPort;
    std::string_view hostport = s;
    if (s == "ollama.com") {
        // Ollama's one special case: the hosted service.
        ep.scheme = "https";
        hostport = "ollama.com:443";
    } else if (const size_t sep = s.find("://"); sep == std::string_view::npos) {
        ep.scheme = "http";
    } else {
        ep.scheme = lower(s.substr(0, sep));
        hostport = s.substr(sep + 3);
        if (ep.scheme == "http")
            default_port = "80";
        else if (ep.scheme == "https")
            default_port = "443";
        else
            invalid(value, "unsupported scheme \"" + ep.scheme + "\" (use http or https)");
    }

    std::string_view path;
    if (const size_t slash = hostport.find('/'); slash != std::string_view::npos) {
        path = hostport.substr(slash + 1);
        hostport = hostport.substr(0, slash);
    }

    std::string host;
    std::string_view port_text;
    bool port_given = false;
    if (const auto split = split_host_port(hostport)) {
        host = std::string(split->host);
        port_text = split->port;
        port_given = true;
    } else {
        host = "127.0.0.1";
        if (auto ip = canonical_ip(trim_chars(hostport, "[]")))
            host = std::move(*ip);
        else if (!hostport.empty())
            host = std::string(hostport);
    }
    if (auto ip = canonical_ip(host)) host = std::move(*ip);

    const std::optional<int> port = parse_port(port_given ? port_text : default_port);
    if (port) {
        ep.port = *port;
    } else {
        ep.port = *parse_port(default_port);
        ep.warning = "invalid port \"" + std::string(port_text) + "\" in Ollama URL \"" +
                     std::string(value) + "\", using " + std::string(default_port);
    }

    // Bind addresses are not destinations: dial the loopback interface instead (see header).
    if (host.empty() || host == "0.0.0.0")
        host = "127.0.0.1";
    else if (host == "::")
        host = "::1";

    for (const char ch : host) {
        if (!valid_host_char(static_cast<unsigned char>(ch))) {
            invalid(value, "the host \"" + host + "\" contains '" + std::string(1, ch) + "'");
        }
    }
    if (host.find(':') != std::string::npos && !canonical_ip(host)) {
        invalid(value, "the host \"" + host + "\" is not a valid IPv6 address");
    }
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f || ch == '?' || ch == '#') {
            invalid(value, "the path \"" + std::string(path) +
                               "\" must not contain spaces, "
                               "control characters, '?' or '#'");
        }
    }
    ep.host = std::move(host);
    ep.path = std::string(trim_chars(path, "/"));
    return ep;
}

std::string Endpoint::base_url() const {
    std::string out = scheme + "://";
    if (host.find(':') != std::string::npos)
        out += "[" + host + "]";
    else
        out += host;
    out += ":" + std::to_string(port);
    if (!path.empty()) out += "/" + path;
    return out;
}

std::string Endpoint::url(std::string_view api_path) const {
    return base_url() + std::string(api_path);
}

bool Endpoint::is_loopback() const {
    if (host == "::1" || lower(host) == "localhost") return true;
    return host.rfind("127.", 0) == 0 && canonical_ip(host).has_value();
}

} // namespace tinyllm::ollama
