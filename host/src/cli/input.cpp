#include "cli/input.hpp"

#include "cli/terminal.hpp"
#include "tinyllm/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tinyllm::cli {
namespace {

[[noreturn]] void too_large(size_t max_bytes, std::string_view what, std::string_view where) {
    throw Error(ErrorCode::limit_exceeded, std::string(what) + std::string(where) +
                                               " is larger than limits.max_input_bytes (" +
                                               std::to_string(max_bytes) + " bytes)");
}

} // namespace

std::string read_stdin(size_t max_bytes, std::string_view what) {
    std::string text;
    char buffer[65536];
    for (;;) {
        const size_t n = std::fread(buffer, 1, sizeof buffer, stdin);
        if (text.size() + n > max_bytes) too_large(max_bytes, what, " on stdin");
        text.append(buffer, n);
        if (n < sizeof buffer) break;
    }
    if (std::ferror(stdin) != 0) {
        throw Error(ErrorCode::io, "cannot read stdin: " + std::string(std::strerror(errno)));
    }
    return text;
}

void check_input_size(std::string_view text, size_t max_bytes, std::string_view what) {
    if (text.size() > max_bytes) too_large(max_bytes, what, "");
}

std::string prompt_from(const std::vector<std::string> &words, std::string_view command,
                        size_t max_bytes) {
    std::string prompt;
    for (const auto &w : words)
        prompt += (prompt.empty() ? "" : " ") + w;
    if ((prompt.empty() || prompt == "-") && !is_terminal(stdin)) {
        prompt = read_stdin(max_bytes, "the prompt");
    }
    if (prompt.empty() || prompt == "-") {
        throw Error(ErrorCode::usage,
                    std::string(command) + " needs a PROMPT (an argument, or text on stdin)");
    }
    check_input_size(prompt, max_bytes, "the prompt");
    return prompt;
}

} // namespace tinyllm::cli
