// Which arm of a live experiment serves a request. The assignment is sticky per input (the same
// input gets the same arm for as long as the experiment lasts, so a user who asks again sees the
// same behaviour and a retried request is not counted on both sides) and independent between
// experiments (the hash is seeded by the experiment's id, so the inputs one experiment sends to
// its candidate are not the ones the next sends). XXH3 (xxHash 0.8, a frozen, documented
// algorithm) rather than SHA-256: the arm is chosen on every request of the graph, and XXH3
// hashes a 4 KB prompt in a fraction of the time (bench/expansion_bench.cpp).
#pragma once

#include <cstdint>
#include <string_view>

namespace tinyllm::expansion {

// The seed of an experiment's assignment: computed once per experiment.
uint64_t arm_seed(std::string_view experiment_id) noexcept;

// True when the request `input` runs the candidate: a uniform draw in [0, 1) from the seeded
// hash of the input, below `share` (<= 0: never; >= 1: always). [any-thread]
bool candidate_arm(uint64_t seed, std::string_view input, double share) noexcept;

} // namespace tinyllm::expansion
