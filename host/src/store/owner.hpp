// The process that records a run: its host name and pid, stored with the run so that a later
// process can tell a run that is still going from one whose process died.
#pragma once

#include <cstdint>
#include <string>

namespace tinyllm::store {

struct Owner {
    std::string host;
    int64_t pid = 0;
};

// This process.
Owner current_owner();

// True only when `owner` is certainly gone: it ran on this host and no process has its pid.
// A pid that was reused by another process reads as alive, and so does any other host's run;
// the staleness rule (RunStore::recover_interrupted) covers those.
bool owner_is_gone(const Owner &owner);

} // namespace tinyllm::store
