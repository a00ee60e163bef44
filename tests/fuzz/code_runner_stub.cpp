// The code tool's CodeRunner for code_args_fuzz: the sandbox never starts. run() answers with
// an outcome made from the code itself (its bytes as stdout and, reversed, as stderr; exit
// status, signal and truncation picked from its length), so the result formatting the plugin
// does next (result_format.cpp: UTF-8 repair, escaping, the content text) sees arbitrary bytes.
// Replaces code_runner.cpp at link time; its header is the real one.
#include "code_runner.hpp"

#include <string>

namespace tinyllm::code_tool {

CodeRunner::CodeRunner(SandboxOptions options, Warn warn)
    : options_(std::move(options)), warn_(std::move(warn)) {}

RunOutcome CodeRunner::run(std::string_view code, Language language, const sdk::Call &) const {
    RunOutcome outcome;
    const size_t n = code.size();
    outcome.process.out.assign(code);
    outcome.process.err.assign(code.rbegin(), code.rend());
    if (language == Language::sh) outcome.process.err.clear();
    outcome.process.out_truncated = n % 7 == 3;
    outcome.process.err_truncated = n % 11 == 5;
    outcome.process.exited = n % 5 != 0;
    outcome.exit_code = outcome.process.exited ? static_cast<int>(n % 3) : 128 + 9;
    outcome.signal = outcome.process.exited ? 0 : (n % 2 == 0 ? 9 : 63);
    outcome.process.term_signal = outcome.signal;
    outcome.process.timed_out = n % 13 == 1;
    outcome.process.wall_ms = static_cast<int64_t>(n);
    outcome.process.cpu_ms = static_cast<int64_t>(n / 2);
    outcome.timeout_ms = options_.timeout_ms;
    outcome.sandboxed = n % 2 == 0;
    return outcome;
}

std::string CodeRunner::sandbox_problem() const {
    return {};
}

} // namespace tinyllm::code_tool
