// What a command takes as its input (a prompt, a message, a text to grade, a tool's arguments):
// an argument or stdin, never more than limits.max_input_bytes. A 100 MB prompt, or `tinyllm
// run < /dev/zero`, is one error naming the limit, not gigabytes of memory and of runs.db.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::cli {

// Everything on stdin, up to `max_bytes`; more is Error(limit_exceeded) "WHAT on stdin is larger
// than limits.max_input_bytes (N bytes)", said as soon as the limit is passed.
std::string read_stdin(size_t max_bytes, std::string_view what);

// Throws the same error for an argument larger than the limit.
void check_input_size(std::string_view text, size_t max_bytes, std::string_view what);

// The PROMPT of `run` and `ask`: the words joined by spaces; stdin when there are none (or "-")
// and stdin is not a terminal. Error(usage) "COMMAND needs a PROMPT ..." when there is none.
std::string prompt_from(const std::vector<std::string> &words, std::string_view command,
                        size_t max_bytes);

} // namespace tinyllm::cli
