#include "process/allocator.hpp"

#include <malloc.h>

namespace tinyllm::process {

void keep_freed_memory() noexcept {
    ::mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

} // namespace tinyllm::process
