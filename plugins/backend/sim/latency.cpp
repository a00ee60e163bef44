#include "latency.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

namespace tinyllm::sim {

namespace {

using Clock = std::chrono::steady_clock;

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// How long a cancelled or expired call may go unnoticed.
constexpr auto kPoll = std::chrono::milliseconds(5);

void wait_until(sdk::Call &call, Clock::time_point until, std::string_view model) {
    for (;;) {
        if (call.cancelled()) throw sdk::Error(TLLM_ERR_CANCELLED, "cancelled");
        const int64_t remaining = call.remaining_ms();
        if (remaining == 0) {
            throw sdk::Error(TLLM_ERR_TIMEOUT, "simulated model " + std::string(model) +
                                                   ": the deadline passed while it was answering");
        }
        const Clock::time_point now = Clock::now();
        if (now >= until) return;
        std::this_thread::sleep_until(std::min(until, now + kPoll));
    }
}

Clock::time_point after(Clock::time_point start, double simulated_ms, double time_scale) {
    const double real_us = simulated_ms * time_scale * 1000.0;
    return start + std::chrono::microseconds(static_cast<int64_t>(std::llround(real_us)));
}

} // namespace

int64_t estimate_tokens(std::string_view text) {
    int64_t words = 0;
    bool in_word = false;
    for (const char c : text) {
        if (is_space(c)) {
            in_word = false;
        } else if (!in_word) {
            in_word = true;
            ++words;
        }
    }
    return static_cast<int64_t>(std::ceil(1.3 * static_cast<double>(words)));
}

std::vector<std::string_view> stream_pieces(std::string_view text) {
    std::vector<std::string_view> pieces;
    size_t start = 0;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i]))
            ++i;
        while (i < text.size() && !is_space(text[i]))
            ++i;
        pieces.push_back(text.substr(start, i - start));
        start = i;
    }
    return pieces;
}

Timing timing_for(const ModelSpec &model, int64_t prompt_tokens, int64_t completion_tokens) {
    return {prompt_tokens, completion_tokens, model.first_token_ms, model.per_token_ms};
}

void play(sdk::Call &call, const Timing &timing, double time_scale, std::string_view content,
          bool stream, std::string_view model) {
    const Clock::time_point start = Clock::now();
    const std::vector<std::string_view> pieces =
        stream ? stream_pieces(content) : std::vector<std::string_view>();
    const double writing_ms = timing.per_token_ms * static_cast<double>(timing.completion_tokens);
    for (size_t i = 0; i < pieces.size(); ++i) {
        const double share = static_cast<double>(i) / static_cast<double>(pieces.size());
        wait_until(call, after(start, timing.first_token_ms + writing_ms * share, time_scale),
                   model);
        call.token(pieces[i]);
    }
    wait_until(call, after(start, timing.total_ms(), time_scale), model);
}

} // namespace tinyllm::sim
