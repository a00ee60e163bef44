// Loads one plugin file with Boost.DLL and checks it against the ABI contract.
#pragma once

#include "plugin/loaded_plugin.hpp"

#include <memory>
#include <variant>

namespace tinyllm::plugin {

using LoadResult = std::variant<std::unique_ptr<LoadedPlugin>, LoadFailure>;

// Never throws for a bad file: every problem comes back as a LoadFailure. Component-level
// problems are appended to `component_failures` and the rest of the plugin stays usable.
LoadResult load_plugin(const std::filesystem::path &path,
                       std::vector<LoadFailure> &component_failures);

// Checks an ABI version against the host's; returns the refusal message or "" when compatible.
std::string abi_incompatibility(tllm_abi_version plugin_abi);

} // namespace tinyllm::plugin
