// The simulation's randomness: every decision is a pure function of (seed, model, the whole
// conversation) and the decision's name, so the same conversation always gets the same answer,
// while a retry (whose messages carry the gate's feedback) or another model is a fresh draw.
#pragma once

#include <cstdint>
#include <string_view>

namespace tinyllm::sim {

// FNV-1a over bytes, continuing from `hash` (its offset basis to start).
uint64_t fnv1a(std::string_view bytes, uint64_t hash = 0xcbf29ce484222325ULL) noexcept;

// SplitMix64's finaliser: spreads the bits of `x` so that nearby keys give unrelated draws.
uint64_t mix(uint64_t x) noexcept;

class Draw {
public:
    // Starts the key from the seed and the model name; add() folds in the conversation.
    Draw(int64_t seed, std::string_view model) noexcept;

    // Folds in one part of the conversation; parts are length-prefixed, so ("ab","c") and
    // ("a","bc") differ.
    void add(std::string_view part) noexcept;

    // A number in [0, 1) for the decision named `what`; independent across names.
    double uniform(std::string_view what) const noexcept;
    // An index in [0, n) for the decision named `what` (n > 0).
    uint64_t pick(std::string_view what, uint64_t n) const noexcept;

    uint64_t key() const noexcept { return key_; }

private:
    uint64_t key_;
};

} // namespace tinyllm::sim
