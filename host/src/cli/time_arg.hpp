// --since arguments, as metrics show and failures analyze take them: a duration ("90s", "30m",
// "1h", "7d", "2w") or a time ("2025-06-01", "2025-06-01T14:30", "...:00Z", "...+02:00").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tinyllm::cli {

// Milliseconds, or nullopt when `text` is not a duration (tinyllm/duration.hpp: "90s", "1h30m").
std::optional<int64_t> duration_ms(const std::string &text);

// "YYYY-MM-DD[(T| )HH:MM[:SS]][Z|(+|-)HH:MM]" as epoch ms (local time without a zone), or nullopt.
std::optional<int64_t> iso_time_ms(const std::string &text);

// "2025-06-01 14:30", local time: how a window's edge is shown.
std::string local_time(int64_t epoch_ms);

// Throws Error(usage) saying what --since takes.
[[noreturn]] void bad_since(const std::string &text);

} // namespace tinyllm::cli
