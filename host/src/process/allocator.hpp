// How the host's process uses malloc. Every model call makes and drops a few JSON documents,
// each of which takes a 64 KB block from malloc; with glibc's default trim threshold (128 KB,
// adjusted as it goes) the blocks freed at the top of a thread's arena are given back to the
// kernel and faulted in, zeroed, again on the next call: under eight concurrent runs that cost
// more CPU than the rest of the graph (measured: graph CPU per request 113-130 us against
// 85-88 us with this setting; docs/performance.md).
#pragma once

namespace tinyllm::process {

// Keeps up to 32 MB of freed memory per malloc arena instead of returning it at once. Call
// once, at the start of main. [main thread]
void keep_freed_memory() noexcept;

} // namespace tinyllm::process
