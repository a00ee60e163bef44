#include "tinyllm/wall_clock.hpp"

#include <cstdio>
#include <ctime>

namespace tinyllm {

std::string rfc3339_utc(int64_t epoch_ms) {
    const auto seconds = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(epoch_ms % 1000));
    return std::string(date) + fraction;
}

} // namespace tinyllm
