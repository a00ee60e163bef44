// Durations as people write them in config files and on the command line, the way Prometheus
// does: a number and a unit, several in a row ("250ms", "30s", "5m", "1h30m", "7d", "2w").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm {

// Milliseconds, or nullopt when `text` is not a duration (no unit, an unknown unit, a sign, a
// fraction, or more than a year's worth of digits in one part).
std::optional<int64_t> parse_duration_ms(std::string_view text);

// The shortest way parse_duration_ms reads back: "0s", "250ms", "1m30s", "2h".
std::string format_duration_ms(int64_t ms);

} // namespace tinyllm
