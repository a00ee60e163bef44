// Semantic versions (semver.org), as graph and prompt files carry them.
#pragma once

#include <string_view>

namespace tinyllm::config {

// Whether `text` is MAJOR.MINOR.PATCH (with an optional -pre-release and +build suffix, as
// semver.org allows).
bool is_semver(std::string_view text);

} // namespace tinyllm::config
