#include "config/system_config.hpp"

#include "config/config_file.hpp"
#include "config/paths.hpp"

#include <array>

namespace tinyllm::config {

namespace {

constexpr std::string_view schema_text = R"json({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "system.yaml",
  "description": "Host-wide settings of TinyLLM.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "data_dir": {
      "description": "Where runs, traces and graph versions are stored. \"~\" is the home directory; a relative path is relative to the config dir.",
      "type": "string",
      "minLength": 1,
      "default": "~/.local/share/tinyllm"
    },
    "retention": {
      "description": "How long recorded runs are kept. tinyllm serve deletes older ones at its start and every hour; tinyllm runs prune does it by hand.",
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "properties": {
        "max_age_days": {
          "description": "Runs that started longer ago than this are deleted with their traces and grades; the per-minute and per-hour metrics they counted stay. 0: runs are kept until `tinyllm runs prune`.",
          "type": "number",
          "minimum": 0,
          "default": 0
        }
      }
    },
    "plugins": {
      "description": "Extra plugin directories or plugin .so files, loaded in addition to the installed plugins. Relative paths are relative to the config dir.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "default": []
    },
    "isolation": {
      "description": "Which plugins run in a process of their own (tinyllm-plugin-host serve): a crash there fails the call in flight, not the host, and the process is restarted for the next call.",
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "properties": {
        "default": {
          "description": "How plugins not named in `plugins` run: in_process (fastest: a call is a function call) or process (each plugin in its own process; a call costs a round trip over a local socket).",
          "type": "string",
          "enum": ["in_process", "process"],
          "default": "in_process"
        },
        "plugins": {
          "description": "Per plugin, by its id (org.example.x), its file name (x.so) or its path: in_process or process.",
          "type": "object",
          "additionalProperties": {"type": "string", "enum": ["in_process", "process"]},
          "default": {}
        },
        "max_crashes": {
          "description": "How many times a plugin's process may crash before the plugin is disabled until the command is run again.",
          "type": "integer",
          "minimum": 1,
          "maximum": 100,
          "default": 3
        }
      }
    },
    "logging": {
      "description": "Where log lines go and how many.",
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "properties": {
        "level": {
          "description": "The least severe level written: trace, debug, info, warn, error or off. The environment variable TINYLLM_LOG_LEVEL overrides it.",
          "type": "string",
          "enum": ["trace", "debug", "info", "warn", "error", "off"],
          "default": "warn",
          "x-env": "TINYLLM_LOG_LEVEL"
        },
        "file": {
          "description": "Also append log lines to this file (\"\" = stderr only). \"~\" is the home directory; a relative path is relative to the config dir.",
          "type": "string",
          "default": ""
        }
      }
    },
    "limits": {
      "description": "Resource limits of the host.",
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "properties": {
        "max_concurrent_runs": {
          "description": "How many graph runs may execute at once (1..1024); further requests wait.",
          "type": "integer",
          "minimum": 1,
          "maximum": 1024,
          "default": 8
        },
        "max_parallel_branches": {
          "description": "How many branches of one fan-out run at once (1..256): the run's thread and up to this many minus one workers; the other branches wait for a free worker. Model servers answer few requests at once (Ollama: OLLAMA_NUM_PARALLEL), so more rarely helps.",
          "type": "integer",
          "minimum": 1,
          "maximum": 256,
          "default": 8
        },
        "max_input_bytes": {
          "description": "The largest prompt or message a command takes, as an argument or from stdin (run, ask, node, grade, tool); more is an error naming this limit.",
          "type": "integer",
          "minimum": 1,
          "default": 1048576
        },
        "max_file_bytes": {
          "description": "The largest config, graph or prompt file read (system.yaml itself is read under the default); more is an error naming the file and this limit.",
          "type": "integer",
          "minimum": 1024,
          "default": 4194304
        },
        "max_answer_bytes": {
          "description": "How much one model call may stream (its answer and thinking) before it is cut with an error naming this limit, so a model or server that never stops cannot fill the memory.",
          "type": "integer",
          "minimum": 1024,
          "default": 4194304
        },
        "request_timeout_ms": {
          "description": "Wall-clock budget of one request in milliseconds; 0 = no limit.",
          "type": "integer",
          "minimum": 0,
          "default": 300000
        },
        "control_timeout_ms": {
          "description": "Budget in milliseconds of a control call to a model server (its version, its model list, a model's details: doctor, models list, models show), so that a server that accepts and never answers is reported within seconds; 0 = no limit.",
          "type": "integer",
          "minimum": 0,
          "default": 10000
        },
        "max_queued_runs": {
          "description": "tinyllm serve: how many requests may wait for one of the max_concurrent_runs slots (0..100000); a request beyond them is refused at once as busy (HTTP 503 or 429 with Retry-After) rather than queued without bound.",
          "type": "integer",
          "minimum": 0,
          "maximum": 100000,
          "default": 64
        },
        "plugin_scan_timeout_ms": {
          "description": "How long a plugin may take to load and initialise in the plugin scanner (a child process) before it is reported as hung and skipped.",
          "type": "integer",
          "minimum": 100,
          "maximum": 600000,
          "default": 10000
        }
      }
    },
    "server": {
      "description": "tinyllm serve: where it listens and how it treats connections.",
      "type": "object",
      "additionalProperties": false,
      "default": {},
      "properties": {
        "listen": {
          "description": "The address and port it listens on, HOST:PORT ([::1]:PORT for IPv6): 127.0.0.1 is this machine only, 0.0.0.0 every interface. tinyllm serve --listen overrides it.",
          "type": "string",
          "pattern": "^(\\[[0-9a-fA-F:.]+\\]|[0-9.]+):[0-9]{1,5}$",
          "default": "127.0.0.1:11435"
        },
        "max_request_bytes": {
          "description": "The largest request body; a bigger one is refused (HTTP 413) without being read.",
          "type": "integer",
          "minimum": 1024,
          "default": 8388608
        },
        "request_timeout_ms": {
          "description": "How long a request (its head and body) may take to arrive once its first byte has: a client that sends slowly has its connection closed.",
          "type": "integer",
          "minimum": 100,
          "default": 10000
        },
        "idle_timeout_ms": {
          "description": "How long a kept-alive connection may wait for its next request before it is closed.",
          "type": "integer",
          "minimum": 100,
          "default": 60000
        },
        "write_timeout_ms": {
          "description": "How long one write may wait for a client that does not read; then the connection is closed and its run cancelled.",
          "type": "integer",
          "minimum": 100,
          "default": 30000
        },
        "max_unsent_bytes": {
          "description": "How much of a streamed answer (tokens, live events, a pass-through stream) may wait for a client that reads slower than it comes; beyond, the connection is closed and its run cancelled, as after write_timeout_ms.",
          "type": "integer",
          "minimum": 65536,
          "default": 8388608
        },
        "max_connections": {
          "description": "Open client connections at most; one more is answered 503 (server busy, Retry-After) and closed, so that a flood of idle or slow sockets cannot take every descriptor the server has.",
          "type": "integer",
          "minimum": 1,
          "default": 4096
        },
        "shutdown_grace_ms": {
          "description": "On SIGTERM or SIGINT: how long the runs in flight may take to finish before they are cancelled (each recorded as cancelled).",
          "type": "integer",
          "minimum": 0,
          "default": 30000
        },
        "io_threads": {
          "description": "Threads that read and write connections (1..64); graph runs have their own (limits.max_concurrent_runs).",
          "type": "integer",
          "minimum": 1,
          "maximum": 64,
          "default": 2
        },
        "api_keys": {
          "description": "The keys a client must send (Authorization: Bearer KEY) to use the server, each as \"sha256:\" and the hex SHA-256 of the key (printf %s KEY | sha256sum), or \"env:NAME\" to read the key from environment variable NAME at start. None: no key is asked for, and the server will only listen on this machine (127.0.0.1, [::1]) unless started with --insecure-no-auth. /healthz, /readyz and the dashboard's own files need no key.",
          "type": "array",
          "items": {"type": "string", "pattern": "^(sha256:[0-9a-f]{64}|env:[A-Za-z_][A-Za-z0-9_]*)$"},
          "default": []
        },
        "cors_origins": {
          "description": "Web pages of other origins allowed to call the server from a browser (CORS), as the browser sends them (\"https://chat.example.com\"), or \"*\" for any. None: only the server's own pages (the dashboard).",
          "type": "array",
          "items": {"type": "string", "pattern": "^(\\*|https?://[^/\\s]+)$"},
          "default": []
        },
        "passthrough": {
          "description": "Which requests for the backend's own models go to it: all (Ollama's whole API, model management too: pull, push, create, copy, delete, blobs), use (using models only: chat, generate, embeddings, show, lists; model management refused with 403), none (nothing: the graphs alone), or auto: all while the server listens on a loopback address, use on any other (a key holder may use the backend's models but not pull, create or delete them).",
          "enum": ["auto", "all", "use", "none"],
          "default": "auto"
        }
      }
    }
  }
})json";

