// The backend's instance configuration (see kConfigSchema in plugin.cpp for the documentation
// each key shows in `tinyllm plugins inspect`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::ollama {

struct ClientConfig {
    std::string url = "http://127.0.0.1:11434"; // OLLAMA_HOST forms accepted
    int64_t connect_timeout_ms = 2000;
    int64_t read_timeout_ms = 120000; // 0 = none
    int64_t request_timeout_ms = 0;   // 0 = none
    int64_t max_retries = 3;
    int64_t retry_base_delay_ms = 200;
    int64_t retry_max_delay_ms = 5000;
    // JSON text of the keep_alive value ("\"10m\"", "-1") added to chat, generate and embed
    // requests that carry none; unset = leave it to Ollama (OLLAMA_KEEP_ALIVE, default 5m).
    std::optional<std::string> keep_alive_json;

    // Parses the instance config; absent or null keys keep their defaults. Throws
    // sdk::Error(TLLM_ERR_INVALID_ARGUMENT) naming the key for an unknown key, a wrong type or a
    // negative value (the host validates against the schema first; this is the backstop).
    static ClientConfig from_json(std::string_view json);
};

} // namespace tinyllm::ollama
