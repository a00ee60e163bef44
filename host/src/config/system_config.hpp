// config/system.yaml: host-wide settings (where data lives, plugins, logging, limits).
#pragma once

#include "config/env.hpp"
#include "config/schema.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::config {

enum class LogLevel { trace, debug, info, warn, error, off };

std::string_view to_string(LogLevel level) noexcept;
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;

struct LoggingConfig {
    LogLevel level = LogLevel::warn;
    std::filesystem::path file; // absolute; empty = stderr only
};

struct LimitsConfig {
    int max_concurrent_runs = 8;
    int max_queued_runs = 64;            // tinyllm serve: requests waiting for a slot
    int max_parallel_branches = 8;       // of one fan-out
    size_t max_input_bytes = 1 << 20;    // a prompt or message, argument or stdin
    size_t max_file_bytes = 4 << 20;     // a config, graph or prompt file
    size_t max_answer_bytes = 4 << 20;   // what one model call may stream
    int64_t request_timeout_ms = 300000; // 0 = no limit
    int64_t control_timeout_ms = 10000;  // a server's version, tags, show; 0 = no limit
    int64_t plugin_scan_timeout_ms = 10000;
};

// Which plugins run in a process of their own.
struct IsolationConfig {
    bool process_by_default = false;
    std::map<std::string, bool> plugins; // id, file name or path -> in its own process?
    int max_crashes = 3;

    // Whether the plugin at `path` with id `id` ("" when unknown) runs in its own process.
    bool isolated(const std::filesystem::path &path, std::string_view id) const;
};

// tinyllm serve's listening address and connection limits.
struct ServerConfig {
    std::string listen = "127.0.0.1:11435"; // HOST:PORT, [v6]:PORT
    size_t max_request_bytes = 8u << 20;
    int64_t request_timeout_ms = 10000; // from a request's first byte to its last
    int64_t idle_timeout_ms = 60000;    // a kept-alive connection between requests
    int64_t write_timeout_ms = 30000;   // one write to a client that does not read
    size_t max_unsent_bytes = 8u << 20; // of a stream, waiting for a client that reads slowly
    size_t max_connections = 4096;      // open client connections; one more: 503, closed
    int64_t shutdown_grace_ms = 30000;  // runs in flight at SIGTERM before they are cancelled
    int io_threads = 2;
    std::vector<std::string> api_keys;     // "sha256:HEX" or "env:NAME"
    std::vector<std::string> cors_origins; // "https://host[:port]" or "*"
    std::string passthrough = "auto";      // auto, all, use, none: what reaches the backend
};

// How long recorded runs are kept.
struct RetentionConfig {
    int64_t max_age_ms = 0; // 0: until `tinyllm runs prune`
};

struct SystemConfig {
    std::filesystem::path source;               // the system.yaml it came from
    std::filesystem::path data_dir;             // absolute, "~" expanded
    std::vector<std::filesystem::path> plugins; // absolute
    LoggingConfig logging;
    LimitsConfig limits;
    ServerConfig server;
    IsolationConfig isolation;
    RetentionConfig retention;
    std::vector<EnvOverride> env_overrides; // applied from the environment, for the log
};

// The JSON Schema of system.yaml: the documentation of every key (description, default).
// TINYLLM_LOG_LEVEL is declared on logging.level as "x-env".
std::string_view system_schema_text();

// Load and validate `path`. Relative paths in it are resolved against `config_dir` (which
// should be absolute); HOME comes from `getenv`. Errors are Error(ErrorCode::config) naming
// file:line:column, or the environment variable for an overridden value.
SystemConfig load_system_config(const std::filesystem::path &path,
                                const std::filesystem::path &config_dir,
                                const Getenv &getenv = process_getenv);

} // namespace tinyllm::config
