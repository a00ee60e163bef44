// tinyllm.json/1: JSON reading (and, since 2.3, editing) for plugins that have no JSON library
// (C plugins above all), over the host's one JSON parser. Every function is self-contained (no
// instance, no host), so the same table also serves plugins run in a child process, where it is
// the child's own copy: edits never cross the process boundary.
#pragma once

#include <tinyllm/plugin.h>

namespace tinyllm::runtime {

// The static service table.
const tllm_json_service_v1 &json_service() noexcept;

// How deep a document the service accepts: deeper nesting is refused with a message rather
// than risking the stack of whoever later walks the tree recursively.
inline constexpr unsigned kJsonServiceMaxDepth = 512;

} // namespace tinyllm::runtime
