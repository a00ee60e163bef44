// The one map from TinyLLM's error codes to HTTP statuses (as exit_codes.hpp is for the
// command line), so every API answers the same failure with the same status.
#pragma once

#include "tinyllm/error.hpp"

namespace tinyllm::serve {

int http_status_for(ErrorCode code) noexcept;

} // namespace tinyllm::serve
