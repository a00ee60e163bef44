// The one error type of TinyLLM's C++ code. Every failure that reaches the CLI is an Error; the
// CLI maps its code to an exit code in exactly one place (host/src/cli/exit_codes.hpp).
#pragma once

#include <tinyllm/plugin.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace tinyllm {

enum class ErrorCode {
    usage,  // bad command line
    config, // a config file is missing, malformed or invalid
    plugin, // a plugin could not be found, loaded or initialised
    invalid_argument,
    not_found,
    unavailable, // a server is down or overloaded
    timeout,
    cancelled,
    protocol, // a peer answered something malformed
    unsupported,
    remote,         // the remote side reported a failure
    io,             // a local file or directory could not be read or written
    limit_exceeded, // a configured bound was hit (max_steps, max_visits)
    internal,
};

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string &message) : std::runtime_error(message), code_(code) {}
    ErrorCode code() const noexcept { return code_; }

private:
    ErrorCode code_;
};

std::string_view to_string(ErrorCode code) noexcept;
// The code named by to_string, or internal for an unknown name (a record from a newer version).
ErrorCode parse_error_code(std::string_view name) noexcept;
ErrorCode from_status(tllm_status status) noexcept;
tllm_status to_status(ErrorCode code) noexcept;
std::string_view status_name(tllm_status status) noexcept;

} // namespace tinyllm
