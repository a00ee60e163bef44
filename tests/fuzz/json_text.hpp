// Comparing text that went through a JSON writer (the targets that write JSON).
#pragma once

#include "tinyllm/json.hpp"

#include <string>
#include <string_view>

namespace tinyllm::fuzz {

// `text` with each byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD,
// as every JSON TinyLLM writes has it (json::replace_invalid_utf8; its own tests hold the
// rule). Text that went through a JSON writer is compared with this applied to both sides.
inline std::string utf8_replaced(std::string_view text) {
    std::string out(text);
    json::replace_invalid_utf8(out);
    return out;
}

} // namespace tinyllm::fuzz
