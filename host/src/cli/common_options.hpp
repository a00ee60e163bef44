// Parsing helpers shared by every command: the options all commands accept (so `tinyllm ask -v`
// works as well as `tinyllm -v ask`), --help, and usage errors.
#pragma once

#include "cli/global_options.hpp"

#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace tinyllm::cli {

namespace po = boost::program_options;

// Adds --config, --plugins, --no-default-plugins, -v/--verbose, --log-level, bound to `opts`.
void add_common_options(po::options_description &desc, GlobalOptions &opts);

// Parses `args` with `desc` (and `positional`), applying -v counting. Throws Error(usage) with
// program_options' message and a pointer to --help. Returns the variables map.
po::variables_map parse_command_line(const std::vector<std::string> &args,
                                     const po::options_description &desc,
                                     const po::positional_options_description &positional,
                                     GlobalOptions &opts);

// The same for a command whose positional arguments are `names`, in order: each takes one word,
// except a last name ending in "..." which takes the rest of the line. Read them back with
// positional() and positional_rest() (without the "...").
po::variables_map parse_with_positionals(const std::vector<std::string> &args,
                                         const po::options_description &desc,
                                         const std::vector<std::string> &names,
                                         GlobalOptions &opts);
std::string positional(const po::variables_map &vm, const std::string &name,
                       const std::string &fallback = "");
std::vector<std::string> positional_rest(const po::variables_map &vm, const std::string &name);

// Prints "Usage: tinyllm <usage>\n\n<summary>\n\n<options>" to stdout.
void print_help(const std::string &usage, const std::string &summary,
                const po::options_description &desc);

} // namespace tinyllm::cli
