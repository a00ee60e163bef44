#include "cli/time_arg.hpp"

#include "tinyllm/duration.hpp"
#include "tinyllm/error.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace tinyllm::cli {

[[noreturn]] void bad_since(const std::string &text) {
    throw Error(ErrorCode::usage,
                "--since takes a duration (30m, 1h, 7d, 2w) or a time (2025-06-01, "
                "2025-06-01T14:30, 2025-06-01T14:30:00Z, ...+02:00), not \"" +
                    text + "\"");
}

std::optional<int64_t> duration_ms(const std::string &text) {
    return parse_duration_ms(text);
}

std::optional<int64_t> iso_time_ms(const std::string &text) {
    std::tm tm{};
    int used = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &used) !=
            3 ||
        used != 10) {
        return std::nullopt;
    }
    size_t pos = 10;
    if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
        int n = 0;
        if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &n) != 2 ||
            n != 5) {
            return std::nullopt;
        }
        pos += 1 + 5;
        if (pos < text.size() && text[pos] == ':') {
            if (std::sscanf(text.c_str() + pos + 1, "%2d%n", &tm.tm_sec, &n) != 1 || n != 2) {
                return std::nullopt;
            }
            pos += 3;
        }
    }
    std::optional<int64_t> offset_min; // east of UTC
    if (pos < text.size() && text[pos] == 'Z') {
        offset_min = 0;
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int h = 0, m = 0, n = 0;
        if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h > 14 ||
            m > 59) {
            return std::nullopt;
        }
        offset_min = (text[pos] == '-' ? -1 : 1) * (h * 60 + m);
        pos += 6;
    }
    if (pos != text.size() || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
        return std::nullopt;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const int day = tm.tm_mday;
    std::time_t t = 0;
    if (offset_min) {
        t = ::timegm(&tm) - static_cast<std::time_t>(*offset_min * 60);
    } else {
        tm.tm_isdst = -1;
        t = std::mktime(&tm);
    }
    if (t == static_cast<std::time_t>(-1) || tm.tm_mday != day) return std::nullopt; // 02-30
    return static_cast<int64_t>(t) * 1000;
}

std::string local_time(int64_t epoch_ms) {
    const auto t = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

} // namespace tinyllm::cli
