// The one place that maps errors to process exit codes (documented in docs/cli.md).
#pragma once

#include "tinyllm/error.hpp"

#include <string_view>

namespace tinyllm::cli {

enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,     // a check failed, or the remote side reported an error
    kExitUsage = 2,       // bad command line
    kExitConfig = 3,      // a config file is missing or invalid
    kExitPlugin = 4,      // a plugin is missing or failed to load
    kExitUnavailable = 5, // the model server is down or overloaded
    kExitTimeout = 6,
    kExitNotFound = 7,    // an unknown model, plugin...
    kExitNoVerdict = 8,   // grade: the judge could not grade (1 is its "fail" verdict)
    kExitCancelled = 130, // Ctrl-C, as shells report SIGINT
};

int exit_code_for(ErrorCode code) noexcept;

// The exit code of an error that ends `command`: exit_code_for's, except where the command gives
// 1 a meaning of its own (grade: a failing verdict), so an error there takes another code.
int exit_code_for(ErrorCode code, std::string_view command) noexcept;

} // namespace tinyllm::cli
