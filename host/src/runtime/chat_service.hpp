// tinyllm.chat/1: a plugin's chat request, given as C data, becomes the host's typed
// ChatRequest (checked field by field, errors naming the field), goes to the runtime, and the
// typed answer is handed back as a tllm_chat_result. JSON is written once, for the backend.
#pragma once

#include "messages/chat.hpp"

#include <tinyllm/plugin.h>

namespace tinyllm::runtime {

// The static service table (its functions reach the runtime through the tllm_host).
const tllm_chat_service_v1 &chat_service() noexcept;

// The request as the host's type; throws Error(invalid_argument) "chat: <what is wrong>".
messages::ChatRequest chat_request_of(const tllm_chat_request *request);

} // namespace tinyllm::runtime
