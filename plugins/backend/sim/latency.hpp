// The simulated time a model takes: a time to the first token, then a time per token. Tokens
// are estimated from words (about 1.3 tokens per English word for the BPE vocabularies of
// small models such as Qwen 2.5; close enough for costs, and the same for every model, so
// comparisons between graphs hold). The simulated durations are reported unscaled; the sleeping
// that makes them real is scaled by time_scale, so benchmarks can run at full speed (0) and
// still report what the run would have cost.
#pragma once

#include "sim_config.hpp"

#include <tinyllm/plugin.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::sim {

// Estimated tokens in `text`: ceil(1.3 * words), at least 1 for text that is not blank.
int64_t estimate_tokens(std::string_view text);

// `text` cut where tokens would stream: each piece is a word with the whitespace before it.
std::vector<std::string_view> stream_pieces(std::string_view text);

struct Timing {
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    double first_token_ms = 0; // simulated: reading the prompt, up to the first token
    double per_token_ms = 0;
    double total_ms() const {
        return first_token_ms + per_token_ms * static_cast<double>(completion_tokens);
    }
};

Timing timing_for(const ModelSpec &model, int64_t prompt_tokens, int64_t completion_tokens);

// Waits out the simulated time (scaled by `time_scale`), emitting `content`'s pieces as token
// events when `stream` is set, each when its share of the writing time has passed. Polls the
// call every few milliseconds: throws sdk::Error(TLLM_ERR_CANCELLED) once it is cancelled and
// TLLM_ERR_TIMEOUT once its deadline has passed.
void play(sdk::Call &call, const Timing &timing, double time_scale, std::string_view content,
          bool stream, std::string_view model);

} // namespace tinyllm::sim
