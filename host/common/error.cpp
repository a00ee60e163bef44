#include "tinyllm/error.hpp"

namespace tinyllm {

std::string_view to_string(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::usage: return "usage";
    case ErrorCode::config: return "config";
    case ErrorCode::plugin: return "plugin";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::cancelled: return "cancelled";
    case ErrorCode::protocol: return "protocol";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::remote: return "remote";
    case ErrorCode::io: return "io";
    case ErrorCode::limit_exceeded: return "limit_exceeded";
    case ErrorCode::internal: return "internal";
    }
    return "internal";
}

ErrorCode parse_error_code(std::string_view name) noexcept {
    for (int c = 0; c <= static_cast<int>(ErrorCode::internal); ++c) {
        if (to_string(static_cast<ErrorCode>(c)) == name) return static_cast<ErrorCode>(c);
    }
    return ErrorCode::internal;
}

ErrorCode from_status(tllm_status status) noexcept {
    switch (status) {
    case TLLM_ERR_INVALID_ARGUMENT: return ErrorCode::invalid_argument;
    case TLLM_ERR_NOT_FOUND: return ErrorCode::not_found;
    case TLLM_ERR_UNAVAILABLE: return ErrorCode::unavailable;
    case TLLM_ERR_TIMEOUT: return ErrorCode::timeout;
    case TLLM_ERR_CANCELLED: return ErrorCode::cancelled;
    case TLLM_ERR_PROTOCOL: return ErrorCode::protocol;
    case TLLM_ERR_UNSUPPORTED: return ErrorCode::unsupported;
    case TLLM_ERR_REMOTE: return ErrorCode::remote;
    case TLLM_OK:
    case TLLM_ERR_INTERNAL: break;
    }
    return ErrorCode::internal;
}

tllm_status to_status(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::usage:
    case ErrorCode::config:
    case ErrorCode::invalid_argument: return TLLM_ERR_INVALID_ARGUMENT;
    case ErrorCode::not_found: return TLLM_ERR_NOT_FOUND;
    case ErrorCode::unavailable: return TLLM_ERR_UNAVAILABLE;
    case ErrorCode::timeout: return TLLM_ERR_TIMEOUT;
    case ErrorCode::cancelled: return TLLM_ERR_CANCELLED;
    case ErrorCode::protocol: return TLLM_ERR_PROTOCOL;
    case ErrorCode::unsupported: return TLLM_ERR_UNSUPPORTED;
    case ErrorCode::remote: return TLLM_ERR_REMOTE;
    case ErrorCode::plugin:
    case ErrorCode::io:
    case ErrorCode::limit_exceeded:
    case ErrorCode::internal: break;
    }
    return TLLM_ERR_INTERNAL;
}

std::string_view status_name(tllm_status status) noexcept {
    switch (status) {
    case TLLM_OK: return "ok";
    case TLLM_ERR_INVALID_ARGUMENT: return "invalid argument";
    case TLLM_ERR_NOT_FOUND: return "not found";
    case TLLM_ERR_UNAVAILABLE: return "unavailable";
    case TLLM_ERR_TIMEOUT: return "timeout";
    case TLLM_ERR_CANCELLED: return "cancelled";
    case TLLM_ERR_PROTOCOL: return "protocol error";
    case TLLM_ERR_UNSUPPORTED: return "unsupported";
    case TLLM_ERR_REMOTE: return "remote error";
    case TLLM_ERR_INTERNAL: break;
    }
    return "internal error";
}

} // namespace tinyllm
