// The result document of a run and its "content" text, the part a model reads and
// `tinyllm tool code` prints.
#pragma once

#include "code_runner.hpp"

#include <string>
#include <string_view>

namespace tinyllm::code_tool {

// "SIGKILL" for 9; "SIG<number>" for a signal without a name.
std::string signal_name(int signal);

// Replaces invalid UTF-8 (a program's arbitrary bytes, a multi-byte character cut by the
// output cap) with U+FFFD, so the result is valid JSON text.
std::string sanitize_utf8(std::string_view bytes);

// Exactly stdout for a clean success (exit 0, empty stderr, nothing cut); otherwise stdout, a
// labelled stderr part and one bracketed line per thing that went wrong.
std::string content_text(const RunOutcome &outcome, const SandboxOptions &options);

// True when the caller should treat the run as failed: non-zero exit, a signal, a timeout.
bool is_error(const RunOutcome &outcome);

// {"content":...,"is_error":...,"stdout":...,"stderr":...,"exit_code":N,"signal":null|"SIGX",
//  "timed_out":b,"wall_ms":N,"cpu_ms":N,"stdout_truncated":b,"stderr_truncated":b,
//  "sandbox":"bubblewrap"|"none"}
std::string result_json(const RunOutcome &outcome, const SandboxOptions &options);

} // namespace tinyllm::code_tool
