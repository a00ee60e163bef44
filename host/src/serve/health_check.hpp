// Whether something the server needs answers — the backends, the run store — checked every few
// seconds off the I/O threads (the server's control queue): /readyz answers from the last check
// instead of asking on each probe, and /metrics shows it (tinyllm_backends_up and kin).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace tinyllm::serve {

class HealthCheck {
public:
    struct State {
        bool checked = false; // no check has ended yet
        bool up = false;
        std::string error; // why not, when down
        int64_t checked_at_ms = 0;
        int64_t down_since_ms = 0; // 0 while up
        double check_seconds = 0;  // how long the last check took
    };

    // A check ended. [any thread]
    void record(bool up, std::string error, int64_t now_ms, double seconds);
    State state() const;

private:
    mutable std::mutex mutex_;
    State state_;
};

} // namespace tinyllm::serve
