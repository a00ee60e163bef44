// The Ollama backend plugin: the tinyllm.backend/1 component "ollama" over OllamaClient.
#include "config.hpp"
#include "ollama_client.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::ollama {

class OllamaBackend final : public sdk::Backend {
public:
    static constexpr const char *kName = "ollama";
    static constexpr const char *kDescription =
        "local models served by Ollama (chat, generate, embed, list, show, pull) over HTTP";
    // Long descriptions are split into adjacent raw literals only to keep lines short.
    static constexpr const char *kConfigSchema =
        R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "Ollama backend",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "url": {
      "type": "string",
      "default": "http://127.0.0.1:11434",
      "x-env": "OLLAMA_HOST",
      "description": "Ollama server, in any form OLLAMA_HOST accepts: host, host:port, )"
        R"(http(s)://host[:port][/path]. No scheme means http and port 11434; )"
        R"(http:// defaults to port 80, https:// to 443. Bind addresses )"
        R"((0.0.0.0, [::]) mean this machine."
    },
    "connect_timeout_ms": {
      "type": "integer",
      "minimum": 1,
      "default": 2000,
      "description": "Milliseconds allowed to open the connection to Ollama."
    },
    "read_timeout_ms": {
      "type": "integer",
      "minimum": 0,
      "default": 120000,
      "description": "Longest silence (milliseconds) allowed while waiting for Ollama, )"
        R"(including the time it takes to load a model before the first token; )"
        R"(0 = no limit."
    },
    "request_timeout_ms": {
      "type": "integer",
      "minimum": 0,
      "default": 0,
      "description": "Overall limit (milliseconds) for one request including retries; )"
        R"(0 = none (the caller's own deadline still applies)."
    },
    "max_retries": {
      "type": "integer",
      "minimum": 0,
      "maximum": 100,
      "default": 3,
      "description": "How many times a request Ollama refuses as busy (HTTP 503 or 429) is )"
        R"(retried before giving up."
    },
    "retry_base_delay_ms": {
      "type": "integer",
      "minimum": 0,
      "default": 200,
      "description": "The first retry waits a random time up to this many milliseconds; the )"
        R"(bound doubles with each retry (exponential backoff with full jitter)."
    },
    "retry_max_delay_ms": {
      "type": "integer",
      "minimum": 0,
      "default": 5000,
      "description": "Upper bound (milliseconds) of the wait between two retries."
    },
    "keep_alive": {
      "type": ["string", "number"],
      "description": "How long Ollama keeps a model loaded after a request (\"10m\", \"1h\", )"
        R"(seconds as a number, -1 = forever, 0 = unload at once), added to chat, )"
        R"(generate and embed requests that do not set keep_alive. Absent: Ollama's )"
        R"(own default (OLLAMA_KEEP_ALIVE, 5m)."
    }
  }
})";

    OllamaBackend(sdk::Host host, std::string_view config_json)
        : client_(ClientConfig::from_json(config_json),
                  // The host logger is [any-thread]; log lines are the only output we make.
                  [host](tllm_log_level level, const std::string &message) {
                      if (host.log_enabled(level)) host.log(level, message);
                  }) {}

    std::string chat(sdk::Call &call, std::string_view request) override {
        return client_.chat(call, request);
    }
    std::string generate(sdk::Call &call, std::string_view request) override {
        return client_.generate(call, request);
    }
    std::string embed(sdk::Call &call, std::string_view request) override {
        return client_.embed(call, request);
    }
    std::string list_models(sdk::Call &call) override { return client_.list_models(call); }
    std::string show_model(sdk::Call &call, std::string_view request) override {
        return client_.show_model(call, request);
    }
    std::string pull_model(sdk::Call &call, std::string_view request) override {
        return client_.pull_model(call, request);
    }
    std::string server_version(sdk::Call &call) override { return client_.server_version(call); }

private:
    OllamaClient client_;
};

} // namespace tinyllm::ollama

namespace {
constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.ollama",
    .name = "Ollama backend",
    .version = "0.1.0",
    .description = "Runs chat, generation and embeddings on models served by a local or remote "
                   "Ollama server (OLLAMA_HOST), streaming tokens as they are produced.",
    .vendor = "TinyLLM",
    .license = nullptr,
};
} // namespace

TINYLLM_PLUGIN(kInfo, tinyllm::ollama::OllamaBackend)
