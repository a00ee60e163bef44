// When and how long to wait before retrying a request Ollama refused as busy.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace tinyllm::ollama {

// Ollama answers 503 when its request queue is full (OLLAMA_MAX_QUEUE) and a proxy in front of
// it may answer 429; both mean "try again later". Nothing else is retried: a 500 is a model
// failure that would fail again, and a refused connection means the server is not running.
inline bool is_retryable_status(long status) {
    return status == 503 || status == 429;
}

struct RetryPolicy {
    int max_retries = 3;
    std::chrono::milliseconds base_delay{200};
    std::chrono::milliseconds max_delay{5000};

    // Delay before retry number `retry` (0-based): "full jitter" — uniform in
    // [0, min(max_delay, base_delay * 2^retry)] — so clients that were refused together do not
    // come back together.
    template <class Rng> std::chrono::milliseconds delay(int retry, Rng &rng) const {
        const int64_t base = std::max<int64_t>(0, base_delay.count());
        const int64_t cap = std::max<int64_t>(0, max_delay.count());
        int64_t ceiling = base;
        for (int i = 0; i < retry && ceiling < cap; ++i)
            ceiling *= 2; // no overflow: stops at cap
        ceiling = std::min(ceiling, cap);
        std::uniform_int_distribution<int64_t> dist(0, ceiling);
        return std::chrono::milliseconds(dist(rng));
    }
};

} // namespace tinyllm::ollama
