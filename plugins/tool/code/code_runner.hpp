// Runs a piece of code: in the bubblewrap sandbox when it is usable, otherwise (only with
// allow_unsandboxed) directly with limits alone. Decides which, and says why when neither.
#pragma once

#include "bwrap_command.hpp"
#include "process_runner.hpp"
#include "sandbox_options.hpp"

#include <tinyllm/plugin.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace tinyllm::code_tool {

struct RunOutcome {
    ProcessResult process;
    int exit_code = 0;      // the program's, or 128 + signal when a signal ended it
    int signal = 0;         // the signal that ended the program, 0 when it exited
    int64_t timeout_ms = 0; // the limit that applied (the caller's deadline may shorten it)
    bool sandboxed = true;
};

class CodeRunner {
public:
    using Warn = std::function<void(const std::string &)>;

    // `warn` receives the line logged on every unsandboxed run.
    CodeRunner(SandboxOptions options, Warn warn);

    // Runs `code`. Throws sdk::Error: UNAVAILABLE (no usable sandbox and allow_unsandboxed
    // off), CANCELLED, INVALID_ARGUMENT (code too large), INTERNAL (the host cannot fork).
    RunOutcome run(std::string_view code, Language language, const sdk::Call &call) const;

    // Empty when the sandbox works here; otherwise the one-line reason with the fix (the
    // message `run` throws as UNAVAILABLE). Starts a sandbox running /usr/bin/true (~20 ms).
    std::string sandbox_problem() const;

    const SandboxOptions &options() const { return options_; }

private:
    struct Located {
        std::string bwrap;   // absolute path, empty when not found
        std::string problem; // why the sandbox cannot be used, empty when it can
    };
    Located locate() const;
    RunOutcome run_sandboxed(const std::string &bwrap, std::string_view code, Language language,
                             int64_t timeout_ms, const sdk::Call *call) const;
    RunOutcome run_unsandboxed(std::string_view code, Language language, int64_t timeout_ms,
                               const sdk::Call &call) const;
    ProcessSpec base_spec(int64_t timeout_ms, const sdk::Call *call) const;

    SandboxOptions options_;
    Warn warn_;
};

} // namespace tinyllm::code_tool
