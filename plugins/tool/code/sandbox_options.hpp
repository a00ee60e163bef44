// The code tool's configuration: resource limits, interpreter paths and the sandbox policy.
// One struct so every layer (argv builder, process runner, result text) reads the same numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tinyllm::code_tool {

// The uid/gid the program runs as, inside the sandbox always and outside it when the host runs
// as root. 65534 is "nobody" on Debian: it owns no files, so a program running as it can only
// write where it was given a directory.
inline constexpr unsigned kSandboxUid = 65534;
inline constexpr unsigned kSandboxGid = 65534;

// The only directories searched for a bare "bwrap": never the caller's PATH, which a user or an
// attacker-controlled environment could point at a fake sandbox.
inline constexpr const char *kSafePath = "/usr/bin:/bin";

struct SandboxOptions {
    int64_t timeout_ms = 10000;
    int64_t cpu_seconds = 5;
    int64_t memory_mb = 256;
    int64_t max_processes = 32;
    int64_t max_file_size_mb = 16;
    int64_t max_open_files = 64;
    int64_t max_output_bytes = 65536; // per stream
    std::string python = "/usr/bin/python3";
    std::string sh = "/bin/sh";
    std::string bwrap = "bwrap";
    bool allow_unsandboxed = false;
};

// The JSON Schema of the config (additionalProperties false; defaults are the values above).
// constexpr: the plugin descriptor that carries it is built at compile time.
inline constexpr const char *kConfigSchema =
    R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "Sandboxed code executor",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "timeout_ms": {
      "type": "integer", "minimum": 1, "maximum": 3600000, "default": 10000,
      "description": "Wall-clock limit of one run in milliseconds; the caller's own deadline )"
    R"(shortens it. The whole sandbox is killed when it passes."
    },
    "cpu_seconds": {
      "type": "integer", "minimum": 1, "maximum": 3600, "default": 5,
      "description": "CPU time limit per process (RLIMIT_CPU): SIGXCPU, then SIGKILL a )"
    R"(second later."
    },
    "memory_mb": {
      "type": "integer", "minimum": 16, "maximum": 65536, "default": 256,
      "description": "Address-space limit per process in MiB (RLIMIT_AS)."
    },
    "max_processes": {
      "type": "integer", "minimum": 2, "maximum": 4096, "default": 32,
      "description": "Processes and threads the program may have at once (RLIMIT_NPROC, )"
    R"(counted inside the sandbox's user namespace); contains fork bombs."
    },
    "max_file_size_mb": {
      "type": "integer", "minimum": 1, "maximum": 65536, "default": 16,
      "description": "Largest file the program may write, in MiB (RLIMIT_FSIZE). /tmp, the )"
    R"(only writable place, is a tmpfs of four times this size."
    },
    "max_open_files": {
      "type": "integer", "minimum": 16, "maximum": 65536, "default": 64,
      "description": "Open file descriptors per process (RLIMIT_NOFILE)."
    },
    "max_output_bytes": {
      "type": "integer", "minimum": 1, "maximum": 67108864, "default": 65536,
      "description": "Bytes of stdout and of stderr kept (each); the rest is dropped and the )"
    R"(result says so. A program writing 16 times this much is killed."
    },
    "python": {
      "type": "string", "default": "/usr/bin/python3",
      "description": "Absolute path of the Python interpreter. In the sandbox only /usr is )"
    R"(visible, so it must live under /usr (a pyenv or venv interpreter will not work)."
    },
    "sh": {
      "type": "string", "default": "/bin/sh",
      "description": "Absolute path of the POSIX shell for language \"sh\"."
    },
    "bwrap": {
      "type": "string", "default": "bwrap",
      "description": "bubblewrap: an absolute path, or a bare name looked up in )"
    R"(/usr/bin:/bin only (never the caller's PATH)."
    },
    "allow_unsandboxed": {
      "type": "boolean", "default": false,
      "description": "When bubblewrap is missing or cannot create namespaces, run the program )"
    R"(anyway with only resource limits, a scrubbed environment, a private working directory )"
    R"(and the seccomp filter (no filesystem or process isolation). Logged as a warning on )"
    R"(every run. Off by default: the tool then fails with an 'unavailable' error."
    }
  }
})";

// Reads a config object (already checked by the host against kConfigSchema, but tests and C
// callers may skip that, so ranges are checked again). Throws sdk::Error(INVALID_ARGUMENT).
SandboxOptions parse_options(std::string_view config_json);

} // namespace tinyllm::code_tool
