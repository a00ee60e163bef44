// The fenced code blocks of a Markdown answer (``` or ~~~, as CommonMark opens and closes
// them), which the code_block, code_runs and json rules look into.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::answer {

struct FencedBlock {
    std::string language; // canonical_language of the info string's first word; "" untagged
    std::string code;     // the lines between the fences, each ending with '\n'
    size_t line = 0;      // 1-based line of the opening fence
};

struct Fences {
    std::vector<FencedBlock> blocks; // closed blocks, in order
    // The line of a fence that is never closed (a truncated answer), if any. Its text is not a
    // block: running or parsing half a program would only produce a confusing reason.
    std::optional<size_t> unclosed_line;
};

// Any indentation is accepted before a fence (models indent them inside list items).
Fences find_fences(std::string_view markdown);

// " (the fence on line 3 is never closed)" when a fence is unclosed, else "": a rule that found
// no block says so, since a cut-off answer is the usual cause and the model can fix it.
std::string unclosed_fence_note(const Fences &fences);

// Lower-case language name with the common aliases folded: py, python3 -> python; shell ->
// sh; js -> javascript; ts -> typescript; c++ -> cpp.
std::string canonical_language(std::string_view name);

// `text` with the lines of every fenced block (fences included) blanked, so prose scans do not
// read numbers or equations out of code. Line structure and byte offsets are kept.
std::string without_fenced_code(std::string_view markdown);

} // namespace tinyllm::answer
