// Text from a trace made fit for one line of a report: what models, tools and plugins wrote may
// hold newlines, terminal escape sequences (ESC, CSI) or broken UTF-8, and must neither break the
// table nor drive the user's terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tinyllm::forensics {

// `text` on one line: C0 and C1 control characters (newlines, tabs and ESC included), DEL and the
// bidirectional overrides become spaces, runs of spaces one space, the ends trimmed; a byte that
// is not part of valid UTF-8 becomes '?'.
std::string sanitise(std::string_view text);

// sanitise(text), cut to at most `max_chars` code points, the cut marked with "…".
std::string excerpt(std::string_view text, size_t max_chars = 160);

} // namespace tinyllm::forensics
