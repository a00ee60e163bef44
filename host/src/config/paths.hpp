// Paths written in config files: "~" is the home directory, relative paths are relative to the
// config dir (not to wherever tinyllm happens to be started).
#pragma once

#include "config/env.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace tinyllm::config {

// "~" and "~/x" use HOME; an absolute path is kept; anything else is joined to `base`. The
// result is lexically normalised. Returns nullopt when "~" is used and HOME is unset or empty.
// ("~user" is not expanded: it is taken as a relative name, like the shell does for an unknown
// user.)
std::optional<std::filesystem::path>
resolve_path(std::string_view text, const std::filesystem::path &base, const Getenv &getenv);

// `path` made absolute against `cwd` (the process's working directory when `cwd` is empty).
std::filesystem::path absolute_from(const std::filesystem::path &path,
                                    const std::filesystem::path &cwd);

} // namespace tinyllm::config
