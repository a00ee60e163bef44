// The command lines of a run: the program's own argv (interpreter + script) and the bubblewrap
// argv that wraps it in the sandbox. Pure functions of the options, so the policy can be read
// (and tested) as data.
#pragma once

#include "sandbox_options.hpp"

#include <string>
#include <vector>

namespace tinyllm::code_tool {

enum class Language { python, sh };

// The fds the process runner hands to bwrap (it places them at these numbers in the child).
inline constexpr int kCodeFd = 3;    // the program text, copied to kScriptDir/main.<ext>
inline constexpr int kSeccompFd = 4; // the BPF program (bwrap --seccomp)

// Where the program text appears inside the sandbox (read-only).
inline constexpr const char *kScriptDir = "/code";

// The environment the program sees: nothing of the host's (no tokens, no OLLAMA_HOST, no
// HOME). As KEY=VALUE strings.
std::vector<std::string> program_environment(const std::string &home);

// Interpreter argv for `language`, running the script at `script_path`.
std::vector<std::string> interpreter_argv(const SandboxOptions &options, Language language,
                                          const std::string &script_path);

// File name of the script for `language` ("main.py", "main.sh").
std::string script_name(Language language);

// The full bwrap argv (argv[0] = `bwrap_path`) running `program` in the sandbox, with the
// text read from kCodeFd at `script_path` (under kScriptDir). `program` is the interpreter
// argv; it is started through prlimit so RLIMIT_NPROC is set after the user namespace exists
// (see bwrap_command.cpp).
std::vector<std::string> bwrap_argv(const std::string &bwrap_path, const SandboxOptions &options,
                                    const std::string &script_path,
                                    const std::vector<std::string> &program);

// Where prlimit (util-linux) is expected; it runs inside the sandbox, so it must be under /usr.
inline constexpr const char *kPrlimitPath = "/usr/bin/prlimit";

} // namespace tinyllm::code_tool
