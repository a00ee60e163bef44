#include "store/owner.hpp"

#include <cerrno>
#include <climits>

#include <signal.h>
#include <unistd.h>

namespace tinyllm::store {
namespace {

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return {};
    return name;
}

} // namespace

Owner current_owner() {
    // Computed per call: cheap, and right in a forked child.
    return Owner{host_name(), static_cast<int64_t>(::getpid())};
}

bool owner_is_gone(const Owner &owner) {
    // pid <= 1 or beyond pid_t would make kill() signal a group or be meaningless.
    if (owner.pid <= 1 || owner.pid > INT_MAX) return false;
    if (owner.host.empty() || owner.host != host_name()) return false;
    // Signal 0 checks existence only; EPERM means it exists under another user.
    return ::kill(static_cast<pid_t>(owner.pid), 0) != 0 && errno == ESRCH;
}

} // namespace tinyllm::store
