#include "cli/exit_codes.hpp"

namespace tinyllm::cli {

int exit_code_for(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::usage: return kExitUsage;
    case ErrorCode::config: return kExitConfig;
    case ErrorCode::plugin: return kExitPlugin;
    case ErrorCode::unavailable: return kExitUnavailable;
    case ErrorCode::timeout: return kExitTimeout;
    case ErrorCode::not_found: return kExitNotFound;
    case ErrorCode::cancelled: return kExitCancelled;
    case ErrorCode::invalid_argument:
    case ErrorCode::protocol:
    case ErrorCode::unsupported:
    case ErrorCode::remote:
    case ErrorCode::io:
    case ErrorCode::limit_exceeded:
    case ErrorCode::internal: break;
    }
    return kExitFailure;
}

int exit_code_for(ErrorCode code, std::string_view command) noexcept {
    const int exit = exit_code_for(code);
    if (command == "grade" && exit == kExitFailure) return kExitNoVerdict;
    return exit;
}

} // namespace tinyllm::cli
