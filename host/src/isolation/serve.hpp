// The plugin's side of `isolation: process`: `tinyllm-plugin-host serve FILE FD` loads the
// plugin as the host would and runs every call the host sends over the socket FD, each on a
// thread of its own, with the same C ABI as in the host: its tllm_host offers the same
// services (chat and tools are carried back to the host, JSON is read here).
#pragma once

#include <filesystem>

namespace tinyllm::isolation {

// Returns the process's exit code when the host goes away.
int serve_main(const std::filesystem::path &plugin, int fd);

} // namespace tinyllm::isolation
