// Every prompt file the host knows, by id: the config dir's prompts/ first, then the installed
// ones (a prompt in the config dir overrides the installed prompt with the same id), loaded and
// checked once at start so a broken prompt fails the command that loads it, not a run.
#pragma once

#include "prompts/prompt.hpp"

#include <filesystem>
#include <vector>

namespace tinyllm::prompts {

class Library {
public:
    Library() = default;

    // Loads every *.yaml below each of `dirs` (missing dirs are skipped). Throws the first
    // file's Error (file:line:col).
    static Library load(std::vector<std::filesystem::path> dirs);

    // Null when there is no such prompt.
    const Prompt *find(const std::string &id) const;
    // Throws Error(not_found) naming where prompts are looked for, with a suggestion.
    const Prompt &get(const std::string &id) const;

    const std::vector<Prompt> &prompts() const noexcept { return prompts_; } // sorted by id
    const std::vector<std::filesystem::path> &dirs() const noexcept { return dirs_; }

private:
    std::vector<std::filesystem::path> dirs_;
    std::vector<Prompt> prompts_;
};

} // namespace tinyllm::prompts
