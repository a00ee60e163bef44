#include "draw.hpp"

#include <string>

namespace tinyllm::sim {

uint64_t fnv1a(std::string_view bytes, uint64_t hash) noexcept {
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

uint64_t mix(uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

Draw::Draw(int64_t seed, std::string_view model) noexcept : key_(mix(static_cast<uint64_t>(seed))) {
    add(model);
}

void Draw::add(std::string_view part) noexcept {
    const std::string length = std::to_string(part.size()) + ":";
    key_ = mix(fnv1a(part, fnv1a(length, key_)));
}

double Draw::uniform(std::string_view what) const noexcept {
    // The top 53 bits: every double in [0, 1) with that spacing is equally likely.
    return static_cast<double>(mix(fnv1a(what, key_)) >> 11) * 0x1.0p-53;
}

uint64_t Draw::pick(std::string_view what, uint64_t n) const noexcept {
    return static_cast<uint64_t>(uniform(what) * static_cast<double>(n)) % n;
}

} // namespace tinyllm::sim
