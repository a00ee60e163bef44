// Where plugins come from, in order: --plugins arguments, TINYLLM_PLUGIN_PATH, the config's
// `plugins:` list, then the directory installed next to the executable.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tinyllm::plugin {

struct SearchPath {
    std::filesystem::path path; // a directory (its *.so files) or one .so file
    std::string origin;         // "--plugins", "TINYLLM_PLUGIN_PATH", "system.yaml", "default"
    bool must_exist = true;     // the default directory may be absent
};

struct DiscoveryOptions {
    std::vector<std::filesystem::path> cli_paths;
    std::string env_path; // TINYLLM_PLUGIN_PATH, ':'-separated
    std::vector<std::filesystem::path> config_paths;
    bool use_default = true;
};

std::vector<SearchPath> search_paths(const DiscoveryOptions &options);

// The prefix the running executable is installed under (<prefix>/bin/tinyllm-host); the build
// tree mirrors the install tree, so this works there too. Empty if it cannot be determined.
std::filesystem::path install_prefix();

// <prefix>/lib/tinyllm/plugins.
std::filesystem::path default_plugin_dir();

// Expand search paths into candidate files: every regular *.so in a directory (sorted, not
// recursive), or the file itself. The same file reached twice is listed once. Problems with a
// path (missing, unreadable) are returned in `problems` as one line each.
std::vector<std::filesystem::path> candidate_files(const std::vector<SearchPath> &paths,
                                                   std::vector<std::string> &problems);

} // namespace tinyllm::plugin
