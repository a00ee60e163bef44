// `tinyllm plugins validate`'s conformance suite, in the spirit of clap-validator: a plugin file
// is loaded and each of its components created, called with sample inputs of its kind, called
// concurrently (unless serialized) and with a cancelled call, and every answer checked against
// the kind's contract. It runs in the plugin host's child process (`tinyllm-plugin-host
// validate FILE`), so a plugin that crashes or hangs fails the check it was in, not the
// validator.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace tinyllm::validate {

struct CheckResult {
    std::string check; // "tinyllm.node/1 shout: process", "loads"...
    bool ok = true;
    std::string detail; // what was found, or why it fails
};

struct Reporter {
    std::function<void(const std::string &check)> start; // a check begins
    std::function<void(const CheckResult &result)> result;
};

// Runs every check on `file`, reporting as it goes. Never throws for a bad plugin.
void run_conformance(const std::filesystem::path &file, const Reporter &report);

// The child's side: runs the suite, one JSON line per event on the answer stream
// ({"start":"check"} or {"check":"...","ok":true,"detail":"..."}), the plugin's own writes to
// stdout going to stderr where the parent sees them. Returns the exit code.
int validate_main(const std::filesystem::path &file);

} // namespace tinyllm::validate
