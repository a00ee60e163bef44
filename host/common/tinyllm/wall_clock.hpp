// Wall-clock time as the run store records it: milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tinyllm {

inline int64_t now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// "2026-12-05T20:50:01.123Z": a time as JSON APIs (Ollama's, Alertmanager's) write one.
std::string rfc3339_utc(int64_t epoch_ms);

} // namespace tinyllm
