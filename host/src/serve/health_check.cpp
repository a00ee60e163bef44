#include "serve/health_check.hpp"

namespace tinyllm::serve {

void HealthCheck::record(bool up, std::string error, int64_t now_ms, double seconds) {
    const std::lock_guard lock(mutex_);
    if (up) {
        state_.down_since_ms = 0;
    } else if (state_.up || !state_.checked || state_.down_since_ms == 0) {
        state_.down_since_ms = now_ms; // it went down, or was down from the first check
    }
    state_.checked = true;
    state_.up = up;
    state_.error = std::move(error);
    state_.checked_at_ms = now_ms;
    state_.check_seconds = seconds;
}

HealthCheck::State HealthCheck::state() const {
    const std::lock_guard lock(mutex_);
    return state_;
}

} // namespace tinyllm::serve
