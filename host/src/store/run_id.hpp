// Run ids: "r" + 12 hex digits of Unix epoch milliseconds + 8 hex digits, e.g.
// "r018f3a2b4c5d9e1f2a3b". Sorting ids sorts runs by start time, and a short prefix (as typed
// after `tinyllm runs list`) is usually unique.
#pragma once

#include <cstdint>
#include <string>

namespace tinyllm::store {

// A new run id. Thread-safe. Ids from one process are strictly increasing, even when several
// are made in the same millisecond or the clock steps back (the last part then counts up from
// its random start); ids from different processes differ by their 32 random bits.
std::string new_run_id();

// The id for a given time and last part; for tests and for importing runs.
std::string make_run_id(int64_t epoch_ms, uint32_t tail);

} // namespace tinyllm::store