const Schema &system_schema() {
    static const Schema schema(schema_text, "system.yaml schema");
    return schema;
}

constexpr std::array<std::pair<std::string_view, LogLevel>, 6> log_levels = {{
    {"trace", LogLevel::trace},
    {"debug", LogLevel::debug},
    {"info", LogLevel::info},
    {"warn", LogLevel::warn},
    {"error", LogLevel::error},
    {"off", LogLevel::off},
}};

std::string string_at(const json::Value &object, std::string_view key) {
    return json::get_string(object, key).value_or("");
}

// An integer the schema gives a default, so it is always there.
int64_t int_at(const json::Value &object, std::string_view key) {
    const std::optional<int64_t> value = json::get_int(object, key);
    if (!value) throw Error(ErrorCode::internal, "system.yaml: no default for " + std::string(key));
    return *value;
}

// A path from the file, or an error at the key's position when "~" cannot be expanded.
std::filesystem::path path_at(const ConfigFile &file, const std::string &pointer,
                              const std::string &text, const std::filesystem::path &base,
                              const Getenv &getenv) {
    if (text.empty()) return {};
    const auto resolved = resolve_path(text, base, getenv);
    if (resolved) return *resolved;
    // A default was never in the file: pointing at a line would send the user looking for it.
    if (file.positions->find(pointer) == nullptr) {
        throw Error(ErrorCode::config, file.path.string() + ": " + file.at().path(pointer) +
                                           ": the default \"" + text +
                                           "\" needs HOME, which is not set (set HOME or the key)");
    }
    throw Error(ErrorCode::config,
                file.at().describe(pointer, "cannot expand \"~\": HOME is not set"));
}

} // namespace

