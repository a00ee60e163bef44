#include "tinyllm/duration.hpp"

#include <array>
#include <utility>

namespace tinyllm {

namespace {

struct Unit {
    std::string_view name;
    int64_t ms;
};
// Longest names first where one is a prefix of another ("ms" before "m").
constexpr std::array<Unit, 6> kUnits = {{{"ms", 1},
                                         {"s", 1000},
                                         {"m", 60'000},
                                         {"h", 3'600'000},
                                         {"d", 86'400'000},
                                         {"w", 604'800'000}}};

} // namespace

std::optional<int64_t> parse_duration_ms(std::string_view text) {
    if (text.empty()) return std::nullopt;
    int64_t total = 0;
    size_t at = 0;
    while (at < text.size()) {
        size_t digits = 0;
        int64_t n = 0;
        while (at + digits < text.size() && text[at + digits] >= '0' && text[at + digits] <= '9') {
            if (digits == 12) return std::nullopt; // keeps every product far from overflow
            n = n * 10 + (text[at + digits] - '0');
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        at += digits;
        const Unit *unit = nullptr;
        for (const Unit &u : kUnits) {
            if (text.substr(at, u.name.size()) == u.name) {
                unit = &u;
                break;
            }
        }
        if (unit == nullptr) return std::nullopt;
        at += unit->name.size();
        total += n * unit->ms;
        if (total > 366LL * 86'400'000 * 100) return std::nullopt; // a century: surely a typo
    }
    return total;
}

std::string format_duration_ms(int64_t ms) {
    if (ms == 0) return "0s";
    std::string out;
    if (ms < 0) {
        out += '-';
        ms = -ms;
    }
    // Weeks and days are left out: "36h" reads better than "1d12h" in an alert's "for".
    for (const auto &[name, size] : std::array<std::pair<const char *, int64_t>, 4>{
             {{"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}}}) {
        if (ms >= size) {
            out += std::to_string(ms / size) + name;
            ms %= size;
        }
    }
    return out;
}

} // namespace tinyllm
