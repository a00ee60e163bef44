#include "expansion/arm.hpp"

#include <xxhash.h>

namespace tinyllm::expansion {

uint64_t arm_seed(std::string_view experiment_id) noexcept {
    return XXH3_64bits(experiment_id.data(), experiment_id.size());
}

bool candidate_arm(uint64_t seed, std::string_view input, double share) noexcept {
    if (!(share > 0)) return false; // also NaN
    if (share >= 1) return true;
    const uint64_t h = XXH3_64bits_withSeed(input.data(), input.size(), seed);
    // The top 53 bits as a double in [0, 1): exact, and uniform as the hash is.
    const double u = static_cast<double>(h >> 11) * 0x1.0p-53;
    return u < share;
}

} // namespace tinyllm::expansion