std::string_view to_string(LogLevel level) noexcept {
    for (const auto &[name, value] : log_levels) {
        if (value == level) return name;
    }
    return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept {
    for (const auto &[name, value] : log_levels) {
        if (name == text) return value;
    }
    return std::nullopt;
}

std::string_view system_schema_text() {
    return schema_text;
}

bool IsolationConfig::isolated(const std::filesystem::path &path, std::string_view id) const {
    for (const std::string &key :
         {std::string(id), path.string(), path.filename().string(), path.stem().string()}) {
        if (key.empty()) continue;
        if (const auto it = plugins.find(key); it != plugins.end()) return it->second;
    }
    return process_by_default;
}

SystemConfig load_system_config(const std::filesystem::path &path,
                                const std::filesystem::path &config_dir, const Getenv &getenv) {
    const ConfigFile file = load_config_file(path, system_schema(), getenv);
    const json::Value &root = file.root();
    const json::Value &logging = root["logging"];
    const json::Value &limits = root["limits"];

    SystemConfig config;
    config.source = path;
    config.data_dir = path_at(file, "/data_dir", string_at(root, "data_dir"), config_dir, getenv);
    const json::Value &plugins = root["plugins"];
    for (rapidjson::SizeType i = 0; i < plugins.Size(); ++i) {
        const std::string text(plugins[i].GetString(), plugins[i].GetStringLength());
        config.plugins.push_back(
            path_at(file, "/plugins/" + std::to_string(i), text, config_dir, getenv));
    }
    // The schema's enum already admitted the value, so parsing cannot fail here.
    config.logging.level = parse_log_level(string_at(logging, "level")).value_or(LogLevel::warn);
    config.logging.file =
        path_at(file, "/logging/file", string_at(logging, "file"), config_dir, getenv);
    config.limits.max_concurrent_runs =
        static_cast<int>(json::get_int(limits, "max_concurrent_runs").value_or(8));
    config.limits.max_parallel_branches =
        static_cast<int>(json::get_int(limits, "max_parallel_branches").value_or(8));
    config.limits.max_input_bytes =
        static_cast<size_t>(json::get_int(limits, "max_input_bytes").value_or(1048576));
    config.limits.max_file_bytes =
        static_cast<size_t>(json::get_int(limits, "max_file_bytes").value_or(4194304));
    config.limits.max_answer_bytes =
        static_cast<size_t>(json::get_int(limits, "max_answer_bytes").value_or(4194304));
    config.limits.request_timeout_ms = json::get_int(limits, "request_timeout_ms").value_or(300000);
    config.limits.control_timeout_ms = json::get_int(limits, "control_timeout_ms").value_or(10000);
    config.limits.plugin_scan_timeout_ms =
        json::get_int(limits, "plugin_scan_timeout_ms").value_or(10000);
    // The schema filled in every default: these keys are always there.
    config.limits.max_queued_runs = static_cast<int>(int_at(limits, "max_queued_runs"));
    config.retention.max_age_ms = static_cast<int64_t>(
        json::get_number(root["retention"], "max_age_days").value_or(0) * 86'400'000.0);
    const json::Value &server = root["server"];
    config.server.listen = string_at(server, "listen");
    config.server.max_request_bytes = static_cast<size_t>(int_at(server, "max_request_bytes"));
    config.server.request_timeout_ms = int_at(server, "request_timeout_ms");
    config.server.idle_timeout_ms = int_at(server, "idle_timeout_ms");
    config.server.write_timeout_ms = int_at(server, "write_timeout_ms");
    config.server.max_unsent_bytes = static_cast<size_t>(int_at(server, "max_unsent_bytes"));
    config.server.max_connections = static_cast<size_t>(int_at(server, "max_connections"));
    config.server.shutdown_grace_ms = int_at(server, "shutdown_grace_ms");
    config.server.io_threads = static_cast<int>(int_at(server, "io_threads"));
    for (const json::Value &key : server["api_keys"].GetArray())
        config.server.api_keys.emplace_back(key.GetString(), key.GetStringLength());
    config.server.passthrough = string_at(server, "passthrough");
    for (const json::Value &origin : server["cors_origins"].GetArray())
        config.server.cors_origins.emplace_back(origin.GetString(), origin.GetStringLength());
    const json::Value &isolation = root["isolation"];
    config.isolation.process_by_default = string_at(isolation, "default") == "process";
    for (const auto &m : isolation["plugins"].GetObject()) {
        config.isolation.plugins.emplace(
            std::string(m.name.GetString(), m.name.GetStringLength()),
            std::string_view(m.value.GetString(), m.value.GetStringLength()) == "process");
    }
    config.isolation.max_crashes =
        static_cast<int>(json::get_int(isolation, "max_crashes").value_or(3));
    config.env_overrides = file.env_overrides;
    return config;
}

} // namespace tinyllm::config
