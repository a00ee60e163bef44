// Wall-clock time as the run store records it: milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace tinyllm {

inline int64_t now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace tinyllm
