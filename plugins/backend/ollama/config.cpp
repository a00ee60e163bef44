#include "config.hpp"

#include "errors.hpp"

#include <cmath>
#include <limits>

namespace tinyllm::ollama {
namespace {

constexpr std::string_view kWhat = "ollama backend config";

[[noreturn]] void bad(std::string_view key, const std::string &why) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                     std::string(kWhat) + ": \"" + std::string(key) + "\" " + why);
}

int64_t integer(const json::Value &v, std::string_view key, int64_t minimum, int64_t maximum) {
    int64_t n = 0;
    if (v.IsInt64()) {
        n = v.GetInt64();
    } else if (v.IsUint64()) {
        n = std::numeric_limits<int64_t>::max();
    } else if (v.IsDouble() && std::isfinite(v.GetDouble()) &&
               v.GetDouble() == std::floor(v.GetDouble()) && std::fabs(v.GetDouble()) < 9e15) {
        n = static_cast<int64_t>(v.GetDouble()); // 2000.0 is an integer to JSON Schema
    } else {
        bad(key, "must be an integer, got " + std::string(json::type_name(v)));
    }
    if (n < minimum) bad(key, "must be at least " + std::to_string(minimum));
    if (n > maximum) bad(key, "must be at most " + std::to_string(maximum));
    return n;
}

} // namespace

ClientConfig ClientConfig::from_json(std::string_view text) {
    ClientConfig c;
    const json::Document doc =
        parse_object(text.empty() ? "{}" : text, kWhat, TLLM_ERR_INVALID_ARGUMENT);
    constexpr int64_t kDay = 24LL * 3600 * 1000; // generous ceiling; keeps arithmetic sane
    for (const auto &m : doc.GetObject()) {
        const std::string_view key(m.name.GetString(), m.name.GetStringLength());
        const json::Value &v = m.value;
        if (v.IsNull()) continue;
        if (key == "url") {
            if (!v.IsString()) bad(key, "must be a string, got " + std::string(json::type_name(v)));
            c.url.assign(v.GetString(), v.GetStringLength());
        } else if (key == "connect_timeout_ms") {
            c.connect_timeout_ms = integer(v, key, 1, kDay);
        } else if (key == "read_timeout_ms") {
            c.read_timeout_ms = integer(v, key, 0, kDay);
        } else if (key == "request_timeout_ms") {
            c.request_timeout_ms = integer(v, key, 0, kDay);
        } else if (key == "max_retries") {
            c.max_retries = integer(v, key, 0, 100);
        } else if (key == "retry_base_delay_ms") {
            c.retry_base_delay_ms = integer(v, key, 0, kDay);
        } else if (key == "retry_max_delay_ms") {
            c.retry_max_delay_ms = integer(v, key, 0, kDay);
        } else if (key == "keep_alive") {
            if (!v.IsString() && !v.IsNumber()) {
                bad(key, "must be a duration string (\"5m\") or a number of seconds, got " +
                             std::string(json::type_name(v)));
            }
            c.keep_alive_json = json::to_string(v);
        } else {
            throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                             std::string(kWhat) + ": unknown key \"" + std::string(key) + "\"");
        }
    }
    return c;
}

} // namespace tinyllm::ollama
