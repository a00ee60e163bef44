// tinyllm-plugin-host: the host's helper process for plugins it does not trust to share its
// address space. `scan FILE` loads one plugin file as the host would (dlopen, ABI check, init)
// and answers with one JSON line, so a plugin that crashes or hangs while loading takes down
// this process instead of the command the user ran; `validate FILE` runs the conformance suite
// (validate/conformance.hpp) and streams its checks as JSON lines; `serve FILE FD LEVEL` runs a
// plugin configured with `isolation: process` for the host, over the socket FD
// (isolation/serve.hpp).
// Not meant to be run by hand; installed under libexec.
#include "isolation/serve.hpp"
#include "logging/logging.hpp"
#include "plugin/scanner.hpp"
#include "process/allocator.hpp"
#include "validate/conformance.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char **argv) {
    tinyllm::process::keep_freed_memory();
    if (argc == 3 && std::strcmp(argv[1], "scan") == 0) {
        return tinyllm::plugin::scan_main(argv[2]);
    }
    if (argc == 5 && std::strcmp(argv[1], "serve") == 0) {
        // The host reports the signal the plugin's process died of; a sanitizer's handler
        // (in a sanitized build) would turn a SIGSEGV into its own report and a SIGABRT.
        for (const int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE})
            std::signal(sig, SIG_DFL);
        // The host's log level; the plugin's log lines go to stderr, as in the host.
        spdlog::set_level(tinyllm::logging::parse_level(argv[4]).value_or(spdlog::level::warn));
        return tinyllm::isolation::serve_main(argv[2], std::atoi(argv[3]));
    }
    if (argc == 3 && std::strcmp(argv[1], "validate") == 0) {
        // Quiet: anything on stderr is the plugin's own output, which the suite reports.
        spdlog::set_level(spdlog::level::off);
        return tinyllm::validate::validate_main(argv[2]);
    }
    std::fprintf(stderr, "usage: tinyllm-plugin-host scan|validate PLUGIN.so\n"
                         "(a helper of tinyllm-host, run by it; not meant to be run by hand)\n");
    return 2;
}
